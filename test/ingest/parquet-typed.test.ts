import fc from 'fast-check';
import type { SchemaElement } from 'hyparquet';
import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { LogStrings, UsageBatch } from '../../src/ingest/batch.js';
import { ParquetRowDecoder, readParquetInto } from '../../src/ingest/parquet-batch.js';
import { ParquetRowText, parquetGroups, type ParquetColumn } from '../../src/ingest/parquet.js';
import type { CanonicalField } from '../../src/ingest/record.js';
import { InputError } from '../../src/util/errors.js';
import { TimeZone } from '../../src/util/time.js';

/**
 * The two readers of a typed Parquet row, column by column: the typed path (ParquetRowDecoder: typed
 * cells straight into the batch, the text path where it declines) against the text path alone (each
 * cell as the CSV's text through normalizeRecord), on fuzzed files of every column type a warehouse
 * writes: text, INT32/INT64 (signed, past 2^53), DOUBLE and FLOAT seconds, DECIMAL of scale 0–5 as
 * INT32 and INT64, BOOLEAN, TIMESTAMP in ms/µs/ns UTC and local (read in the input zone, across a
 * DST gap), nulls everywhere, and values that must go the text path (spaces, negatives, NaN, years
 * out of range, a scale that makes a count fractional). INT96 is not written: hyparquet-writer
 * cannot; hyparquet turns it into the same epoch milliseconds (the nanosecond parser) as INT64 ns.
 */

type Cell = unknown;
interface Typed {
  element: Omit<SchemaElement, 'name'>;
  cell: fc.Arbitrary<Cell>;
}

const pick = <T>(...values: T[]): fc.Arbitrary<T> => fc.constantFrom(...values);
/** Mostly a value, now and then null. */
const orNull = (cell: fc.Arbitrary<Cell>): fc.Arbitrary<Cell> => fc.oneof({ weight: 5, arbitrary: cell }, { weight: 1, arbitrary: fc.constant(null) });
const TEXT = { type: 'BYTE_ARRAY', converted_type: 'UTF8' } as const;
const text = (...values: string[]): Typed => ({ element: TEXT, cell: orNull(pick(...values)) });

const BASE = Date.UTC(2026, 4, 1, 10);
/** Milliseconds near the base, or a special one: a DST gap in New York (as a wall time), years 0500 and 9500 (refused). */
const instantMs = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: -40 * 86_400_000, max: 40 * 86_400_000 }).map((d) => BASE + d) },
  { weight: 1, arbitrary: pick(Date.UTC(2026, 2, 8, 2, 30), Date.UTC(2026, 10, 1, 1, 30), Date.UTC(1000, 0, 1), Date.UTC(8999, 11, 31, 23, 59, 59, 999)) },
);
const outOfRange = pick(Date.UTC(500, 0, 1), Date.UTC(9500, 0, 1));
function timestamp(unit: 'MILLIS' | 'MICROS' | 'NANOS', utc: boolean): Typed {
  const scale = unit === 'MILLIS' ? 1n : unit === 'MICROS' ? 1000n : 1_000_000n;
  const ms = unit === 'NANOS' ? instantMs.filter((m) => Math.abs(m) < 9e12) : fc.oneof({ weight: 9, arbitrary: instantMs }, { weight: 1, arbitrary: outOfRange });
  const cell = fc.tuple(ms, fc.integer({ min: 0, max: 999_999 })).map(([m, part]) => BigInt(m) * scale + (BigInt(part) % scale));
  return { element: { type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: utc, unit } }, cell: orNull(cell) };
}
const instantTypes: Typed[] = [
  timestamp('MILLIS', true), timestamp('MICROS', true), timestamp('NANOS', true), timestamp('MICROS', false), timestamp('MILLIS', false),
  text('2026-05-01T10:00:00Z', '2026-05-01T10:00:00.123Z', '2026-05-01T10:00', '2026-05-01', ' 2026-05-01T10:00:00Z', 'soon', ''),
];

