import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { CANONICAL_FIELDS, type RawFields } from '../../src/ingest/record.js';
import type { Log } from './logs.js';

/**
 * A log written to files: whole (its canonical rows as one CSV, its native lines beside it as one
 * NDJSON file), or cut: every line shuffled and dealt into two or three parts, each in another
 * format (CSV, NDJSON, JSON array, Parquet of text columns), with its own column or key order.
 */
export type Format = 'csv' | 'ndjson' | 'json' | 'parquet';

/** How a log is cut: the order of its lines, where the parts end, and how each part is written. */
export interface Cut {
  rows: number[];
  native: number[];
  formats: Format[];
  /** Ends of the parts in the shuffled rows and native lines (the native ones only go to JSON parts). */
  rowEnds: number[];
  nativeEnds: number[];
  /** Numbers written as JSON numbers (where their text is one), keys and columns shuffled, CRLF line ends. */
  numbers: boolean;
  columnSeed: number;
  crlf: boolean;
}

const ROOT = mkdtempSync(join(tmpdir(), 'tallyman-cuts-'));
let written = 0;

/** Removes every case's files (after a test file's last test). */
export function removeCases(): void {
  rmSync(ROOT, { recursive: true, force: true });
}

/** A fresh folder for one case's files. */
export function caseDir(): string {
  const dir = join(ROOT, `case-${written++}`);
  mkdirSync(dir);
  return dir;
}

/** Random cuts of a log: every permutation of its lines, two or three parts, the formats in any order. */
export function cutOf(log: Log): fc.Arbitrary<Cut> {
  const permutation = (n: number) => fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n });
  return fc.record({
    rows: permutation(log.rows.length),
    native: permutation(log.native.length),
    // Native lines need a JSON part (NDJSON or a JSON array) to go to.
    formats: fc.shuffledSubarray<Format>(['csv', 'ndjson', 'json', 'parquet'], { minLength: 2, maxLength: 3 }).filter((f) => f.includes('ndjson') || f.includes('json')),
    rowCuts: fc.array(fc.integer({ min: 0, max: log.rows.length }), { minLength: 2, maxLength: 2 }),
    nativeCut: fc.integer({ min: 0, max: log.native.length }),
    numbers: fc.boolean(),
    columnSeed: fc.nat(),
    crlf: fc.boolean(),
  }).map(({ rows, native, formats, rowCuts, nativeCut, numbers, columnSeed, crlf }) => {
    const sorted = [...rowCuts].sort((a, b) => a - b);
    const rowEnds = formats.length === 2 ? [sorted[0]!, log.rows.length] : [sorted[0]!, sorted[1]!, log.rows.length];
    // Native lines go to the JSON parts: the first of them takes up to the cut, the last the rest.
    const jsonParts = formats.map((f, i) => (f === 'ndjson' || f === 'json' ? i : -1)).filter((i) => i >= 0);
    const nativeEnds = formats.map((_, i) => (i < jsonParts[0]! ? 0 : i < jsonParts[jsonParts.length - 1]! ? nativeCut : log.native.length));
    return { rows, native, formats, rowEnds, nativeEnds, numbers, columnSeed, crlf };
  });
}

/** Writes the whole log: `whole.csv`, and `native.ndjson` when it has native lines. */
export function writeWhole(log: Log, dir: string): string[] {
  const paths = [join(dir, 'whole.csv')];
  writeFileSync(paths[0]!, csv(log.rows, [...CANONICAL_FIELDS], false));
  if (log.native.length > 0) {
    paths.push(join(dir, 'native.ndjson'));
    writeFileSync(paths[1]!, `${log.native.join('\n')}\n`);
  }
  return paths;
}

/** Writes the parts of a cut log, `part-1.csv`, `part-2.json`, ..., and returns their paths in order. */
export function writeCut(log: Log, cut: Cut, dir: string): string[] {
  const columns = shuffle([...CANONICAL_FIELDS], cut.columnSeed);
  return cut.formats.map((format, i) => {
    const rows = cut.rows.slice(i === 0 ? 0 : cut.rowEnds[i - 1], cut.rowEnds[i]).map((r) => log.rows[r]!);
    const native = cut.native.slice(i === 0 ? 0 : cut.nativeEnds[i - 1], cut.nativeEnds[i]).map((n) => log.native[n]!);
    const path = join(dir, `part-${i + 1}.${format}`);
    const eol = cut.crlf ? '\r\n' : '\n';
    if (format === 'csv') {
      writeFileSync(path, csv(rows, columns, cut.crlf));
    } else if (format === 'parquet') {
      writeFileSync(path, parquet(rows, columns));
    } else {
      const lines = shuffle([...rows.map((r) => JSON.stringify(jsonOf(r, columns, cut.numbers))), ...native], cut.columnSeed + i);
      writeFileSync(path, format === 'ndjson' ? lines.map((l) => `${l}${eol}`).join('') : `[${eol}${lines.join(`,${eol}`)}${eol}]${eol}`);
    }
    return path;
  });
}

/** Rows as Parquet text columns (absent: null), every canonical column in the order given, one row group per 3 rows. */
function parquet(rows: RawFields[], order: string[]): Uint8Array {
  const columnData = order.map((field) => ({ name: field, data: rows.map((r) => r[field as keyof RawFields] ?? null), type: 'STRING' as const }));
  return new Uint8Array(parquetWriteBuffer({ columnData, rowGroupSize: 3 }));
}

/** Rows as CSV with the columns any of them uses, in the order given (a file with no rows: the header alone). */
function csv(rows: RawFields[], order: string[], crlf: boolean): string {
  const header = order.filter((field) => field === 'kind' || field === 'id' || rows.some((r) => r[field as keyof RawFields] !== undefined));
  return stringify([header, ...rows.map((r) => header.map((field) => r[field as keyof RawFields] ?? ''))], { record_delimiter: crlf ? 'windows' : 'unix' });
}

const NUMERIC = new Set(['audio_duration', 'channels', 'session_duration', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'cache_write_1h_tokens', 'reasoning_tokens']);

/** A row as a JSON object: its fields in the order given, numbers as JSON numbers where their text is one. */
function jsonOf(row: RawFields, order: string[], numbers: boolean): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const field of order) {
    const value = row[field as keyof RawFields];
    if (value === undefined) continue;
    out[field] = numbers && NUMERIC.has(field) && String(Number(value)) === value ? Number(value) : value;
  }
  return out;
}

/** A deterministic shuffle (a seeded linear congruential generator; fast-check chose the seed). */
function shuffle<T>(items: T[], seed: number): T[] {
  let state = (seed >>> 0) || 1;
  for (let i = items.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
