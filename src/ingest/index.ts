import { stat } from 'node:fs/promises';
import { InputError, type SourceRef } from '../util/errors.js';
import type { TimeZone } from '../util/time.js';
import { readCsvRows, type CsvReader } from './csv.js';
import { decodeUtf8, invalidUtf8, startsWithBom, strayBom } from './decode.js';
import { parseJson, readJsonDocument, readNdjson, tooLongLine } from './json.js';
import { MAX_JSON_VALUE } from './limits.js';
import { JsonRecordAssembler, type Produced } from './native.js';
import { normalizeRecord } from './normalize.js';
import { readParquet, sniffParquet } from './parquet.js';
import { logExtension, openBytes } from './open.js';
import { emptyFields, mapHeader, type HeaderColumns } from './header.js';
import type { CanonicalField, UsageRecord } from './record.js';

export { emptyFields, mapHeader, type HeaderColumns } from './header.js';

export type { UsageRecord } from './record.js';

/** How a log is read. */
export interface ReadOptions {
  /** Zone for timestamps written without an offset (`--input-tz`). */
  inputZone: TimeZone;
  /** `--map field=column`: canonical field → the column (or key) that holds it. */
  map: ReadonlyMap<CanonicalField, string>;
  /** Called with each invalid record; throw to stop (the default), return to skip it. */
  onInvalid: (error: InputError) => void;
  /** The CSV tokenizer: tallyman's own unless another is plugged in (the tests plug in the csv-parse reference). */
  csvReader?: CsvReader;
  /** The fields a run reads (a Parquet file's other columns are never read); all when absent. */
  wanted?: (field: CanonicalField) => boolean;
}

/** Counts the reader keeps beside the records it yields. */
export interface ReadStats {
  /** Transcripts still queued or processing: not billable yet. */
  pending: number;
  /**
   * Streaming messages that bill nothing (Turn, SpeechStarted, partial transcripts, warnings, voice-agent
   * replies, ...), counted and passed over. Set by readLog; the byte path reads `assembler.passedOver`.
   */
  passedOver?: number;
  /** Bytes read so far, and of all the files (standard input counts as unknown, 0). */
  bytes?: number;
  totalBytes?: number;
}

type Format = 'csv' | 'json' | 'ndjson';
const FORMAT_BY_EXTENSION: Record<string, Format> = { '.csv': 'csv', '.json': 'json', '.ndjson': 'ndjson', '.jsonl': 'ndjson' };

/**
 * Reads several files (or `-` for stdin) as one log, streaming, yielding validated records in file
 * order, in batches (one per decoded chunk), so that the async steps cost nothing per record.
 */
export async function* readLog(paths: readonly string[], options: ReadOptions, stats: ReadStats = { pending: 0 }): AsyncGenerator<UsageRecord[]> {
  const assembler = new JsonRecordAssembler(options.inputZone, options.map);
  stats.bytes = 0;
  stats.totalBytes = 0;
  for (const path of paths) if (path !== '-') stats.totalBytes += (await stat(path).catch(() => ({ size: 0 }))).size;
  for (const path of paths) {
    const name = path === '-' ? '<stdin>' : path;
    const counted = (bytes: number): void => void (stats.bytes = (stats.bytes ?? 0) + bytes);
    const sniffed = await sniffParquet(path, await openBytes(path, 0, counted));
    if (sniffed.parquet) {
      yield* readParquet(sniffed.parquet, name, options, 'path' in sniffed.parquet ? counted : undefined);
      continue;
    }
    const text = decodeUtf8(sniffed.chunks, name);
    const { format, chunks } = await detectFormat(path, text);
    if (format === 'csv') {
      yield* readCsvRecords(chunks, name, options);
    } else {
      const items = format === 'json' ? readJsonDocument(chunks, name) : readNdjson(chunks, name);
      let batch: UsageRecord[] = [];
      try {
        for await (const item of items) {
          const source: SourceRef = { file: name, line: item.line, index: item.index };
          yield* inOrder(assembler.accept(item.value, source), batch, options.onInvalid);
          if (batch.length >= BATCH) {
            yield batch;
            batch = [];
          }
        }
      } catch (error) {
        // A line that is not JSON (or not UTF-8) stops the read: the records before it go first.
        if (batch.length > 0) yield batch.splice(0);
        throw error;
      }
      if (batch.length > 0) yield batch;
    }
  }
  const last: UsageRecord[] = [];
  yield* inOrder(assembler.finish(), last, options.onInvalid);
  if (last.length > 0) yield last;
  stats.pending += assembler.pending;
  stats.passedOver = (stats.passedOver ?? 0) + assembler.passedOver;
}

/**
 * Adds the records to the batch and passes each error to `onInvalid`, in order: before an error,
 * the records gathered so far are yielded, so that errors and skips come in file order.
 */
