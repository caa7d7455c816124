import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeInvoice, type Invoice } from '../../src/engine/index.js';
import { readLog, type ReadStats } from '../../src/ingest/index.js';
import type { UsageRecord } from '../../src/ingest/record.js';
import { periodFromFlags } from '../../src/pricing/period.js';
import { loadCard } from '../../src/rates/load.js';
import { Decimal, roundMoney } from '../../src/util/decimal.js';
import { InputError } from '../../src/util/errors.js';
import { TimeZone } from '../../src/util/time.js';

/**
 * The provider's own published examples (fixtures/provider/README.md names the source of each file),
 * read as they come and priced on today's built-in card, each amount worked out by hand here:
 * seconds × hourly rate / 3600, tokens × rate per 1M / 1,000,000, each line rounded half-up to cents.
 */
const DIR = join(import.meta.dirname, '../../fixtures/provider');
const UTC = TimeZone.of('UTC');
const fixture = (name: string): string => join(DIR, name);
const builtin = loadCard('assemblyai');
const withSyncAndAgent = loadCard(fixture('sync-voice-agent.card.json'));

async function invoice(names: string[], options: { card?: typeof builtin; skipInvalid?: boolean; allowUnpriced?: boolean } = {}): Promise<Invoice> {
  const card = options.card ?? builtin;
  return computeInvoice(names.map(fixture), {
    card, zone: UTC, inputZone: UTC, period: periodFromFlags({}, UTC), groupBy: [], map: new Map(), skipInvalid: options.skipInvalid ?? false, allowUnpriced: options.allowUnpriced ?? false,
  });
}

async function failure(names: string[]): Promise<string> {
  const error = await invoice(names).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(InputError);
  return (error as Error).message.replace(`${DIR}/`, '');
}

async function read(name: string): Promise<{ records: UsageRecord[]; stats: ReadStats }> {
  const stats: ReadStats = { pending: 0 };
  const records: UsageRecord[] = [];
  const onInvalid = (e: InputError): never => {
    throw e;
  };
  for await (const batch of readLog([fixture(name)], { inputZone: UTC, map: new Map(), onInvalid }, stats)) records.push(...batch);
  return { records, stats };
}

/** Each line as `model/addon-or-token: amount (exact)`. */
const lines = (inv: Invoice): string[] => inv.lines.map((l) => `${l.model}/${l.addon ?? l.tokenType ?? ''}: ${l.amount.toFixed(2)} (${l.amountExact.toString()})`);
const hourly = (seconds: number, rate: string): Decimal => new Decimal(seconds).times(rate).dividedBy(3600);
const perMillion = (tokens: number, rate: string): Decimal => new Decimal(tokens).times(rate).dividedBy(1_000_000);
const line = (label: string, exact: Decimal): string => `${label}: ${roundMoney(exact, 2, 'half-up').toFixed(2)} (${exact.toString()})`;

describe('the OpenAPI spec\'s transcript examples', () => {
  it('the Transcript example: 281 s, undated, so at the card\'s latest version: no model named (the default since 2026-09-02, universal-3-5-pro at 0.21), nine add-ons', async () => {
    const inv = await invoice(['transcript.json']);
    // Add-ons at their 2026-05-29 rates, each on the 281 s of audio once.
    const addons: [string, string][] = [
      ['auto_highlights', '0.01'], ['content_safety', '0.15'], ['entity_detection', '0.08'], ['filter_profanity', '0.01'], ['iab_categories', '0.15'],
      ['redact_pii', '0.08'], ['redact_pii_audio', '0.05'], ['sentiment_analysis', '0.02'], ['speaker_labels', '0.02'],
    ];
    expect(lines(inv)).toEqual([
      line('universal-3-5-pro/', hourly(281, '0.21')),
      ...addons.map(([addon, rate]) => line(`universal-3-5-pro/${addon}`, hourly(281, rate))),
    ]);
    // 0.0164 → 0.02; content_safety, entity_detection, iab_categories, redact_pii → 0.01 each; the rest → 0.00.
    expect(inv.total.toFixed(2)).toBe('0.06');
    expect(inv.tally).toMatchObject({ undated: 1, defaultModel: 1 });
  });

  it('the TranscriptList example alone cannot be priced: its completed items have no duration', async () => {
    expect(await failure(['transcript-list.json'])).toBe('transcript-list.json:1 [0]: field "audio_duration": list item b33f4691-85b7-4f31-be12-a87cef1c1229 has no audio duration (the list endpoint omits it: give the transcript object (GET /v2/transcript/{id}) in another file)');
  });

  it('with --skip-invalid, the two completed list items are skipped and listed; the transcript is billed', async () => {
    // The failed item (created 2024-03-11) predates the card's first version (2025-04-23): the fold
    // refuses it as unpriced although it would be free, hence --allow-unpriced here.
    const inv = await invoice(['transcript.json', 'transcript-list.json'], { skipInvalid: true, allowUnpriced: true });
    expect(inv.skipped.count).toBe(2);
    expect(inv.skipped.examples.map((e) => [e.ref.file.endsWith('transcript-list.json'), e.ref.line, e.ref.index])).toEqual([[true, 1, 0], [true, 1, 2]]);
    expect(inv.unpriced.map((u) => u.refs.map((r) => r.index))).toEqual([[1]]);
    expect(inv.total.toFixed(2)).toBe('0.06');
  });
});

