import { open, stat } from 'node:fs/promises';
import type { AsyncBuffer, FileMetaData, SchemaElement, SchemaTree } from 'hyparquet';
import { collectGarbage } from '../util/collect.js';
import { InputError, isExpectedError, UsageError } from '../util/errors.js';
import { emptyFields, mapHeader } from './header.js';
import type { ReadOptions } from './index.js';
import { normalizeRecord } from './normalize.js';
import { isGzipFile, peek } from './open.js';
import { parquetText, type CellText, type ParquetValue } from './parquet-values.js';
import type { CanonicalField, UsageRecord } from './record.js';

/** Whether bytes start as a Parquet file does (`PAR1`), whatever it is called. */
export function isParquet(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x41 && bytes[2] === 0x52 && bytes[3] === 0x31;
}

/** Most bytes of a Parquet log read whole from standard input, a pipe or a gzip stream (which cannot be read at an offset). */
export const MAX_PARQUET_STREAM = 1 << 30;

/**
 * Looks at the first bytes of a log as its reader gets them: Parquet (a regular file is then read
 * at offsets; standard input, a pipe or a gzipped file is held whole, up to MAX_PARQUET_STREAM), or
 * the chunks to read as text, none lost.
 */
export async function sniffParquet(path: string, chunks: AsyncIterable<Uint8Array>): Promise<{ parquet: ParquetSource; chunks?: undefined } | { parquet?: undefined; chunks: AsyncIterable<Uint8Array> }> {
  const iterator = chunks[Symbol.asyncIterator]();
  const { head, all: rest } = await peek(iterator, 4);
  if (!isParquet(head)) return { chunks: rest };
  if (path !== '-' && (await regularPlainFile(path))) {
    await iterator.return?.();
    return { parquet: { path } };
  }
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of rest) {
    size += chunk.length;
    if (size > MAX_PARQUET_STREAM) throw new UsageError(`${path === '-' ? '<stdin>' : path}: a Parquet log on standard input, a pipe or gzipped is read whole, and this one is past ${MAX_PARQUET_STREAM >> 20} MiB: save it to a file (Parquet is read at offsets)`);
    parts.push(chunk);
  }
  return { parquet: { bytes: Buffer.concat(parts) } };
}

async function regularPlainFile(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  return info?.isFile() === true && !(await isGzipFile(path));
}

/** Parquet bytes held whole (standard input, which cannot be read at an offset), or a file read at offsets. */
export type ParquetSource = { bytes: Uint8Array } | { path: string };

/** A Parquet log's wanted columns, each with its canonical field, schema element and decimal scale. */
export interface ParquetColumn {
  field: CanonicalField;
  name: string;
  element: SchemaElement;
  decimalScale: number | undefined;
}

/** One row group: its rows, and its wanted columns decoded on demand (hyparquet's arrays, to let go before the next group). */
export interface ParquetGroup {
  rowStart: number;
  rowEnd: number;
  /** Column `c` (of the columns given to `start`) of the group. */
  column(c: number): Promise<ArrayLike<unknown>>;
  /** Every column of the group. */
  columns(): Promise<ArrayLike<unknown>[]>;
  /** The group's compressed bytes, for progress. */
  bytes: number;
}

/** hyparquet and its codecs, loaded by the first Parquet file a run reads: a run of other logs never loads them. */
export async function parquetLibrary(): Promise<typeof import('hyparquet') & { compressors: typeof import('hyparquet-compressors').compressors }> {
  const [hyparquet, { compressors }] = await Promise.all([import('hyparquet'), import('hyparquet-compressors')]);
  return { ...hyparquet, compressors };
}

/**
 * Opens a Parquet log in the canonical schema (the CSV's column names, `--map` as for a CSV header)
 * and hands it on one row group at a time, only the columns wanted. `start` gets the columns and
 * about how many rows the file holds (its footer's count, bounded by its size) before the first group.
 */