const decimal = (physical: 'INT32' | 'INT64', scale: number): Typed => ({
  element: { type: physical, converted_type: 'DECIMAL', precision: physical === 'INT32' ? 9 : 18, scale },
  cell: orNull(fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 0, max: physical === 'INT32' ? 999_999_999 : 2_000_000_000 }) },
    { weight: 1, arbitrary: pick(-1, -5000, 0) },
  // hyparquet-writer takes a bigint as the unscaled value (a number it would scale).
  ).map((n) => BigInt(n))),
});
const doubles = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 50_000_000 }).map((n) => n / 1000) },
  { weight: 2, arbitrary: fc.double({ min: 0, max: 1e7, noNaN: true }) },
  { weight: 2, arbitrary: pick(0, -0, 0.1, 0.001, 0.0004, 1.0005, 1800.25, 1e-7, 2 ** 33 + 0.5, 1e13, 1e22, -5, Number.NaN, Number.POSITIVE_INFINITY) },
);
const secondsTypes: Typed[] = [
  { element: { type: 'DOUBLE' }, cell: orNull(doubles) },
  { element: { type: 'FLOAT' }, cell: orNull(doubles.map((v) => Math.fround(v))) },
  ...[0, 1, 2, 3, 4, 5].map((scale) => decimal('INT64', scale)),
  decimal('INT32', 3),
  { element: { type: 'INT32' }, cell: orNull(fc.integer({ min: -3, max: 100_000 })) },
  { element: { type: 'INT64' }, cell: orNull(fc.oneof(fc.bigInt({ min: -3n, max: 100_000n }), pick(2n ** 60n))) },
  text('12', '12.5', '0.0004', '1.0000001', '-5', ' 3', 'abc', ''),
];
const countTypes: Typed[] = [
  { element: { type: 'INT32' }, cell: orNull(fc.integer({ min: -2, max: 5_000_000 })) },
  { element: { type: 'INT64' }, cell: orNull(fc.oneof({ weight: 6, arbitrary: fc.bigInt({ min: 0n, max: 5_000_000n }) }, { weight: 1, arbitrary: pick(-1n, 9_007_199_254_740_991n, 9_007_199_254_740_993n, 2n ** 62n) })) },
  { element: { type: 'DOUBLE' }, cell: orNull(pick(0, -0, 1, 2, 12, 2.5, -1, 1e20, 4096, Number.NaN)) },
  { element: { type: 'FLOAT' }, cell: orNull(pick(0, 1, 2, 16_777_217, 123_456_789, 2.5)) },
  decimal('INT64', 0),
  decimal('INT64', 2),
  text('0', '1', '2', '1200', '007', '-1', '2.5', ' 12', ''),
];
const booleanTypes: Typed[] = [
  { element: { type: 'BOOLEAN' }, cell: orNull(fc.boolean()) },
  { element: { type: 'INT32' }, cell: orNull(pick(0, 1, 2)) },
  text('true', 'false', 'TRUE', '1', '0', 'maybe', ' true', ''),
];
const word = (...extra: string[]): Typed => text('p1', 'p-2', 'k_9', 'ü-rö', ...extra);

/** The types each field's column may have. */
const FIELDS: Partial<Record<CanonicalField, Typed[]>> = {
  id: [text('r1', 'r2', 'r3', 'r4', ' r5', ''), { element: { type: 'INT64' }, cell: orNull(fc.bigInt({ min: 0n, max: 6n })) }],
  timestamp: instantTypes,
  started_at: instantTypes,
  ended_at: instantTypes,
  completed_at: instantTypes,
  project: [word(' p', '')],
  api_key: [word('\u00a0k')],
  customer_id: [word(''), { element: { type: 'INT64' }, cell: orNull(fc.bigInt({ min: 0n, max: 3n })) }],
  webhook_url: [{ element: TEXT, cell: fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: pick('https://hooks.example/h?customer_id=c7', 'not-a-url', '') }) }],
  model: [text('universal-2', 'universal-3-pro', 'gpt-5', ' gpt-5', 'nano', '')],
  audio_duration: secondsTypes,
  session_duration: secondsTypes,
  channels: countTypes,
  features: [text('', 'speaker_labels', 'a;b', 'a;;b', ';', 'bad!name', ' a')],
  status: [text('completed', 'error', '', 'queued', ' error')],
  terminated: booleanTypes,
  input_tokens: countTypes,
  output_tokens: countTypes,
  cache_read_tokens: countTypes,
  reasoning_tokens: countTypes,
  region: [text('global', 'us', 'eu', 'US', 'mars', '')],
};
const KIND: Typed = { element: TEXT, cell: fc.oneof({ weight: 12, arbitrary: pick('transcript', 'stream', 'llm') }, { weight: 1, arbitrary: pick(' llm', 'LLM', '', null) }) };

