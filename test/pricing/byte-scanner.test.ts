import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CanonicalField } from '../../src/ingest/record.js';
import type { Dimension } from '../../src/pricing/dimensions.js';
import { computeInvoice, type InvoiceOptions } from '../../src/engine/index.js';
import { periodFromFlags } from '../../src/pricing/period.js';
import { loadCard } from '../../src/rates/load.js';
import { renderInvoiceJson } from '../../src/report/invoice.js';
import { resolveAccount, type AccountFlags } from '../../src/ledger/account.js';
import { runBalance } from '../../src/ledger/index.js';
import { renderBalanceJson } from '../../src/report/balance.js';
import { TimeZone } from '../../src/util/time.js';

/**
 * The byte scanner and its fold (src/ingest/scan.ts, src/pricing/fast.ts) are a second reading of
 * CSV logs beside the record path (tokenizer, normalizeRecord, UsageAggregator.add). Whatever the
 * file, both must give the same invoice, byte for byte, or the same error.
 */

const dir = mkdtempSync(join(tmpdir(), 'tallyman-scan-'));
let files = 0;

function write(text: string | Buffer, extension = '.csv'): string {
  const path = join(dir, `log-${files++}${extension}`);
  writeFileSync(path, text);
  return path;
}

interface Case {
  card?: string;
  groupBy?: Dimension[];
  month?: string;
  skipInvalid?: boolean;
  allowUnpriced?: boolean;
  map?: [CanonicalField, string][];
  daily?: boolean;
}