export async function* parquetGroups(source: ParquetSource, name: string, options: ReadOptions, start: (columns: ParquetColumn[], rows: number) => void): AsyncGenerator<ParquetGroup> {
  const { parquetMetadataAsync, parquetScan, parquetSchema, compressors } = await parquetLibrary();
  const file = 'bytes' in source ? fromBytes(source.bytes) : await fromFile(source.path, name);
  try {
    const metadata = await unwrap(name, () => parquetMetadataAsync(file));
    const { plain, decimals } = withoutDecimals(metadata, name);
    const top = await unwrap(name, () => parquetSchema(plain).children);
    // A damaged footer can name a column with no name.
    if (top.some((c) => typeof c.element.name !== 'string')) throw new UsageError(`${name}: is not a readable Parquet file (a column has no name); export it again`);
    const columns = mapHeader(top.map((c) => c.element.name), name, options.map)
      .filter(([field]) => options.wanted?.(field) ?? true)
      .map(([field, index]): ParquetColumn => ({ field, name: top[index]!.element.name, element: leafOf(top[index]!, name), decimalScale: decimals.get(top[index]!.element.name) }));
    // The footer's row count is a claim: never more than ROWS_PER_BYTE a byte of the file (else a forged one would size a table past memory).
    start(columns, Math.max(0, Math.min(Number(plain.num_rows), file.byteLength * ROWS_PER_BYTE)));
    const scanOptions = { file, metadata: plain, columns: columns.map((c) => c.name), compressors, parsers: PARSERS };
    const { ranges } = await unwrap(name, () => parquetScan(scanOptions));
    let rowsUncollected = 0;
    for (const [g, range] of ranges.entries()) {
      // The last groups' arrays (let go by now) are collected before the next is decoded, when they were big.
      if (rowsUncollected >= COLLECT_ROWS) {
        collectGarbage();
        rowsUncollected = 0;
      }
      rowsUncollected += range.rowEnd - range.rowStart;
      // A scan of its own for each group: a scan keeps the last group it read of each column, which
      // would then be held while the next is decoded.
      const scan = await unwrap(name, () => parquetScan(scanOptions));
      const column = (c: number): Promise<ArrayLike<unknown>> => unwrap(name, () => scan.readColumn({ column: columns[c]!.name, ...range }));
      yield { ...range, column, columns: () => Promise.all(columns.map((_, c) => column(c))), bytes: groupBytes(plain, g) };
    }
  } catch (error) {
    throw asParquetError(error, name);
  } finally {
    await file.close?.();
  }
}

/** A damaged file's error (a cell of a type its column does not have) as one line naming the file. */
export function asParquetError(error: unknown, name: string): unknown {
  return isExpectedError(error) ? error : new UsageError(`${name}: is not a readable Parquet file (${(error as Error).message}); export it again`);
}

/**
 * Reads a Parquet log as records: each row's values turned into the text the CSV reader would hand
 * over (parquet-values.ts) and validated by the same normalizeRecord. A row's `line` is its row
 * number in the file, 1-based. An invalid row is passed to `onInvalid` in its place.
 */
export async function* readParquet(source: ParquetSource, name: string, options: ReadOptions, onBytes?: (bytes: number) => void): AsyncGenerator<UsageRecord[]> {
  let readers: ParquetRowText | undefined;
  for await (const group of parquetGroups(source, name, options, (columns) => (readers = new ParquetRowText(columns, name, options)))) {
    const data = await group.columns();
    const batch: UsageRecord[] = [];
    for (let i = 0; i < group.rowEnd - group.rowStart; i++) {
      try {
        batch.push(readers!.record(data, i, group.rowStart + i + 1));
        // A few records at a time, never a row group's worth of objects.
        if (batch.length === RECORDS_AT_ONCE) yield batch.splice(0);
      } catch (error) {
        if (!(error instanceof InputError)) throw asParquetError(error, name);
        // The records before it go first, so that errors and skips come in file order.
        if (batch.length > 0) yield batch.splice(0);
        options.onInvalid(error);
      }
    }
    onBytes?.(group.bytes);
    if (batch.length > 0) yield batch;
  }
}

/** A row's cells as the CSV's text, validated by normalizeRecord: the text path of a Parquet row. */
export class ParquetRowText {
  private readonly readers: { field: CanonicalField; text: CellText }[];

  constructor(columns: readonly ParquetColumn[], private readonly name: string, private readonly options: Pick<ReadOptions, 'inputZone'>) {
    this.readers = columns.map((c) => ({ field: c.field, text: parquetText(c.element, c.decimalScale, name) }));
  }

  /** Row `i` of a group's columns as a validated record; an InputError when it is not valid. */
  record(data: readonly ArrayLike<unknown>[], i: number, line: number): UsageRecord {
    const raw = emptyFields();
    for (const [c, reader] of this.readers.entries()) raw[reader.field] = reader.text(data[c]![i] as ParquetValue, line);
    return normalizeRecord(raw, { file: this.name, line }, this.options.inputZone);
  }
}

/**
 * Rows read between two full collections (`collectGarbage`). hyparquet decodes a row group into
 * arrays of about 1 MB a column (too big for the young generation: they are born old), so that,
 * left to itself, V8 lets several dead row groups pile up before it collects: 460 MB at 1M rows of
 * 15 columns against 70 MB live. A full collection a row group (9 for 1M rows from DuckDB, a few ms
 * each) keeps the heap at one group; small groups pile up little, so not after each of them.
 */
const COLLECT_ROWS = 65_536;

/** Rows a byte of a Parquet file is taken to hold at most, for sizing (the bench log holds 0.3; a column of one repeated value, far more). */
const ROWS_PER_BYTE = 16;

