import type { UsageBatch } from '../ingest/batch.js';
import { ByteRowDecoder } from '../ingest/decode-bytes.js';
import { finishAssembler, readCsvFrom, readLog, readNdjsonLine, type ReadOptions, type ReadStats } from '../ingest/index.js';
import { JsonRecordAssembler } from '../ingest/native.js';
import { readParquetInto } from '../ingest/parquet-batch.js';
import { CANONICAL_FIELDS, type UsageRecord } from '../ingest/record.js';
import { scanNdjsonFile } from '../ingest/scan-ndjson.js';
import { scanCsvFile } from '../ingest/scan.js';
import { byteFormats, fileSizes, type ByteFormat } from '../ingest/sniff.js';
import { estimateRows, MAIN_SHARE, splitPoint } from '../ingest/split.js';
import type { Fold } from '../pricing/fold.js';
import type { InvoiceOptions } from './index.js';
import { startPart, threadCount, WORKER_MAX_ROWS } from './parallel.js';
import { UsageError } from '../util/errors.js';

/** Log files one run reads at most. */
export const MAX_FILES = 0xffff;

/** What reading a log needs: the batch every reader fills, the fold it drains into, progress. */
export interface ReadTarget {
  batch: UsageBatch;
  fold: Fold;
  /** Counts a row read (progress); negative when a worker's part is read again. */
  count(rows: number): void;
  stats: ReadStats;
}

/**
 * Reads a log into the batch: CSV and NDJSON files on disk through the byte scanners (a big CSV cut
 * in two for a worker thread where the run allows), everything else (standard input, JSON
 * documents, what the scanners leave) through the text readers, in file order. A reader's fatal
 * error (a line that is not JSON, a byte that is not UTF-8) is thrown after the rows before it are
 * folded, so that an earlier row's error is the one reported.
 */
export async function readInto(paths: readonly string[], target: ReadTarget, options: InvoiceOptions): Promise<void> {
  // A row names its file by a 16-bit code.
  if (paths.length > MAX_FILES) throw new UsageError(`${paths.length} log files in one run, more than ${MAX_FILES}: join them into fewer files (cat the CSV parts under one header, or the NDJSON parts)`);
  try {
    const formats = options.byteScanner === false ? undefined : await byteFormats(paths, options.map);
    if (formats) await readByBytes(paths, formats, target, options);
    else await pushAll(readLog(paths, readOptions(target, options), target.stats), target);
  } catch (error) {
    target.batch.flush();
    throw error;
  }
  target.batch.flush();
}

function readOptions(target: ReadTarget, options: InvoiceOptions): ReadOptions {
  const { dimensions } = target.batch.strings;
  // The dimensions nobody reads are left unread (a Parquet log's columns then stay on disk).
  const unread = new Set<string>([...(dimensions.project ? [] : ['project']), ...(dimensions.apiKey ? [] : ['api_key']), ...(dimensions.customer ? [] : ['customer_id', 'webhook_url'])]);
  return { inputZone: options.inputZone, map: options.map, onInvalid: (error) => target.batch.pushError(error), wanted: (field) => !unread.has(field) };
}

/**
 * A Parquet file: its row groups one at a time, only the columns the run reads, typed cells straight
 * into the batch (the text path for any row that is not plain), the duplicate table sized once from
 * the file's row count.
 */
async function scanParquet(path: string, target: ReadTarget, options: InvoiceOptions, progress: (bytes: number) => void): Promise<void> {
  const { batch, fold } = target;
  let read = 0;
  await readParquetInto({ path }, path, batch, readOptions(target, options), {
    rows: (rows) => fold.seen.reserve(fold.seen.size + rows),
    read: (rows) => target.count(rows),
    bytes: (bytes) => progress((read += bytes)),
  });
  batch.flush();
  options.trace?.(`${path}: Parquet, one thread`);
}

async function pushAll(batches: AsyncIterable<UsageRecord[]>, target: ReadTarget): Promise<void> {
  for await (const records of batches) {
    for (const record of records) target.batch.pushRecord(record);
    target.count(records.length);
  }
}

async function readByBytes(paths: readonly string[], formats: ByteFormat[], target: ReadTarget, options: InvoiceOptions): Promise<void> {
  const { stats } = target;
  const sizes = await fileSizes(paths);
  stats.totalBytes = sizes.reduce((a, b) => a + b, 0);
  const assembler = new JsonRecordAssembler(options.inputZone, options.map);
  let before = 0;
  for (const [i, path] of paths.entries()) {
    const size = sizes[i]!;
    const progress = (bytes: number): void => void (stats.bytes = before + bytes);
    // After the last file, when no file fed the JSON assembler (which may give out records at the end), no id is looked up again.
    const last = i === paths.length - 1 && formats.every((f) => f.format === 'csv');
    if (formats[i]!.format === 'csv') await scanCsv(path, size, formats[i]!.gzip, target, options, progress, last);
    else if (formats[i]!.format === 'parquet') await scanParquet(path, target, options, progress);
    else await scanNdjson(path, size, target, assembler, options, progress);
    before += size;
  }
  const onInvalid = (error: Parameters<ReadOptions['onInvalid']>[0]): void => target.batch.pushError(error);
  for (const record of finishAssembler(assembler, onInvalid)) target.batch.pushRecord(record);
  stats.pending += assembler.pending;
  stats.passedOver = (stats.passedOver ?? 0) + assembler.passedOver;
}