/** The invoice JSON (or the error) from one reading. */
async function outcome(paths: string[], c: Case, byteScanner: boolean): Promise<string> {
  const card = loadCard(c.card ?? 'assemblyai');
  const options: InvoiceOptions = {
    card,
    zone: card.timezone,
    inputZone: TimeZone.of('UTC'),
    period: periodFromFlags({ month: c.month }, card.timezone),
    groupBy: c.groupBy ?? [],
    map: new Map(c.map ?? []),
    skipInvalid: c.skipInvalid ?? false,
    allowUnpriced: c.allowUnpriced ?? false,
    daily: c.daily ?? false,
    byteScanner,
  };
  try {
    const invoice = await computeInvoice(paths, options);
    const daily = invoice.daily?.map((d) => `${d.day} ${d.product} ${d.amount.toFixed()}`).join('\n') ?? '';
    return `${renderInvoiceJson(invoice)}${daily}`;
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

async function expectSame(paths: string[], c: Case = {}): Promise<string> {
  const fast = await outcome(paths, c, true);
  expect(fast).toBe(await outcome(paths, c, false));
  return fast;
}

/** The balance JSON (or the error) from one reading: the ledger's columns come from the fold or from records. */
async function balanceOutcome(paths: string[], flags: AccountFlags, c: Case, byteScanner: boolean): Promise<string> {
  const card = loadCard(c.card ?? 'assemblyai');
  try {
    const result = await runBalance(paths, {
      card, zone: card.timezone, inputZone: TimeZone.of('UTC'), period: periodFromFlags({ month: c.month }, card.timezone), groupBy: [], map: new Map(),
      skipInvalid: c.skipInvalid ?? false, allowUnpriced: c.allowUnpriced ?? false, account: resolveAccount(flags, card), projectionDays: 10, dailySpend: undefined, byteScanner,
    });
    return renderBalanceJson(result);
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

const HEADER = 'kind,id,timestamp,project,api_key,customer_id,model,audio_duration,channels,features,status,session_duration,terminated,input_tokens,output_tokens';

describe('byte scanner against the record path', () => {
  it('reads every CSV fixture the same way, grouped every way', async () => {
    const csvs = ['fixtures/quickstart.csv', 'fixtures/month.csv', 'fixtures/tencent-month.csv', 'fixtures/formula.csv', 'fixtures/audit/streams.csv', 'fixtures/ledger/prepaid.csv', 'fixtures/ledger/credits.csv', 'fixtures/api-calls.csv'];
    for (const path of csvs) {
      for (const groupBy of [[], ['project', 'api_key', 'customer'], ['day'], ['month', 'customer']] as Dimension[][]) {
        await expectSame([path], { groupBy, allowUnpriced: true, skipInvalid: true });
      }
    }
    await expectSame(['fixtures/tencent-month.csv'], { card: 'tencent-asr', groupBy: ['day'], allowUnpriced: true });
    await expectSame(['fixtures/tencent-month.csv'], { card: 'fixtures/cards/tencent-quota.yaml', groupBy: ['project'] });
    await expectSame(['fixtures/api-calls.csv'], { card: 'fixtures/cards/api-calls.yaml', groupBy: ['day'] });
    expect(readdirSync('fixtures').filter((f) => f.endsWith('.csv')).every((f) => csvs.includes(`fixtures/${f}`))).toBe(true);
  });

  it('reads NDJSON fixtures (native events and gateway responses among flat lines) the same way', async () => {
    const flat = write([
      '{"kind":"transcript","id":"a","timestamp":"2026-05-06T10:00:00Z","model":"universal-2","audio_duration":90.5,"channels":2}',
      '{"session_id":"sess-9","received_at":"2026-05-06T15:00:00Z","event":{"type":"Begin","id":"sess-9"}}',
      '{"kind":"llm","id":"m","timestamp":"2026-05-06T11:00:00Z","model":"gpt-5","input_tokens":1200,"output_tokens":30}',
      '',
      '{"kind":"stream","id":"s","timestamp":"2026-05-06T12:00:00Z","model":"universal-streaming","session_duration":"600","terminated":true,"project":null}',
    ].join('\n'), '.ndjson');
    for (const groupBy of [[], ['project', 'customer', 'day']] as Dimension[][]) {
      expect(await expectSame(['fixtures/native/stream-events.ndjson', 'fixtures/native/llm.ndjson', flat], { groupBy, allowUnpriced: true })).toContain('"total"');
    }
    expect(await expectSame([write('{"kind":"llm","id":"a","input_tokens":5}\n{"kind": oops}\n', '.ndjson')])).toMatch(/:2: is not valid JSON/);
  });

  it('reports the first error in file order, on both paths, whatever comes after it', async () => {
    // Line 2 cannot be billed (a closed stream without its session time); line 3 stops the read.
    const unbillable = '{"kind":"stream","id":"a","timestamp":"2026-05-01T00:00:00Z","audio_duration":60,"terminated":true}';
    expect(await expectSame([write(`{"kind":"llm","id":"x","input_tokens":5}\n${unbillable}\n{"kind":\n`, '.ndjson')])).toMatch(/:2: field "session_duration": is missing on a closed session/);
    const row = 'stream,a,2026-05-01T00:00:00Z,p,k,c,universal-streaming,60,,,,,true,,';
    expect(await expectSame([write(`${HEADER}\n${row}\nllm,b\n`)])).toMatch(/:2: field "session_duration": is missing on a closed session/);
    expect(await expectSame([write(Buffer.concat([Buffer.from(`${HEADER}\n${row}\n`), Buffer.from([0x74, 0xff, 0x0a])]))])).toMatch(/:2: field "session_duration"/);
  });

  it('hands a file over at its first quoted, non-ASCII or ragged row and says the same errors', async () => {
    const rows = [
      'transcript,t1,2026-05-01T00:00:00Z,p,k,c,universal-2,60,1,,completed,,,,',
      'transcript,t2,2026-05-01T00:00:01Z,"p, quoted",k,c,universal-2,60,1,,completed,,,,',
      'transcript,t3,2026-05-01T00:00:02Z,Zürich,k,c,universal-2,60,1,,completed,,,,',
      'transcript,t4,2026-05-01T00:00:03Z,p,k,c,universal-2,60,1,,completed,,,,',
    ];
    for (const [i, row] of rows.entries()) {
      const text = [HEADER, ...rows.slice(0, i), row, ...rows.slice(i + 1)].join('\n');
      expect(await expectSame([write(text)], { groupBy: ['project'] })).toContain('"total"');
    }
    expect(await expectSame([write(`${HEADER}\n${rows[0]}\n${rows[1]!.slice(0, 60)}`)])).toMatch(/^error: .*:3: has a different number of fields/);
    expect(await expectSame([write(`${HEADER}\n${rows[0]}\n"open,\n${rows[3]}`)])).toMatch(/^error: .*:3: opens a quoted field/);
    expect(await expectSame([write(Buffer.concat([Buffer.from(`${HEADER}\n${rows[0]}\n`), Buffer.from([0x74, 0xff, 0x0a])]))])).toMatch(/^error: .*:3: is not valid UTF-8/);
    expect(await expectSame([write(`\uFEFF${HEADER}\r\n${rows[0]}\r\n\r\n${rows[3]}\r\n`)])).toContain('"total"');
    expect(await expectSame([write(`"kind",id,timestamp,model,audio_duration\ntranscript,a,2026-05-01T00:00:00Z,universal-2,10\n`)])).toContain('"total"');
    expect(await expectSame([write('')])).toMatch(/no header row/);
    expect(await expectSame([write(`${HEADER}\n${rows[0]}\r`)])).toContain('"total"');
  });

  it('gives the same invoice or error for any NDJSON of flat, awkward and native lines', async () => {
    const pick = <T>(...values: T[]): fc.Arbitrary<T> => fc.constantFrom(...values);
    // Clean objects, which the byte scanner folds, among wild ones, which the record path reads and judges.
    const clean = fc.record({
      kind: pick('transcript', 'stream', 'llm'),
      id: pick('a', 'b', 'c', 'd'),
      timestamp: pick('2026-05-01T00:00:00Z', '2026-05-31T23:59:59.500Z', '2026-05-15T10:00:00Z'),
      project: pick('p1', 'p2', undefined, null),
      customer_id: pick('c1', undefined),
      model: pick('universal-2', 'universal-3-pro', 'universal-streaming', 'gpt-5', undefined),
      audio_duration: pick<unknown>(60, 1.0004, '0.5', '3600', 7.25),
      channels: pick<unknown>(1, 2, '2', undefined),
      features: pick(undefined, 'speaker_labels', ''),
      status: pick('completed', 'error', undefined),
      session_duration: pick<unknown>(30, '10800', 20000.25, undefined),
      terminated: pick<unknown>(true, false, 'true', undefined),
      input_tokens: pick<unknown>(100, '1000000', 0),
      output_tokens: pick<unknown>(10, undefined),
      extra: pick<unknown>(undefined, 'ignored', 3),
    });
    const wild = fc.record({
      kind: pick<unknown>('transcript', 'stream', 'llm', 'Stream', 7, null),
      id: pick<unknown>('a', ' a', 12, true, null),
      timestamp: pick<unknown>('2026-05-01T00:00:00Z', '2026-06-01T00:00:00+02:00', 'soon', undefined, 1778155200),
      project: pick<unknown>('p1', 'Zürich', 'p\u0031', 'x y', 1.5),
      model: pick<unknown>('universal-2', 'gpt-5', 'mystery', 0),
      audio_duration: pick<unknown>(60, -5, 1e21, 0.30000000000000004, '12.', 1.0000000000000000001),
      channels: pick<unknown>(1, 0, 1.0, 'two'),
      features: pick<unknown>(['speaker_labels', 'entity_detection'], 'bad name', 'unknown_addon'),
      status: pick<unknown>('completed', 'queued'),
      session_duration: pick<unknown>(undefined, 'x'),
      terminated: pick<unknown>('TRUE', 'maybe', 1),
      input_tokens: pick<unknown>(undefined, 123456789012345678, -1),
      output_tokens: pick<unknown>(undefined, 2.5),
      extra: pick<unknown>({ nested: true }, [1]),
    });
    const line = fc.oneof(
      { weight: 6, arbitrary: clean.map((o) => JSON.stringify(o)) },
      { weight: 2, arbitrary: wild.map((o) => JSON.stringify(o)) },
      { weight: 1, arbitrary: clean.map((o) => JSON.stringify(o, null, 1).replace(/\n/g, ' ')) },
      { weight: 1, arbitrary: clean.map((o) => JSON.stringify(o).replace('"kind":', '"kind":"llm","kind":')) },
      { weight: 1, arbitrary: pick('', '   ', '{"kind":', '[1]', '{"session_id":"s1","received_at":"2026-05-02T00:00:00Z","event":{"type":"Begin","id":"s1"}}', '{"session_id":"s1","received_at":"2026-05-02T00:10:00Z","event":{"type":"Termination","audio_duration_seconds":60,"session_duration_seconds":600}}') },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 20 }), fc.integer({ min: 0, max: 20 }), fc.boolean(), fc.record({ groupBy: fc.subarray(['project', 'customer', 'day'] as Dimension[]), skipInvalid: fc.boolean(), allowUnpriced: fc.boolean(), daily: fc.boolean() }), async (lines, cut, crlf, c) => {
        const end = crlf ? '\r\n' : '\n';
        const at = Math.min(cut, lines.length);
        await expectSame([write(lines.slice(0, at).join(end), '.ndjson'), write(lines.slice(at).join(end) + end, '.jsonl')], c);
      }),
      { numRuns: Number(process.env.SCAN_RUNS ?? 300) },
    );
  });

  it('gives the same balance, ledger and projection from the fold as from records', async () => {
    const pick = <T>(...values: T[]): fc.Arbitrary<T> => fc.constantFrom(...values);
    const row = fc.record({
      kind: pick('transcript', 'transcript', 'stream', 'llm', 'llm '),
      id: pick('a', 'b', 'c', 'd', 'e', 'f', ''),
      at: fc.integer({ min: 0, max: 40 * 86400 }).map((s) => new Date(Date.UTC(2026, 4, 1) + s * 1000).toISOString().replace('.000Z', 'Z')),
      model: pick('universal-2', 'universal-3-pro', 'universal-streaming', 'gpt-5', 'claude-haiku-4.5', ''),
      audio: pick('60', '3600.5', '7200', ''),
      channels: pick('1', '2', ''),
      features: pick('', 'speaker_labels'),
      status: pick('completed', 'error', ''),
      session: pick('', '600', '20000'),
      terminated: pick('', 'true', 'false'),
      tokens: pick('', '100000', '5000000'),
    });
    const flags = pick<AccountFlags>({ balance: '5' }, { balance: '2', autopay: '1:4' }, { tier: 'free' }, { balance: '0.5' });
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 30 }), flags, pick(undefined, '2026-05'), async (rows, account, month) => {
        const lines = rows.map((r) => [r.kind, r.id, r.at, 'p', 'k', 'c', r.model, r.audio, r.channels, r.features, r.status, r.session, r.terminated, r.tokens, r.tokens].join(','));
        const path = write([HEADER, ...lines].join('\n') + '\n');
        const c = { month, allowUnpriced: true, skipInvalid: true };
        expect(await balanceOutcome([path], account, c, true)).toBe(await balanceOutcome([path], account, c, false));
      }),
      { numRuns: Number(process.env.SCAN_RUNS ?? 200) },
    );
  });

  it('gives the same invoice or error for any mix of plain and awkward rows', async () => {
    const pick = <T>(...values: T[]): fc.Arbitrary<T> => fc.constantFrom(...values);
    const row = fc.record({
      kind: pick('transcript', 'transcript', 'stream', 'llm', 'Transcript', ' stream', ''),
      id: pick('a', 'b', 'c', 'd', '', 'a b', 'x'),
      timestamp: pick('2026-05-01T00:00:00Z', '2026-05-31T23:59:59.500Z', '2026-06-01T00:00:00Z', '2026-05-15T12:00:00+02:00', '2026-05-10 08:00:00', '', 'yesterday', '2024-02-30T00:00:00Z', '2025-01-01T00:00:00Z'),
      project: pick('p1', 'p2', '', ' p1', '"p,3"', 'Zürich'),
      api_key: pick('k1', 'k2', ''),
      customer_id: pick('c1', 'c2', ''),
      model: pick('universal-2', 'universal-3-pro', 'universal-streaming', 'gpt-5', 'nano', 'best', '', 'mystery'),
      audio_duration: pick('60', '1.0004', '0.5', '3600', '', '-5', '1e3', '12.', '99999999999999'),
      channels: pick('1', '2', '', '0', 'two'),
      features: pick('', 'speaker_labels', 'speaker_labels;entity_detection', ';;', 'bad name', 'unknown_addon'),
      status: pick('completed', 'error', '', 'queued'),
      session_duration: pick('', '30', '10800', '20000', 'x'),
      terminated: pick('', 'true', 'FALSE', '1', '0', 'maybe'),
      input_tokens: pick('', '100', '1000000', '-1'),
      output_tokens: pick('', '10', '2.5'),
    });
    const log = fc.record({
      rows: fc.array(row, { maxLength: 25 }),
      crlf: fc.boolean(),
      blankAt: fc.integer({ min: -1, max: 25 }),
      split: fc.integer({ min: 0, max: 25 }),
      c: fc.record({
        card: pick('assemblyai', 'tencent-asr'),
        groupBy: fc.subarray(['project', 'api_key', 'customer', 'day', 'month'] as Dimension[]),
        month: pick(undefined, '2026-05'),
        skipInvalid: fc.boolean(),
        allowUnpriced: fc.boolean(),
        daily: fc.boolean(),
      }),
    });
    const columns = HEADER.split(',');
    await fc.assert(
      fc.asyncProperty(log, async ({ rows, crlf, blankAt, split, c }) => {
        const lines = rows.map((r) => columns.map((name) => (r as Record<string, string>)[name]).join(','));
        if (blankAt >= 0) lines.splice(blankAt, 0, '');
        const end = crlf ? '\r\n' : '\n';
        const cut = Math.min(split, lines.length);
        const paths = [write([HEADER, ...lines.slice(0, cut)].join(end) + end), write([HEADER, ...lines.slice(cut)].join(end))];
        await expectSame(paths, c);
      }),
      { numRuns: Number(process.env.SCAN_RUNS ?? 300) },
    );
  });
});