/** Records handed on at once (a row group's columns are decoded whole; its records are not all made at once). */
const RECORDS_AT_ONCE = 1024;

/** The parsers hyparquet is given: instants as whole epoch milliseconds (a part millisecond dropped, as the text reader drops a fourth decimal), days as a count, text as strict UTF-8. */
const PARSERS = {
  timestampFromMilliseconds: (millis: bigint) => Number(millis),
  // Below 2^53 a float division floors exactly (a quotient's distance to the next integer, 0.001 at least, is past its rounding).
  timestampFromMicroseconds: (micros: bigint) => {
    const n = Number(micros);
    return Number.isSafeInteger(n) ? Math.floor(n / 1000) : Number(floorDiv(micros, 1000n));
  },
  timestampFromNanoseconds: (nanos: bigint) => Number(floorDiv(nanos, 1_000_000n)),
  dateFromDays: (days: number) => ({ days }),
  stringFromBytes: (bytes: Uint8Array | undefined) => bytes && STRICT_UTF8.decode(bytes),
  jsonFromBytes: (bytes: Uint8Array | undefined) => bytes && STRICT_UTF8.decode(bytes),
};

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b < 0n ? q - 1n : q;
}

/** A file read at offsets, closed when the read ends. */
type ClosableBuffer = AsyncBuffer & { close?: () => Promise<void> };

function fromBytes(bytes: Uint8Array): ClosableBuffer {
  // A copy: a Buffer's slice is a view into a pool, whose `.buffer` is the whole pool.
  return { byteLength: bytes.length, slice: (start, end) => new Uint8Array(bytes.subarray(start, end)).buffer };
}

async function fromFile(path: string, name: string): Promise<ClosableBuffer> {
  const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read ${name}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  const { size } = await handle.stat();
  return {
    byteLength: size,
    async slice(start, end = size) {
      const buffer = Buffer.alloc(Math.max(0, Math.min(end, size) - start));
      let at = 0;
      while (at < buffer.length) {
        const { bytesRead } = await handle.read(buffer, at, buffer.length - at, start + at);
        if (bytesRead === 0) break;
        at += bytesRead;
      }
      return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + at) as ArrayBuffer;
    },
    close: () => handle.close(),
  };
}

/** A step of hyparquet's; its failure (a cut or corrupt file) is one line naming the file. */
async function unwrap<T>(name: string, step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof InputError || error instanceof UsageError) throw error;
    if (error instanceof TypeError && /encoded data was not valid/i.test(error.message)) throw new UsageError(`${name}: a text column holds bytes that are not UTF-8 (write it as UTF-8 text)`);
    const message = (error as Error).message;
    if (/footer|metadata length|out of bounds|offset is outside/i.test(message)) throw new UsageError(`${name}: the Parquet file is cut short (${message}); copy or export it again`);
    throw new UsageError(`${name}: is not a readable Parquet file (${message}); export it again`);
  }
}

/**
 * The metadata with every DECIMAL annotation taken off its column (hyparquet would turn a decimal
 * into a binary float), and the scale of each such column: the reader then gets the unscaled
 * integers and writes them as exact decimal text.
 */
function withoutDecimals(metadata: FileMetaData, name: string): { plain: FileMetaData; decimals: Map<string, number> } {
  const decimals = new Map<string, number>();
  const schema = metadata.schema.map((element): SchemaElement => {
    if (element.converted_type !== 'DECIMAL' && element.logical_type?.type !== 'DECIMAL') return element;
    if (element.type === 'BYTE_ARRAY') throw new UsageError(`${name}: column "${element.name}" is a DECIMAL stored as BYTE_ARRAY, which tallyman does not read; write it as INT32, INT64 or FIXED_LEN_BYTE_ARRAY (as Arrow, DuckDB and Spark do)`);
    const logical = element.logical_type?.type === 'DECIMAL' ? element.logical_type : undefined;
    decimals.set(element.name, logical?.scale ?? element.scale ?? 0);
    const { converted_type: _c, logical_type: _l, ...rest } = element;
    return rest;
  });
  return { plain: { ...metadata, schema }, decimals };
}

/** A top-level column that holds one value per row: nested and repeated columns are not canonical fields. */
function leafOf(column: SchemaTree, name: string): SchemaElement {
  const element = column.element;
  if (column.children.length > 0 || element.repetition_type === 'REPEATED') {
    throw new UsageError(`${name}: column "${element.name}" is a list or a struct; a canonical field holds one value per row (text, a number, a boolean or a timestamp)`);
  }
  return element;
}

/** The compressed bytes of row group `g`, for progress. */
function groupBytes(metadata: FileMetaData, g: number): number {
  return Number(metadata.row_groups[g]?.total_compressed_size ?? 0n);
}