/**
 * One CSV file through the byte scanner: cut in two at a line break when it is big and a worker
 * thread is at hand (the main thread reads the first part, a worker the second, whose fold is taken
 * in after), else in one go. What the scanner leaves (from the first row it will not take) the text
 * reader reads, and so does the main thread any part the worker gives back or whose ids repeat ids
 * seen before it: the invoice is the one-thread invoice, to the line numbers. A gzipped file cannot
 * be cut (its bytes can only be inflated in order): it is read on one thread.
 */
async function scanCsv(path: string, size: number, gzip: boolean, target: ReadTarget, options: InvoiceOptions, progress: (bytes: number) => void, last: boolean): Promise<void> {
  const { batch, fold } = target;
  const decoder = new ByteRowDecoder(batch, path, options.inputZone, options.map);
  decoder.tick = () => target.count(1);
  const rows = await estimateRows(path, size);
  const observers = options.observers ?? [];
  // A worker makes observers of its own when every observer says how (their states are then taken in).
  const threads = options.cardSource && observers.every((o) => o.part !== undefined) ? threadCount(options.threads) : 1;
  // Not, unless asked, for a file past WORKER_MAX_ROWS: the worker's own duplicate table would double the memory.
  const split = threads > 1 && !gzip && (options.threads !== undefined || rows <= WORKER_MAX_ROWS) ? await splitPoint(path, size, options.splitBytes, observers.length > 0 ? MAIN_SHARE.observed : MAIN_SHARE.plain) : undefined;
  // Room for the ids of this thread's part; a worker's part checks its ids against them, and adds
  // them only when a later file may repeat one (the table grows if the worker's part is read here).
  fold.seen.reserve(fold.seen.size + (split ? Math.ceil((rows * split.boundary) / size) : rows));
  let workerBytes = 0;
  let workerRows = 0;
  let mainBytes = 0;
  decoder.progress = (bytes) => progress((mainBytes = bytes) + workerBytes);
  const part = split && startPart({
    path, start: split.boundary, end: size, header: split.header,
    card: { ...options.cardSource!, hashes: options.card.versions.map((v) => v.hash).join() },
    zone: options.zone.name, inputZone: options.inputZone.name, period: options.period, groupBy: [...options.groupBy], shadowDay: fold.dimensions.length > options.groupBy.length, map: [...options.map],
    needsTime: options.needsTime, observers: observers.map((o) => o.part!),
  }, (rows, bytes) => {
    target.count(rows);
    workerRows += rows;
    progress(mainBytes + (workerBytes = bytes));
  });
  const first = await scanCsvFile(path, decoder, split ? { start: 0, end: split.boundary, line: 1, width: -1 } : undefined);
  batch.flush();
  let handover = first.handover;
  let way = split ? 'two threads' : gzip ? 'one thread (gzip: inflated in order)' : 'one thread';
  if (part && split) {
    if (handover) {
      part.stop();
      way = 'one thread (the first part needs the text reader)';
    } else {
      const result = await part.result;
      if (result.type === 'folded' && fold.canAbsorb(result)) {
        fold.absorb(result, path, first.line - 1, !last);
        target.count(result.rows - workerRows); // the rows of its last progress message and after
        for (const [i, observer] of observers.entries()) observer.absorb!(result.observed[i], { file: path, lineOffset: first.line - 1, fold });
        options.trace?.(`${path}: two threads, the worker's part taken in`);
        return;
      }
      way = result.type === 'folded' ? 'two threads, the second part read again (its ids repeat earlier ones)' : 'two threads, the second part given back';
      target.count(-workerRows);
      handover = (await scanCsvFile(path, decoder, { start: split.boundary, end: size, line: first.line, width: split.header.length })).handover;
      batch.flush();
    }
  }
  options.trace?.(`${path}: ${way}${handover ? `, the text reader from line ${handover.line}` : ''}`);
  if (handover) {
    const read = readOptions(target, options);
    await pushAll(handover.afterHeader ? readCsvFrom(path, read, { ...handover, ...decoder.resumeAt() }) : readLog([path], read), target);
  }
}

/**
 * NDJSON through the byte scanner: flat canonical lines decoded from bytes, every other line (native
 * shapes, escapes, whitespace, bad JSON) read and judged as readLog reads it, in order, with the
 * assembler shared by all files of the log.
 */
async function scanNdjson(path: string, size: number, target: ReadTarget, assembler: JsonRecordAssembler, options: InvoiceOptions, progress: (bytes: number) => void): Promise<void> {
  const { batch, fold } = target;
  // A line per record at most: the duplicate table is made its size once, not doubled as it fills.
  fold.seen.reserve(fold.seen.size + await estimateRows(path, size));
  const decoder = new ByteRowDecoder(batch, path, options.inputZone, options.map);
  decoder.header([...CANONICAL_FIELDS]);
  const onInvalid = (error: Parameters<ReadOptions['onInvalid']>[0]): void => batch.pushError(error);
  await scanNdjsonFile(path, {
    flat: (bytes, starts, ends, line) => {
      if (!decoder.decode(bytes, starts, ends, line)) return false;
      target.count(1);
      return true;
    },
    other: (bytes, start, end, line) => {
      const records = readNdjsonLine(bytes.subarray(start, end), path, line, assembler, onInvalid);
      for (const record of records) batch.pushRecord(record);
      target.count(records.length);
    },
    flush: () => batch.flush(),
    progress,
  });
  batch.flush();
  options.trace?.(`${path}: NDJSON, one thread`);
}