/** A file: kind and some other fields, each of one type, `rows` rows, row groups of `groupSize`. */
const file = fc.record({
  chosen: fc.subarray(Object.keys(FIELDS) as CanonicalField[], { minLength: 2 }).chain((fields) =>
    fc.tuple(...fields.map((field) => fc.constantFrom(...FIELDS[field]!).map((typed) => ({ field, typed }))))),
  rows: fc.integer({ min: 1, max: 40 }),
  groupSize: fc.integer({ min: 1, max: 16 }),
  zone: pick('UTC', 'Asia/Kathmandu', 'America/New_York'),
}).chain(({ chosen, rows, groupSize, zone }) => {
  const columns = [{ field: 'kind' as CanonicalField, typed: KIND }, ...chosen];
  return fc.tuple(...columns.map((c) => fc.array(c.typed.cell, { minLength: rows, maxLength: rows }))).map((data) => ({ columns, data, groupSize, zone }));
});

/** Row `r` of a batch, every column a reader fills, with strings and codes as their texts. */
function snapshot(b: UsageBatch, r: number): Record<string, unknown> {
  const where = { file: b.strings.files.at(b.file[r]!), line: b.line[r] };
  if (b.kind[r] === -1) return { kind: -1, ...where, error: b.errors[r]!.message };
  const features = b.text(b.features[r]!);
  return {
    kind: b.kind[r], ...where,
    at: b.at[r], startedAt: b.startedAt[r], completedAt: b.completedAt[r],
    audioMs: b.audioMs[r], sessionMs: b.sessionMs[r], channels: b.channels[r],
    inputTokens: b.inputTokens[r], outputTokens: b.outputTokens[r], failed: b.failed[r], closed: b.closed[r],
    cacheReadTokens: b.cacheReadTokens[r], cacheWriteTokens: b.cacheWriteTokens[r], cacheWrite1hTokens: b.cacheWrite1hTokens[r], reasoningTokens: b.reasoningTokens[r],
    region: b.region[r], graceMs: b.graceMs[r],
    model: b.text(b.model[r]!),
    // As in decoders.test.ts: the fast way keeps `a;;b` as written, the text way joins the list (`a;b`).
    features: features === undefined ? [] : features.split(';').filter((name) => name !== ''),
    project: b.text(b.project[r]!), apiKey: b.text(b.apiKey[r]!), customer: b.text(b.customer[r]!),
    hasId: b.hasId[r], idA: b.idA[r], idB: b.idB[r], id: b.id(r),
  };
}

/** A batch whose rows are kept as snapshots when it fills or is flushed. */
function collecting(): { batch: UsageBatch; rows: Record<string, unknown>[] } {
  const batch = new UsageBatch(new LogStrings());
  const rows: Record<string, unknown>[] = [];
  batch.drain = (b) => {
    for (let r = 0; r < b.length; r++) rows.push(snapshot(b, r));
    b.clear();
  };
  return { batch, rows };
}

const NAME = 'fuzz.parquet';
/** Rows the typed path decoded itself and rows it left to the text path; row groups read a column at a time. */
const totals = { typed: 0, text: 0, typedGroups: 0 };

/**
 * Reads a file three ways: row by row on the typed path (decode, the text path where it declines),
 * the text path alone, and as the engine does (readParquetInto: a group of plain rows a column at a
 * time, any other row by row).
 */