describe('the streaming message sequences of the docs', () => {
  it('Universal-3 Pro (u3-pro-message-sequence.mdx): Begin … Termination of 13 s; SpeechStarted, two Turns and Terminate passed over', async () => {
    const { records, stats } = await read('streaming-u3-pro.ndjson');
    expect(records.map((r) => [r.id, r.closed, r.sessionMs, r.audioMs])).toEqual([['3207b601-2054-48df-ba77-8784dfcf9fb8', true, 13_000, 13_000]]);
    expect(stats.passedOver).toBe(4);
    // No model in the messages: the streaming default, universal-streaming at 0.15.
    expect(lines(await invoice(['streaming-u3-pro.ndjson']))).toEqual([line('universal-streaming/', hourly(13, '0.15'))]);
  });

  it('Universal-Streaming (universal-streaming-messages.mdx): 14 Turns passed over, 7 s billed', async () => {
    const { records, stats } = await read('streaming-universal.ndjson');
    expect(records.map((r) => [r.id, r.sessionMs])).toEqual([['de5d9927-73a6-4be8-b52d-b4c07be37e6b', 7000]]);
    expect(stats.passedOver).toBe(14);
    expect(lines(await invoice(['streaming-universal.ndjson']))).toEqual([line('universal-streaming/', hourly(7, '0.15'))]);
  });

  it('v2 (the AsyncAPI examples): bare, SessionTerminated carries no time, so the session time cannot be known', async () => {
    expect(await failure(['realtime-v2.ndjson'])).toBe('realtime-v2.ndjson:5: field "received_at": session f14499a6-c399-4c30-b1eb-0a33af64b1d9 ended (SessionTerminated) but its session time is not known (log the time each message was received, for the opening message and SessionTerminated)');
  });

  it('v2 as a client logs it (wrapped with the time received): 13:51:38 → 13:55:32 is 234 s', async () => {
    const { stats } = await read('realtime-v2-wrapped.ndjson');
    expect(stats.passedOver).toBe(3);
    expect(lines(await invoice(['realtime-v2-wrapped.ndjson']))).toEqual([line('universal-streaming/', hourly(234, '0.15'))]);
  });
});

describe('LLM gateway responses as published', () => {
  it('AssemblyAI (chat-completions.mdx): request.model claude-sonnet-4-5-20250929 → claude-sonnet-4.5 at 3 / 15 per 1M', async () => {
    expect(lines(await invoice(['llm-gateway-chat-completions.json']))).toEqual([
      line('claude-sonnet-4.5/input', perMillion(15, '3')),
      line('claude-sonnet-4.5/output', perMillion(8, '15')),
    ]);
  });

  it('Anthropic-style (a recorded Messages response of the Anthropic SDK): 591 in, 1056 out', async () => {
    const inv = await invoice(['anthropic-message.json']);
    expect(lines(inv)).toEqual([
      line('claude-sonnet-4.5/input', perMillion(591, '3')),
      line('claude-sonnet-4.5/output', perMillion(1056, '15')),
    ]);
    expect(inv.total.toFixed(2)).toBe('0.02');
  });

  it('OpenAI-style responses are dated by `created`: the published examples (2024, 2025) predate the card\'s first version', async () => {
    const { records } = await read('openai-chat-completion.json');
    expect(records.map((r) => [r.model, r.inputTokens, r.outputTokens, new Date(r.at!).toISOString()])).toEqual([['gpt-5.4', 19, 10, '2025-03-10T01:25:52.000Z']]);
    expect(await failure(['llm-gateway-openai-style.json'])).toMatch(/^llm-gateway-openai-style\.json:1: field "model": no version of card assemblyai is in force at that time \(first: 2025-04-23\)/);
  });
});

describe('Sync API and Voice Agent', () => {
  it('a Sync response (the SDK\'s test response) is a transcript of model sync/universal-3-5-pro: 0.30 per hour from 2026-07-14', async () => {
    // Undated, so at the card's latest version: 400 ms, rounded up to the Sync product's 1 s increment.
    expect(lines(await invoice(['sync-response.json']))).toEqual([line('sync/universal-3-5-pro/', hourly(1, '0.30'))]);
    expect(lines(await invoice(['sync-response.json'], { card: withSyncAndAgent }))).toEqual([line('sync/universal-3-5-pro/', hourly(1, '0.30'))]);
  });

  it('the Voice Agent server messages: nine passed over, session.ended bills its 95 s at the voice-agent rate', async () => {
    const { records, stats } = await read('voice-agent.ndjson');
    expect(records.map((r) => [r.id, r.model, r.closed, r.sessionMs, r.audioMs])).toEqual([['sess_abc123', 'voice-agent', true, 95_000, 61_000]]);
    expect(stats.passedOver).toBe(9);
    // The Voice Agent product (4.50 per hour, from 2026-04-01): 95 s = 0.11875 → 0.12.
    expect(lines(await invoice(['voice-agent.ndjson']))).toEqual([line('voice-agent/', hourly(95, '4.50'))]);
    expect(lines(await invoice(['voice-agent.ndjson'], { card: withSyncAndAgent }))).toEqual([line('voice-agent/', hourly(95, '4.50'))]);
  });
});
