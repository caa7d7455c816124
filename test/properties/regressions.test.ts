import { afterAll, describe, expect, it } from 'vitest';
import { answers } from './answers.js';
import { removeCases, type Cut } from './files.js';
import type { Log } from './logs.js';
import type { Run } from './runs.js';

/**
 * Logs the order-and-cuts property (cuts.test.ts) found, as fast-check shrank them: each answered
 * differently when its rows came in another order. Each is run whole (one CSV) and with its rows
 * reversed into a CSV part and a JSON part, and the answer is pinned too.
 */
const reversed = (rows: number): Cut => ({
  rows: [...Array(rows).keys()].reverse(), native: [], formats: ['csv', 'json'], rowEnds: [1, rows], nativeEnds: [0, 0], numbers: false, columnSeed: 0, crlf: false,
});

async function sameAnswer(log: Log, run: Run): Promise<Record<string, any>> {
  const [a] = await answers(log, [run], reversed(log.rows.length));
  expect(a!.cut).toEqual(a!.whole);
  return JSON.parse(a!.whole.json);
}

describe('logs whose answer depended on the order of their rows', () => {
  afterAll(removeCases);

  it('estimate --from-log lists the usage by model, channels and add-ons, not in the order first seen', async () => {
    const report = await sameAnswer({
      card: 'credits-example',
      rows: [
        { kind: 'transcript', id: 'r0', timestamp: '2026-08-30T06:59:59Z', model: 'standard', audio_duration: '3101.929', features: 'speaker_labels' },
        { kind: 'transcript', id: 'r1', timestamp: '2026-08-30T06:59:59Z', model: 'standard', audio_duration: '2348.851' },
      ],
      native: [],
    }, { command: 'estimate', flags: ['--rates', 'credits-example'] });
    expect(report.usage.transcribe.map((t: { features: string[] }) => t.features)).toEqual([[], ['speaker_labels']]);
  });

  it('balance: records that complete at the same instant are charged cheapest first (nothing refused after the block here)', async () => {
    const report = await sameAnswer({
      card: 'credits-example',
      rows: [
        { kind: 'llm', id: 'r0', timestamp: '2026-08-23T09:43:39Z', model: 'assistant', input_tokens: '0', output_tokens: '0' },
        { kind: 'llm', id: 'r1', timestamp: '2026-08-23T09:43:39Z', model: 'assistant', input_tokens: '0', output_tokens: '98864', cache_write_tokens: '55381', cache_write_1h_tokens: '49163' },
      ],
      native: [],
    }, { command: 'balance', flags: ['--rates', 'credits-example', '--monthly-credits', '600', '--addon', 'voice-cloning=100', '--topup', '0', '--credits-per-usd', '60', '--rollover', '0'] });
    expect([report.blocked_at, report.refused]).toEqual(['2026-08-23T09:43:39Z', { count: 0, amount: '0' }]);
  });

  it('audit: of two sessions of one key and customer opened at the same instant, the same one is reported as opened while the other was open', async () => {
    const stream = (id: string, model: string | undefined) => ({ kind: 'stream', id, timestamp: '2026-08-30T07:00:59Z', model, audio_duration: '0', api_key: 'key-3', customer_id: 'globex', terminated: 'false' });
    const report = await sameAnswer({ card: 'credits-example', rows: [stream('r2', undefined), stream('r3', 'live')], native: [] }, { command: 'audit', flags: ['--rates', 'credits-example'] });
    const overlap = report.findings.filter((f: { code: string }) => f.code === 'OVERLAPPING_SESSIONS');
    expect(overlap.map((f: { message: string }) => f.message)).toEqual(['session r3 opened while session r2 of the same API key and customer was still open (3 h overlap): a stream opened twice?']);
  });

  it('audit --max-findings lists the first findings of each code in time, not the first in file order', async () => {
    const unclosed = (id: string, timestamp: string) => ({ kind: 'stream', id, timestamp, model: 'universal-streaming', audio_duration: '60', terminated: 'false' });
    const report = await sameAnswer(
      { card: 'assemblyai', rows: [unclosed('r0', '2026-08-02T00:00:00Z'), unclosed('r1', '2026-08-01T00:00:00Z'), unclosed('r2', '2026-08-03T00:00:00Z')], native: [] },
      { command: 'audit', flags: ['--rates', 'assemblyai', '--max-findings', '2'] },
    );
    expect(report.findings.map((f: { code: string; id: string }) => `${f.code} ${f.id}`).sort()).toEqual(['UNCLOSED_SESSION r0', 'UNCLOSED_SESSION r1']);
    expect(report.summary.omitted).toBe(1);
  });
});
