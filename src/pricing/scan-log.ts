import { open, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { finishAssembler, readCsvFrom, readLog, readNdjsonLine, type ReadOptions, type ReadStats } from '../ingest/index.js';
import { JsonRecordAssembler } from '../ingest/native.js';
import { CANONICAL_FIELDS, type CanonicalField } from '../ingest/record.js';
import { scanNdjsonFile } from '../ingest/scan-ndjson.js';
import { scanCsvFile } from '../ingest/scan.js';
import type { InvoiceOptions, InvoiceRun } from './compute.js';
import { FastCsvFold } from './fast.js';
import { estimateRows, splitPoint, startPart, threadCount } from './parallel.js';

/**
 * Reads a log with the byte scanners when every file is a CSV or NDJSON file on disk (not stdin, not
 * a JSON document): rows folded straight into the run's buckets, what the scanners leave read the
 * record way, in order. False, having read nothing, when the log is not one for them.
 */
export async function readByBytes(paths: readonly string[], run: InvoiceRun, read: ReadOptions, options: InvoiceOptions, stats: ReadStats): Promise<boolean> {
  const formats = await byteFormats(paths, options.map);
  if (!formats) return false;
  const sizes = await Promise.all(paths.map(async (path) => (await stat(path)).size));
  stats.totalBytes = sizes.reduce((a, b) => a + b, 0);
  const assembler = new JsonRecordAssembler(options.inputZone, options.map);
  let before = 0;
  for (const [i, path] of paths.entries()) {
    const size = sizes[i]!;
    const progress = (bytes: number): void => void (stats.bytes = before + bytes);
    if (formats[i] === 'csv') await scanFile(path, size, run, read, options, progress);
    else await scanNdjson(path, run, read, assembler, options, progress);
    before += size;
  }
  for (const record of finishAssembler(assembler, read.onInvalid)) {
    run.take(record);
    run.tick();
  }
  stats.pending += assembler.pending;
  return true;
}

/**
 * Reads one CSV file with the byte scanner: cut in two at a line break when it is big and a worker
 * thread is at hand (the main thread reads the first half, a worker the second, and the worker's part
 * is taken in after), else in one go. Whatever the scanner leaves (from the first row it will not
 * take) the record path reads, and so does the main thread any part the worker gives back or whose
 * ids repeat ids seen before it: the invoice is the one-thread invoice, to the line numbers.
 */
async function scanFile(path: string, size: number, run: InvoiceRun, read: ReadOptions, options: InvoiceOptions, progress: (bytes: number) => void): Promise<void> {
  const fold = new FastCsvFold({ ...run.target(), inputZone: options.inputZone, map: options.map }, path);
  run.aggregator.seen.reserve(run.aggregator.seen.size + (await estimateRows(path, size)));
  // A worker's rows cannot reach the observers of this thread (the ledger's columns): one thread then.
  const split = options.cardSource && options.billed === undefined && threadCount() > 1 ? await splitPoint(path, size) : undefined;
  let workerBytes = 0;
  let mainBytes = 0;
  fold.progress = (bytes) => progress((mainBytes = bytes) + workerBytes);
  const part = split && startPart({
    path, start: split.boundary, end: size, header: split.header,
    card: { ...options.cardSource!, hashes: options.card.versions.map((v) => v.hash).join() },
    zone: options.zone.name, inputZone: options.inputZone.name, period: options.period, groupBy: [...options.groupBy], shadowDay: run.shadowDay, map: [...options.map],
  }, (rows, bytes) => {
    run.count(rows);
    progress(mainBytes + (workerBytes = bytes));
  });
  const first = await scanCsvFile(path, fold, split ? { start: 0, end: split.boundary, line: 1, width: -1 } : undefined);
  let handover = first.handover;
  let way = split ? 'two threads' : 'one thread';
  if (part && split) {
    if (handover) {
      part.stop();
      way = 'one thread (the first part needs the record path)';
    } else {
      const result = await part.result;
      if (result.type === 'folded' && run.aggregator.canAbsorb(result)) {
        run.aggregator.absorb(result, path, first.line - 1);
        trace(`${path}: two threads, the worker's part taken in`);
        return;
      }
      way = result.type === 'folded' ? 'two threads, the second part read again (its ids repeat earlier ones)' : 'two threads, the second part given back';
      run.count(-(result.type === 'folded' ? result.rows : 0));
      handover = (await scanCsvFile(path, fold, { start: split.boundary, end: size, line: first.line, width: split.header.length })).handover;
    }
  }
  trace(`${path}: ${way}${handover ? `, the record path from line ${handover.line}` : ''}`);
  if (handover) await run.takeAll(handover.afterHeader ? readCsvFrom(path, read, { ...handover, ...fold.resumeAt() }) : readLog([path], read));
}

/** How a file was read, on standard error when TALLYMAN_TRACE is set (for tests and the curious). */
function trace(message: string): void {
  if (process.env.TALLYMAN_TRACE) process.stderr.write(`tallyman: ${message}\n`);
}

/**
 * NDJSON read by the byte scanner: flat canonical lines folded straight into buckets, every other
 * line (native shapes, escapes, whitespace, bad JSON) read and judged as readLog reads it, in order,
 * with the assembler shared by all files of the log.
 */
async function scanNdjson(path: string, run: InvoiceRun, read: ReadOptions, assembler: JsonRecordAssembler, options: InvoiceOptions, progress: (bytes: number) => void): Promise<void> {
  const fold = new FastCsvFold({ ...run.target(), inputZone: options.inputZone, map: options.map }, path);
  fold.header([...CANONICAL_FIELDS]);
  await scanNdjsonFile(path, {
    flat: (bytes, starts, ends, line) => fold.tryRow(bytes, starts, ends, line),
    other: (bytes, start, end, line) => {
      for (const record of readNdjsonLine(bytes.subarray(start, end), path, line, assembler, read.onInvalid)) {
        run.take(record);
        run.tick();
      }
    },
    progress,
  });
  trace(`${path}: NDJSON, one thread`);
}

/**
 * The byte scanner's formats for every path (regular files only: CSV, or NDJSON by its extension
 * when no --map renames fields), or undefined to read the log the record way (stdin, JSON documents).
 */
async function byteFormats(paths: readonly string[], map: ReadonlyMap<CanonicalField, string>): Promise<('csv' | 'ndjson')[] | undefined> {
  const formats: ('csv' | 'ndjson')[] = [];
  for (const path of paths) {
    if (path === '-') return undefined;
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    const extension = extname(path).toLowerCase();
    if (extension === '.ndjson' || extension === '.jsonl') {
      if (map.size > 0) return undefined;
      formats.push('ndjson');
      continue;
    }
    if (extension === '.json') return undefined;
    if (extension !== '.csv') {
      const handle = await open(path, 'r');
      try {
        const head = Buffer.alloc(4096);
        const { bytesRead } = await handle.read(head, 0, head.length, 0);
        const text = head.toString('latin1', 0, bytesRead).replace(/^\xef\xbb\xbf/, '').trimStart();
        if (text === '' || text.startsWith('[') || text.startsWith('{')) return undefined;
      } finally {
        await handle.close();
      }
    }
    formats.push('csv');
  }
  return formats;
}

