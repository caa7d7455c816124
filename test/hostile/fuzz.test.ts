import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import { exercise, type Run } from './exercise.js';
import { mutate, mutateJson, mutations, jsonMutations } from './mutate.js';

/**
 * One fuzz target per reader: valid fixtures, mutated (bytes, lines, JSON values, YAML), read in
 * this process through the path the CLI takes (the command's core, then its renderer). A run must
 * end in output or in an expected error of one line; anything else fails, shrunk to its smallest
 * input. Brief by default; `TALLYMAN_FUZZ=long` runs 20,000 inputs a target (a few minutes each).
 */
const LONG = process.env.TALLYMAN_FUZZ === 'long';
const RUNS = LONG ? 20_000 : 120;
const TIMEOUT = LONG ? 3_600_000 : 60_000;

const ROOT = join(import.meta.dirname, '../..');
const DIR = mkdtempSync(join(tmpdir(), 'tallyman-fuzz-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

const fixture = (path: string): string => readFileSync(join(ROOT, 'fixtures', path), 'utf8');

/** The quickstart log as other shapes: canonical NDJSON (the byte scanner's flat lines) and a JSON array. */
function quickstartRecords(): Record<string, string>[] {
  const [header, ...rows] = fixture('quickstart.csv').trim().split('\n').map((line) => line.split(','));
  return rows.map((row) => Object.fromEntries(header!.flatMap((name, i) => (row[i] === '' ? [] : [[name, row[i]!]]))));
}
const CANONICAL_NDJSON = quickstartRecords().map((r) => JSON.stringify(r)).join('\n') + '\n';
const CANONICAL_JSON = `[\n${quickstartRecords().map((r) => `  ${JSON.stringify(r, null, 1).replace(/\n\s*/g, ' ')}`).join(',\n')}\n]\n`;

const run: fc.Arbitrary<Run> = fc.record({
  command: fc.constantFrom('invoice' as const, 'invoice' as const, 'audit' as const, 'balance' as const),
  format: fc.constantFrom('json' as const, 'table' as const, 'csv' as const, 'markdown' as const, 'focus' as const, 'html' as const),
  textOnly: fc.boolean(),
  skipInvalid: fc.boolean(),
  rates: fc.constant('assemblyai'),
});

/** Writes one input to a file of its own, named as the reader expects (by extension). */
function write(name: string, text: string): string {
  const path = join(DIR, name);
  writeFileSync(path, text);
  return path;
}

/** Checks a target: every mutated input ends in output or one expected error. */
async function fuzz<T>(inputs: fc.Arbitrary<T>, toFile: (input: T) => string): Promise<void> {
  await fc.assert(
    fc.asyncProperty(inputs, run, async (input, how) => {
      await exercise([toFile(input)], how);
    }),
    { numRuns: RUNS, interruptAfterTimeLimit: TIMEOUT - 5_000 },
  );
}

describe('fuzz: mutated inputs end in output or one expected error, never a crash', () => {
  it('CSV', { timeout: TIMEOUT }, async () => {
    const sources = ['quickstart.csv', 'audit/streams.csv', 'tencent-month.csv', 'ledger/credits.csv'].map(fixture);
    await fuzz(fc.tuple(fc.constantFrom(...sources), mutations), ([text, list]) => write('log.csv', mutate(text, list)));
  });

  it('NDJSON (flat canonical lines and native messages)', { timeout: TIMEOUT }, async () => {
    const sources = [CANONICAL_NDJSON, fixture('native/stream-events.ndjson'), fixture('native/llm.ndjson'), fixture('gateway-cache.ndjson')];
    await fuzz(fc.tuple(fc.constantFrom(...sources), mutations), ([text, list]) => write('log.ndjson', mutate(text, list)));
  });

  it('JSON array', { timeout: TIMEOUT }, async () => {
    const sources = [CANONICAL_JSON, fixture('native/transcripts.json'), fixture('native/list.json')];
    await fuzz(fc.tuple(fc.constantFrom(...sources), mutations), ([text, list]) => write('log.json', mutate(text, list)));
  });

  it('native shapes, value by value (transcripts, lists, Sync, streaming and voice-agent messages, gateway responses)', { timeout: TIMEOUT }, async () => {
    const sources: [string, string][] = [
      'provider/transcript.json', 'provider/transcript-list.json', 'provider/sync-response.json', 'provider/openai-chat-completion.json',
      'provider/anthropic-message.json', 'provider/llm-gateway-chat-completions.json', 'provider/streaming-universal.ndjson',
      'provider/streaming-u3-pro.ndjson', 'provider/realtime-v2-wrapped.ndjson', 'provider/voice-agent.ndjson', 'native/stream-events.ndjson',
    ].map((path) => [path.endsWith('.json') ? 'json' : 'ndjson', fixture(path)]);
    // A pretty-printed document is one value; NDJSON a value a line.
    const compact = sources.map(([ext, text]): [string, string] => [ext, ext === 'json' ? JSON.stringify(JSON.parse(text)) : text]);
    await fuzz(fc.tuple(fc.constantFrom(...compact), jsonMutations), ([[ext, text], list]) => write(`native.${ext}`, mutateJson(text, list)));
  });

  it('rate card (YAML), then a log priced on it', { timeout: TIMEOUT }, async () => {
    const sources = ['cards/negotiated.yaml', 'cards/gateway-cache.yaml', 'cards/broken.yaml'].map(fixture);
    const log = join(ROOT, 'fixtures/quickstart.csv');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...sources), mutations, run, async (text, list, how) => {
        const card = write('card.yaml', mutate(text, list));
        await exercise([log], { ...how, rates: card });
      }),
      { numRuns: RUNS, interruptAfterTimeLimit: TIMEOUT - 5_000 },
    );
  });
});
