import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { SchemaElement } from 'hyparquet';
import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { readParquet } from '../../src/ingest/parquet.js';
import { decimalText, floatText } from '../../src/ingest/parquet-values.js';
import { isExpectedError } from '../../src/util/errors.js';
import { TimeZone } from '../../src/util/time.js';
import { ROOT, runBinary } from '../cli/binary.js';

const dir = mkdtempSync(join(tmpdir(), 'tallyman-parquet-'));

/** Writes a Parquet file of the columns given (each with its schema element, or text). */
function parquet(name: string, columns: { name: string; data: unknown[]; element?: Omit<SchemaElement, 'name'> }[], rowGroupSize = 1000): string {
  const path = join(dir, name);
  const schema: SchemaElement[] = [{ name: 'root', num_children: columns.length }, ...columns.map((c) => ({ name: c.name, repetition_type: 'OPTIONAL' as const, ...(c.element ?? { type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const }) }))];
  writeFileSync(path, new Uint8Array(parquetWriteBuffer({ columnData: columns.map((c) => ({ name: c.name, data: c.data }) as ColumnSource), schema, rowGroupSize })));
  return path;
}

/** A CSV's rows as text columns (empty cells null), as a warehouse would export it without a schema. */
function textColumns(csv: string): { name: string; data: (string | null)[] }[] {
  const [header, ...rows] = csv.trim().split('\n').map((l) => l.split(','));
  return header!.map((name, i) => ({ name, data: rows.map((r) => (r[i] === '' ? null : r[i]!)) }));
}

const json = (args: string[], input?: Buffer) => runBinary([...args, '--format', 'json'], input ? { input } : {});

