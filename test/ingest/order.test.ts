import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeInvoice } from '../../src/engine/index.js';
import { periodFromFlags } from '../../src/pricing/period.js';
import { loadCard } from '../../src/rates/load.js';
import { renderInvoiceJson } from '../../src/report/invoice.js';
import { TimeZone } from '../../src/util/time.js';

const dir = mkdtempSync(join(tmpdir(), 'tallyman-order-'));
let written = 0;
/** The built-in card plus the Sync and Voice Agent products, so that every native shape is priced. */
const card = loadCard(join(import.meta.dirname, '../../fixtures/provider/sync-voice-agent.card.json'));
const UTC = TimeZone.of('UTC');
const BASE = Date.UTC(2026, 6, 20);
const at = (seconds: number): string => new Date(BASE + seconds * 1000).toISOString();
const pick = <T>(...values: T[]): fc.Arbitrary<T> => fc.constantFrom(...values);

/** One session, transcript or request of a log, as the lines a client or an export would write. */
type Lines = (id: string) => object[];

const wrap = (id: string, seconds: number, event: object, extra: object = {}): object => ({ session_id: id, received_at: at(seconds), ...extra, event });

const v3Session: fc.Arbitrary<Lines> = fc.record({
  start: fc.integer({ min: 0, max: 200_000 }),
  seconds: fc.integer({ min: 1, max: 12_000 }),
  opened: fc.boolean(),
  closed: fc.boolean(),
  echoed: pick('u3-rt-pro', 'universal-streaming-english', undefined),
  logged: pick('universal-streaming-multilingual', undefined),
  turns: fc.integer({ min: 0, max: 3 }),
}).map((s) => (id) => [
  ...(s.opened || !s.closed ? [wrap(id, s.start, { type: 'Begin', id, expires_at: 1, configuration: { model: s.echoed } }, s.logged ? { model: s.logged, project: 'voice' } : {})] : []),
  ...Array.from({ length: s.turns }, (_, i) => wrap(id, s.start + i, i % 2 ? { type: 'SpeechStarted', timestamp: 1216 } : { type: 'Turn', turn_order: i, transcript: 'Hi.', end_of_turn: true, words: [] })),
  ...(s.closed ? [wrap(id, s.start + s.seconds, { type: 'Termination', audio_duration_seconds: Math.floor(s.seconds / 2), session_duration_seconds: s.seconds })] : []),
]);

const v2Session: fc.Arbitrary<Lines> = fc.record({ start: fc.integer({ min: 0, max: 200_000 }), seconds: fc.integer({ min: 1, max: 5000 }) }).map((s) => (id) => [
  wrap(id, s.start, { message_type: 'SessionBegins', session_id: id, expires_at: '2026-07-21T00:00:00.000000' }, { model: 'universal-streaming-english' }),
  wrap(id, s.start + 1, { message_type: 'PartialTranscript', text: 'how', words: [] }),
  wrap(id, s.start + s.seconds, { message_type: 'SessionInformation', audio_duration_seconds: 1.5 }),
  wrap(id, s.start + s.seconds, { message_type: 'SessionTerminated' }),
]);

const agentSession: fc.Arbitrary<Lines> = fc.record({ start: fc.integer({ min: 0, max: 200_000 }), seconds: fc.integer({ min: 1, max: 3000 }), ended: fc.boolean(), replies: fc.integer({ min: 0, max: 3 }) }).map((s) => (id) => [
  wrap(id, s.start, { type: 'session.ready', session_id: id }),
  ...Array.from({ length: s.replies }, (_, i) => wrap(id, s.start + (i + 1) * 7, { type: 'reply.done' })),
  ...(s.ended ? [wrap(id, s.start + s.seconds, { type: 'session.ended', session_duration_seconds: s.seconds, audio_duration_seconds: null })] : []),
]);

