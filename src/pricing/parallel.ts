import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CanonicalField } from '../ingest/record.js';
import type { AggregateSnapshot, Dimension } from './aggregate.js';
import type { Period } from './period.js';

/** A worker thread's job: the rows of `path` from byte `start` (just after a line break) to `end`. */
export interface PartJob {
  path: string;
  start: number;
  end: number;
  header: string[];
  /** The card as the main thread loaded it: the worker loads it again and checks the hashes. */
  card: { spec: string; baseDir: string; hashes: string };
  zone: string;
  inputZone: string;
  period: Period;
  groupBy: Dimension[];
  shadowDay: boolean;
  map: [CanonicalField, string][];
}

/** A folded part, as plain data; or the part given back for the main thread to read itself. */
export type PartResult = { type: 'given-back' } | ({ type: 'folded'; rows: number } & AggregateSnapshot);

const WORKER = new URL('./worker.js', import.meta.url);
/** Files smaller than this are read on one thread: a worker costs about 50 ms to start. */
const SPLIT_MIN_BYTES = 8 << 20;
const PEEK_BYTES = 1 << 16;
/** The main thread takes more than half: the worker starts about 150 ms late (it loads its modules and the card). */
const MAIN_SHARE = 0.58;

/**
 * Threads to read one CSV file with: `TALLYMAN_THREADS` when set (1 turns workers off), else 2 where
 * the machine has 2 cores or more. One file is cut in two at a line break: the main thread reads the
 * first half and a worker the second.
 */
export function threadCount(env: NodeJS.ProcessEnv = process.env): number {
  if (!existsSync(fileURLToPath(WORKER))) return 1; // running from the TypeScript sources (tests): no compiled worker
  const asked = Number(env.TALLYMAN_THREADS);
  if (env.TALLYMAN_THREADS !== undefined && Number.isInteger(asked) && asked >= 1) return Math.min(asked, 2);
  return availableParallelism() >= 2 ? 2 : 1;
}

/** Where to cut a CSV file for two threads: its header (plain ASCII) and the first line break past the middle. */
export async function splitPoint(path: string, size: number, env: NodeJS.ProcessEnv = process.env): Promise<{ header: string[]; boundary: number } | undefined> {
  const minBytes = env.TALLYMAN_SPLIT_BYTES !== undefined ? Number(env.TALLYMAN_SPLIT_BYTES) : SPLIT_MIN_BYTES;
  if (!(size >= minBytes) || size < 2) return undefined;
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(PEEK_BYTES);
    const { bytesRead } = await handle.read(head, 0, PEEK_BYTES, 0);
    const from = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
    const end = head.indexOf(0x0a, from);
    if (end === -1 || end >= bytesRead) return undefined;
    const line = head.subarray(from, head[end - 1] === 0x0d ? end - 1 : end);
    if (line.length === 0 || line.includes(0x22) || line.some((byte) => byte >= 0x80 || byte === 0x0d)) return undefined;
    const middle = Math.floor(size * MAIN_SHARE);
    const peek = Buffer.alloc(PEEK_BYTES);
    const found = await handle.read(peek, 0, PEEK_BYTES, middle);
    const at = peek.subarray(0, found.bytesRead).indexOf(0x0a);
    if (at === -1 || middle + at + 1 >= size) return undefined;
    return { header: line.toString('latin1').split(','), boundary: middle + at + 1 };
  } finally {
    await handle.close();
  }
}

/** About how many rows `bytes` bytes of a file hold, judged by its first 64 KiB (0 when that has no line break). */
export async function estimateRows(path: string, size: number, bytes = size): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(Math.min(PEEK_BYTES, size));
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    let breaks = 0;
    for (let at = head.indexOf(0x0a); at !== -1 && at < bytesRead; at = head.indexOf(0x0a, at + 1)) breaks++;
    return breaks === 0 ? 0 : Math.ceil((bytes * breaks) / bytesRead);
  } finally {
    await handle.close();
  }
}

/** Starts a worker on a part. Any failure of the worker gives the part back; `stop` ends it early. */
export function startPart(job: PartJob, onProgress: (rows: number, bytes: number) => void): { result: Promise<PartResult>; stop: () => void } {
  const worker = new Worker(WORKER, { workerData: job });
  const result = new Promise<PartResult>((resolve) => {
    worker.on('message', (message: PartResult | { type: 'progress'; rows: number; bytes: number }) => {
      if (message.type === 'progress') onProgress(message.rows, message.bytes);
      else resolve(message);
    });
    worker.on('error', () => resolve({ type: 'given-back' }));
    worker.on('exit', () => resolve({ type: 'given-back' }));
  });
  return { result, stop: () => void worker.terminate() };
}