describe('Parquet logs', () => {
  const quickstart = readFileSync(join(ROOT, 'fixtures/quickstart.csv'), 'utf8');

  it('a Parquet file of the CSV rows as text gives the CSV invoice, byte for byte (file, standard input, gzipped)', () => {
    const path = parquet('quickstart.parquet', textColumns(quickstart));
    const csv = json(['invoice', 'fixtures/quickstart.csv', '--group-by', 'project,customer']);
    expect(csv.status).toBe(0);
    expect(json(['invoice', path, '--group-by', 'project,customer']).stdout).toBe(csv.stdout);
    expect(json(['invoice', '-', '--group-by', 'project,customer'], readFileSync(path)).stdout).toBe(csv.stdout);
    const gzipped = join(dir, 'quickstart.parquet.gz');
    writeFileSync(gzipped, gzipSync(readFileSync(path)));
    expect(json(['invoice', gzipped, '--group-by', 'project,customer']).stdout).toBe(csv.stdout);
  });

  it('typed columns (INT64 tokens, DOUBLE, FLOAT and DECIMAL seconds, BOOLEAN, TIMESTAMP in µs and ns, local and UTC) read as their text', () => {
    // The same five records as CSV text and as typed Parquet columns.
    const csv = [
      'kind,id,timestamp,model,audio_duration,channels,session_duration,terminated,input_tokens,output_tokens,started_at',
      'transcript,t1,2026-05-03T09:15:00.123Z,universal-2,0.1,2,,,,,',
      'transcript,t2,2026-05-03T10:00:00Z,universal-2,1800.25,1,,,,,',
      'stream,s1,2026-05-06T14:00:00Z,universal-streaming,540,,600.5,true,,,2026-05-06T16:00:00',
      'stream,s2,2026-05-06T15:00:00Z,universal-streaming,120,,,false,,,',
      'llm,l1,2026-05-07T12:00:00.999Z,claude-sonnet-4.5,,,,,9007199254740991,8000,',
    ].join('\n');
    const csvPath = join(dir, 'typed.csv');
    writeFileSync(csvPath, `${csv}\n`);
    const ms = (iso: string) => BigInt(Date.parse(iso));
    const path = parquet('typed.parquet', [
      { name: 'kind', data: ['transcript', 'transcript', 'stream', 'stream', 'llm'] },
      { name: 'id', data: ['t1', 't2', 's1', 's2', 'l1'] },
      // Nanoseconds with a part millisecond past .123 (dropped, as the text reader drops a fourth decimal) and µs past .999.
      { name: 'timestamp', data: [ms('2026-05-03T09:15:00.123Z') * 1_000_000n + 456_789n, ms('2026-05-03T10:00:00Z') * 1_000_000n, ms('2026-05-06T14:00:00Z') * 1_000_000n, ms('2026-05-06T15:00:00Z') * 1_000_000n, ms('2026-05-07T12:00:00.999Z') * 1_000_000n + 999_999n], element: { type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'NANOS' } } },
      { name: 'model', data: ['universal-2', 'universal-2', 'universal-streaming', 'universal-streaming', 'claude-sonnet-4.5'] },
      // 0.1 as a FLOAT is 0.100000001490116…: read as 0.1 s, not 101 ms.
      { name: 'audio_duration', data: [0.1, 1800.25, 540, 120, null], element: { type: 'FLOAT' } },
      { name: 'channels', data: [2, 1, null, null, null], element: { type: 'INT32' } },
      // DECIMAL(9,3): 600.500 s.
      { name: 'session_duration', data: [null, null, 600500n, null, null], element: { type: 'INT64', converted_type: 'DECIMAL', precision: 18, scale: 3 } },
      { name: 'terminated', data: [null, null, true, false, null], element: { type: 'BOOLEAN' } },
      { name: 'input_tokens', data: [null, null, null, null, 9007199254740991n], element: { type: 'INT64' } },
      { name: 'output_tokens', data: [null, null, null, null, 8000n], element: { type: 'INT64' } },
      // A wall time, not adjusted to UTC: read in --input-tz as the CSV's value without an offset.
      { name: 'started_at', data: [null, null, ms('2026-05-06T16:00:00Z') * 1000n, null, null], element: { type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' } } },
    ]);
    for (const zone of ['UTC', 'Asia/Kathmandu']) {
      const fromCsv = json(['invoice', csvPath, '--input-tz', zone, '--group-by', 'day']);
      expect(fromCsv.status, fromCsv.stderr).toBe(0);
      expect(json(['invoice', path, '--input-tz', zone, '--group-by', 'day']).stdout).toBe(fromCsv.stdout);
    }
    const lines = JSON.parse(json(['invoice', path]).stdout).lines as { model: string; base_quantity: string; token_type: string | null }[];
    // t1: 0.1 s rounded up to the 1 s increment, × 2 channels = 2 s; t2: 1800.25 s → 1801 s; 1803 s in all.
    expect(lines.find((l) => l.model === 'universal-2')!.base_quantity).toBe('1803');
    expect(lines.find((l) => l.token_type === 'input')!.base_quantity).toBe('9007199254740991');
  });

  it('an invalid row is named by its row number (1-based, across row groups), and --skip-invalid lists it', () => {
    const rows = Array.from({ length: 7 }, (_, i) => i);
    const path = parquet('bad.parquet', [
      { name: 'kind', data: rows.map(() => 'transcript') },
      { name: 'id', data: rows.map((i) => `t${i}`) },
      { name: 'timestamp', data: rows.map(() => '2026-05-03T09:15:00Z') },
      { name: 'model', data: rows.map(() => 'universal-2') },
      { name: 'audio_duration', data: rows.map((i) => (i === 4 ? -5 : 60)), element: { type: 'DOUBLE' } },
    ], 3);
    const refused = runBinary(['invoice', path]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toBe(`tallyman: ${path}:5: field "audio_duration": "-5" is negative (durations are seconds, 0 or more)\n`);
    const skipped = JSON.parse(json(['invoice', path, '--skip-invalid']).stdout);
    expect(skipped.records).toMatchObject({ counted: 6, skipped: 1 });
    expect(skipped.skipped).toEqual([expect.objectContaining({ line: 5 })]);
  });

  it('reads only the columns the run needs: a dimension nobody groups by is never decoded', () => {
    // `project` is a column tallyman cannot read (a 16-byte fixed-length value with no type).
    const path = parquet('unread.parquet', [
      ...textColumns('kind,id,timestamp,model,audio_duration\ntranscript,t1,2026-05-03T09:15:00Z,universal-2,3600'),
      { name: 'project', data: [new Uint8Array(16)], element: { type: 'FIXED_LEN_BYTE_ARRAY', type_length: 16 } },
    ]);
    const run = json(['invoice', path]);
    expect(run.status, run.stderr).toBe(0);
    // 1 h of universal-2 at 0.15 USD.
    expect(JSON.parse(run.stdout).total).toBe('0.15');
    const grouped = runBinary(['invoice', path, '--group-by', 'project']);
    expect(grouped.status).toBe(2);
    expect(grouped.stderr).toMatch(/^tallyman: .*unread\.parquet: column "project" is FIXED_LEN_BYTE_ARRAY without a type tallyman reads; .*\n$/);
  });

  it('a cut or corrupt Parquet file is exit 2 and one line naming it', () => {
    const whole = readFileSync(parquet('whole.parquet', textColumns(quickstart)));
    const cut = join(dir, 'cut.parquet');
    writeFileSync(cut, whole.subarray(0, whole.length - 40));
    const corrupt = join(dir, 'corrupt.parquet');
    const bytes = Buffer.from(whole);
    bytes.fill(0xff, 8, whole.length - 60);
    writeFileSync(corrupt, bytes);
    for (const path of [cut, corrupt]) {
      const run = runBinary(['invoice', path]);
      expect(run.status).toBe(2);
      expect(run.stderr.split('\n')).toHaveLength(2);
      expect(run.stderr).toContain(`tallyman: ${path}: `);
    }
    expect(runBinary(['invoice', '-'], { input: whole.subarray(0, 100) }).stderr).toMatch(/^tallyman: <stdin>: .*cut short/);
  });
});

describe('a damaged Parquet file', () => {
  it('with bytes flipped anywhere, reads or fails as an expected error (exit 2, one line), never a crash', async () => {
    const whole = readFileSync(parquet('fuzz.parquet', textColumns(readFileSync(join(ROOT, 'fixtures/quickstart.csv'), 'utf8'))));
    const options = { inputZone: TimeZone.of('UTC'), map: new Map(), onInvalid: () => {} };
    // A fixed stream of positions (a linear congruential generator), so that a failure is found again.
    // Not further than 150 rounds: a later one (a run-length count past its page, in a page's
    // definition levels) keeps hyparquet 1.31.5 decoding for minutes: see docs/usage-logs.md.
    let state = 12345;
    const next = (n: number) => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) % n;
    for (let round = 0; round < 150; round++) {
      const bytes = Buffer.from(whole);
      for (let k = 0; k < 1 + next(4); k++) bytes[4 + next(bytes.length - 8)] = next(256);
      try {
        for await (const records of readParquet({ bytes }, 'fuzz.parquet', options)) expect(Array.isArray(records)).toBe(true);
      } catch (error) {
        expect(isExpectedError(error), `round ${round}: ${(error as Error).stack}`).toBe(true);
        expect((error as Error).message).not.toContain('\n');
      }
    }
  });
});

describe('Parquet values as text', () => {
  it('decimals exactly, floats as their shortest decimal of their own width, no exponent', () => {
    expect(decimalText(12345n, 2)).toBe('123.45');
    expect(decimalText(-5n, 3)).toBe('-0.005');
    expect(decimalText(123456789012345678901234567890n, 10)).toBe('12345678901234567890.1234567890');
    expect(decimalText(7n, -2)).toBe('700');
    expect(floatText(Math.fround(0.1), true, 'f', 1, 'x')).toBe('0.1');
    expect(floatText(0.1, false, 'f', 1, 'x')).toBe('0.1');
    expect(floatText(1e-7, false, 'f', 1, 'x')).toBe('0.0000001');
    expect(floatText(1.5e21, false, 'f', 1, 'x')).toBe('1500000000000000000000');
    expect(() => floatText(Number.NaN, false, 'f', 3, 'audio_duration')).toThrow('f:3: field "audio_duration": NaN is not a number');
  });
});