const transcript: fc.Arbitrary<Lines> = fc.record({
  seconds: fc.integer({ min: 0, max: 7200 }),
  model: pick('universal-3-pro', 'universal-2', null),
  status: pick('completed', 'completed', 'error', 'processing'),
  listed: fc.boolean(),
  created: fc.integer({ min: 0, max: 200_000 }),
  labels: fc.boolean(),
}).map((t) => (id) => [
  { id, status: t.status, audio_duration: t.status === 'error' ? null : t.seconds, speech_model_used: t.model, speaker_labels: t.labels },
  ...(t.listed ? [{ page_details: {}, transcripts: [{ id, resource_url: `https://api.assemblyai.com/v2/transcript/${id}`, status: t.status, created: at(t.created).slice(0, -1), completed: null, error: null }] }] : []),
]);

const gateway: fc.Arbitrary<Lines> = fc.record({ when: fc.integer({ min: 0, max: 200_000 }), input: fc.integer({ min: 0, max: 2_000_000 }), output: fc.integer({ min: 0, max: 100_000 }), openai: fc.boolean() }).map((g) => (id) => [
  g.openai
    ? { id, object: 'chat.completion', created: Math.floor(BASE / 1000) + g.when, model: 'gpt-5-mini', usage: { prompt_tokens: g.input, completion_tokens: g.output, total_tokens: g.input + g.output } }
    : { request_id: id, request: { model: 'claude-sonnet-4-5-20250929' }, usage: { input_tokens: g.input, output_tokens: g.output, total_tokens: g.input + g.output }, timestamp: at(g.when) },
]);

const sync: fc.Arbitrary<Lines> = fc.record({ when: fc.integer({ min: 0, max: 200_000 }), ms: fc.integer({ min: 1, max: 120_000 }) }).map((s) => (id) => [
  { received_at: at(s.when), response: { text: 'hi', words: [], confidence: 0.9, audio_duration_ms: s.ms, session_id: id } },
]);

const canonical: fc.Arbitrary<Lines> = fc.record({ when: fc.integer({ min: 0, max: 200_000 }), seconds: fc.integer({ min: 1, max: 3600 }) }).map((c) => (id) => [
  { kind: 'transcript', id, timestamp: at(c.when), model: 'universal-2', audio_duration: c.seconds },
]);

const item = fc.oneof(v3Session, v2Session, agentSession, transcript, gateway, sync, canonical);

function write(lines: string[], json: boolean): string {
  const path = join(dir, `part-${written++}.${json ? 'json' : 'ndjson'}`);
  writeFileSync(path, json ? `[\n${lines.join(',\n')}\n]\n` : `${lines.join('\n')}\n`);
  return path;
}

async function invoiceJson(paths: string[]): Promise<string> {
  const invoice = await computeInvoice(paths, {
    card, zone: UTC, inputZone: UTC, period: periodFromFlags({}, UTC), groupBy: [], map: new Map(), skipInvalid: false, allowUnpriced: false,
  });
  return renderInvoiceJson(invoice);
}

describe('order does not matter', () => {
  it('a log\'s invoice is the same when its lines are shuffled and split across files, native shapes included', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(item, { minLength: 1, maxLength: 12 }).chain((items) => {
          const lines = items.flatMap((make, i) => make(`id-${i}`)).map((o) => JSON.stringify(o));
          return fc.tuple(fc.constant(lines), fc.shuffledSubarray(lines, { minLength: lines.length }), fc.array(fc.integer({ min: 0, max: lines.length }), { maxLength: 3 }), fc.boolean());
        }),
        async ([lines, shuffled, cuts, json]) => {
          const bounds = [0, ...[...cuts].sort((a, b) => a - b), shuffled.length];
          const parts = bounds.slice(1).map((end, i) => write(shuffled.slice(bounds[i], end), json && i % 2 === 1));
          expect(await invoiceJson(parts)).toBe(await invoiceJson([write(lines, false)]));
        },
      ),
      { numRuns: Number(process.env.ORDER_RUNS ?? 60) },
    );
  });
});