async function readBoth(bytes: Uint8Array, zone: string): Promise<{ typed: Record<string, unknown>[]; text: Record<string, unknown>[]; engine: Record<string, unknown>[] }> {
  const options = { inputZone: TimeZone.of(zone), map: new Map(), onInvalid: () => {} };
  const fast = collecting();
  const slow = collecting();
  const columnwise = collecting();
  let decoder: ParquetRowDecoder | undefined;
  let reader: ParquetRowText | undefined;
  let groups: ParquetRowDecoder | undefined;
  const start = (columns: ParquetColumn[]): void => {
    decoder = new ParquetRowDecoder(fast.batch, NAME, columns, options);
    reader = new ParquetRowText(columns, NAME, options);
    groups = new ParquetRowDecoder(columnwise.batch, NAME, columns, options);
  };
  for await (const group of parquetGroups({ bytes }, NAME, options, start)) {
    const count = group.rowEnd - group.rowStart;
    const taken = await groups!.typedGroup(group, count);
    if (taken === count) totals.typedGroups++;
    const data = await group.columns();
    // The rest of the group row by row, as readParquetInto does.
    groups!.group(data);
    for (let i = taken; i < count; i++) groups!.row(i, group.rowStart + i + 1);
    decoder!.group(data);
    for (let i = 0; i < group.rowEnd - group.rowStart; i++) {
      const line = group.rowStart + i + 1;
      const before = fast.batch.length;
      if (decoder!.decode(i, line)) totals.typed++;
      else {
        expect(fast.batch.length, 'decode declined but added a row').toBe(before);
        totals.text++;
        decoder!.row(i, line);
      }
      try {
        slow.batch.pushRecord(reader!.record(data, i, line));
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        slow.batch.pushError(error);
      }
    }
  }
  fast.batch.flush();
  slow.batch.flush();
  columnwise.batch.flush();
  expect(columnwise.rows).toEqual(slow.rows);
  const engine = collecting();
  await readParquetInto({ bytes }, NAME, engine.batch, options);
  engine.batch.flush();
  return { typed: fast.rows, text: slow.rows, engine: engine.rows };
}

describe('Parquet: the typed path against the text path', () => {
  it('fills the same columns for every row of fuzzed typed files (or says the same error)', async () => {
    await fc.assert(
      fc.asyncProperty(file, async ({ columns, data, groupSize, zone }) => {
        const schema: SchemaElement[] = [{ name: 'root', num_children: columns.length }, ...columns.map((c) => ({ name: c.field, repetition_type: 'OPTIONAL' as const, ...c.typed.element }))];
        const bytes = new Uint8Array(parquetWriteBuffer({ columnData: columns.map((c, i) => ({ name: c.field, data: data[i] }) as ColumnSource), schema, rowGroupSize: groupSize }));
        const { typed, text, engine } = await readBoth(bytes, zone);
        expect(typed).toHaveLength(data[0]!.length);
        for (let r = 0; r < typed.length; r++) expect(typed[r], `row ${r + 1}`).toEqual(text[r]);
        expect(engine).toEqual(text);
      }),
      { numRuns: 150, seed: 20261202 },
    );
    // Both ways taken, often: the test is worth nothing if every row fell back (or none did).
    expect(totals.typed).toBeGreaterThan(200);
    expect(totals.text).toBeGreaterThan(500);
    expect(totals.typedGroups).toBeGreaterThan(20);
  });

  it('a plain typed row is taken by the typed path itself; a row with a negative, a space or a fractional count is not', async () => {
    const schema: SchemaElement[] = [
      { name: 'root', num_children: 4 },
      { name: 'kind', repetition_type: 'OPTIONAL', ...TEXT },
      { name: 'timestamp', repetition_type: 'OPTIONAL', type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' } },
      { name: 'audio_duration', repetition_type: 'OPTIONAL', type: 'INT64', converted_type: 'DECIMAL', precision: 12, scale: 3 },
      { name: 'channels', repetition_type: 'OPTIONAL', type: 'DOUBLE' },
    ];
    const at = BigInt(BASE) * 1000n;
    const bytes = new Uint8Array(parquetWriteBuffer({
      schema, columnData: [
        { name: 'kind', data: ['transcript', 'transcript', ' transcript', 'transcript'] },
        { name: 'timestamp', data: [at, at, at, at] },
        { name: 'audio_duration', data: [1500n, -1500n, 1500n, 1500n] },
        { name: 'channels', data: [2, 2, 2, 2.5] },
      ] as ColumnSource[],
    }));
    const before = { ...totals };
    const { typed } = await readBoth(bytes, 'UTC');
    expect(totals.typed - before.typed).toBe(1);
    expect(totals.text - before.text).toBe(3);
    // Row 1: 1.500 s → 1500 ms, 2 channels, at 2026-05-01T10:00Z.
    expect(typed[0]).toMatchObject({ kind: 0, audioMs: 1500, channels: 2, at: BASE, line: 1 });
    expect(typed[1]).toMatchObject({ kind: -1, line: 2, error: expect.stringContaining('"-1.500" is negative') });
    // The text way trims ` transcript`.
    expect(typed[2]).toMatchObject({ kind: 0, line: 3 });
    expect(typed[3]).toMatchObject({ kind: -1, line: 4, error: expect.stringContaining('"2.5" is not a whole number') });
  });
});