function* inOrder(items: readonly Produced[], batch: UsageRecord[], onInvalid: (error: InputError) => void): Generator<UsageRecord[]> {
  for (const item of items) {
    if (!(item instanceof InputError)) {
      batch.push(item);
      continue;
    }
    if (batch.length > 0) yield batch.splice(0);
    onInvalid(item);
  }
}

const BATCH = 1024;

/**
 * One NDJSON line the byte scanner left, read as readLog reads it: strict UTF-8 and JSON (both
 * fatal, as there), then the native shapes; the records it completes, a record's error to `onInvalid`.
 */
export function readNdjsonLine(bytes: Uint8Array, file: string, line: number, assembler: JsonRecordAssembler, onInvalid: (error: InputError) => void): UsageRecord[] {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw invalidUtf8(file, line);
  }
  // The scanner skipped the file's own BOM: one here is a second, or a joined file's.
  if (startsWithBom(text)) throw strayBom(file, line);
  if (text.length > MAX_JSON_VALUE) throw tooLongLine(file, line);
  if (text.trim() === '') return [];
  const value = parseJson(text, file, line, undefined);
  const records: UsageRecord[] = [];
  for (const item of assembler.accept(value, { file, line, index: undefined })) {
    if (item instanceof InputError) onInvalid(item);
    else records.push(item);
  }
  return records;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The records only the whole input completes (held transcripts, open sessions), as readLog ends: one
 * by one as they are iterated, each bad one's error passed to `onInvalid` in its place (file order).
 */
export function* finishAssembler(assembler: JsonRecordAssembler, onInvalid: (error: InputError) => void): Generator<UsageRecord> {
  for (const item of assembler.finish()) {
    if (item instanceof InputError) onInvalid(item);
    else yield item;
  }
}

/** Where a CSV is read from when its header has been read already (the byte scanner's hand-over). */
export interface CsvResume {
  /** Byte offset and line of the first row still to read. */
  offset: number;
  line: number;
  columns: HeaderColumns;
  width: number;
}


/** Reads a CSV log's records from where the byte scanner handed it over, in batches. */
export async function* readCsvFrom(path: string, options: ReadOptions, from: CsvResume): AsyncGenerator<UsageRecord[]> {
  const text = decodeUtf8(await openBytes(path, from.offset), path, { line: from.line, midFile: true });
  yield* readCsvRecords(text, path, options, from);
}

async function* readCsvRecords(text: AsyncIterable<string>, file: string, options: ReadOptions, from?: CsvResume): AsyncGenerator<UsageRecord[]> {
  const read = from ? (chunks: AsyncIterable<string>) => readCsvRows(chunks, file, from) : (chunks: AsyncIterable<string>) => (options.csvReader ?? readCsvRows)(chunks, file);
  let columns = from?.columns;
  for await (const rows of read(text)) {
    const batch: UsageRecord[] = [];
    for (const row of rows) {
      if (startsWithBom(row.values[0]!)) throw strayBom(file, row.line);
      if (!columns) {
        columns = mapHeader(row.values, file, options.map);
        continue;
      }
      const raw = emptyFields();
      for (const [field, index] of columns) raw[field] = row.values[index];
      try {
        batch.push(normalizeRecord(raw, { file, line: row.line }, options.inputZone));
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        // The records before it go first, so that errors and skips come in file order.
        if (batch.length > 0) yield batch.splice(0);
        options.onInvalid(error);
      }
    }
    if (batch.length > 0) yield batch;
  }
  if (!columns) throw new InputError({ file, line: 1 }, undefined, 'has no header row', 'a CSV log starts with a header naming its columns');
}

/** By extension (the one before a `.gz`), else by the first character: `[` JSON, `{` NDJSON (or one JSON object), else CSV. */
async function detectFormat(path: string, text: AsyncGenerator<string>): Promise<{ format: Format; chunks: AsyncIterable<string> }> {
  const byExtension = FORMAT_BY_EXTENSION[logExtension(path)];
  if (byExtension) return { format: byExtension, chunks: text };
  let head = '';
  const taken: string[] = [];
  while (head.trimStart() === '' || (head.trimStart().startsWith('{') && !head.includes('\n') && head.length < 1 << 20)) {
    const next = await text.next();
    if (next.done) break;
    taken.push(next.value);
    head += next.value;
  }
  const chunks = (async function* () {
    yield* taken;
    yield* text;
  })();
  const start = head.trimStart();
  if (start.startsWith('[')) return { format: 'json', chunks };
  if (start.startsWith('{')) {
    const firstLine = start.split('\n', 1)[0]!.trim();
    return { format: isCompleteJson(firstLine) ? 'ndjson' : 'json', chunks };
  }
  return { format: 'csv', chunks };
}

function isCompleteJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
