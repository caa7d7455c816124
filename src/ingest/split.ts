import { statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { fileHead } from './open.js';

/** Files smaller than this are read on one thread: a worker costs about 50 ms to start. */
export const SPLIT_MIN_BYTES = 8 << 20;
const PEEK_BYTES = 1 << 16;
/** How many times its size a gzipped log is taken to inflate to at most, for the estimate (CSV logs: 4–10). */
const GZIP_RATIO = 16;
/**
 * The part of a file the main thread reads: more than half, as the worker starts about 150 ms late
 * (it loads its modules and the card). A run that observes the fold (audit, balance, reconcile,
 * estimate) does more with each row on both threads, so the late start is worth less of the file,
 * and the main thread has the end of the run to do (the window rules, the ledger's replay) after
 * taking the worker's part in: with observers the main thread reads a little more than half. At
 * 0.58, the main thread of `audit` and `balance` finished reading 0.1 to 0.5 s after the worker
 * (1M CSV rows, both shapes), at 0.55 about 0.1 s after it.
 */
export const MAIN_SHARE = { plain: 0.58, observed: 0.53 } as const;

/**
 * Whether a command line names a CSV log big enough to be cut for a worker thread (a `.csv` file of
 * at least `minBytes`, and of at most `maxBytes`: past that a log is read on one thread), judged by
 * size alone before anything is read: a hint to start the worker early (src/engine/parallel.ts).
 */
export function namesBigCsv(args: readonly string[], minBytes: number, maxBytes: number): boolean {
  return args.some((arg) => {
    if (!arg.toLowerCase().endsWith('.csv')) return false;
    const size = statSync(arg, { throwIfNoEntry: false })?.size;
    return size !== undefined && size >= minBytes && size <= maxBytes;
  });
}

/** Where to cut a CSV file for two threads: its header (plain ASCII) and the first line break past `share` of it. */
export async function splitPoint(path: string, size: number, minBytes = SPLIT_MIN_BYTES, share: number = MAIN_SHARE.plain): Promise<{ header: string[]; boundary: number } | undefined> {
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
    const middle = Math.floor(size * share);
    const peek = Buffer.alloc(PEEK_BYTES);
    const found = await handle.read(peek, 0, PEEK_BYTES, middle);
    const at = peek.subarray(0, found.bytesRead).indexOf(0x0a);
    if (at === -1 || middle + at + 1 >= size) return undefined;
    return { header: line.toString('latin1').split(','), boundary: middle + at + 1 };
  } finally {
    await handle.close();
  }
}

/**
 * About how many rows `bytes` bytes of a file hold, judged by its first 64 KiB (0 when that has no
 * line break). A gzipped file is judged by its first bytes inflated, and its whole by the inflated
 * size its trailer gives, at most GZIP_RATIO times its own.
 */
export async function estimateRows(path: string, size: number, bytes = size): Promise<number> {
  const { head, gzip, inflatedSize } = await fileHead(path, Math.min(PEEK_BYTES, size));
  // A trailer is only a claim (and a hint here): never more than a log's usual ratio allows.
  const whole = gzip ? Math.max(Math.min(inflatedSize!, size * GZIP_RATIO), head.length) : bytes;
  let breaks = 0;
  for (let at = head.indexOf(0x0a); at !== -1; at = head.indexOf(0x0a, at + 1)) breaks++;
  return breaks === 0 ? 0 : Math.ceil((whole * breaks) / head.length);
}
