import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CanonicalField } from '../ingest/record.js';
import type { FoldSnapshot, ObserverPart } from '../pricing/fold.js';
import type { Dimension } from '../pricing/dimensions.js';
import type { Period } from '../pricing/period.js';
import { namesBigCsv, SPLIT_MIN_BYTES } from '../ingest/split.js';
import { engineSettings } from './settings.js';

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
  /** Why every row needs a timestamp (a ledger), when it does. */
  needsTime: string | undefined;
  /** The observers of the run, for the worker to make its own of and hand back in `observed`. */
  observers: ObserverPart[];
}

/** A folded part, as plain data; or the part given back for the main thread to read itself. */
export type PartResult = { type: 'given-back' } | ({ type: 'folded'; rows: number; observed: unknown[] } & FoldSnapshot);

const WORKER = new URL('./worker.js', import.meta.url);
/**
 * Threads to read one CSV file with: `asked` when given (1 turns workers off), else 2 where the
 * machine has 2 cores or more. One file is cut in two at a line break: the main thread reads the
 * first half and a worker the second.
 */
export function threadCount(asked: number | undefined): number {
  if (!existsSync(fileURLToPath(WORKER))) return 1; // running from the TypeScript sources (tests): no compiled worker
  if (asked !== undefined && Number.isInteger(asked) && asked >= 1) return Math.min(asked, 2);
  return availableParallelism() >= 2 ? 2 : 1;
}

/**
 * Files estimated to hold more rows than this are read on one thread unless threads are asked for:
 * a worker keeps a duplicate table of its own (13 bytes a slot), which past about 5M rows would
 * take a 10M-row invoice over 300 MB; on two shared cores the worker saves about a fifth of the time
 * at best (and costs a quarter when the other core is busy).
 */
export const WORKER_MAX_ROWS = 5_000_000;

/** A worker started before its job (`warmPart`), waiting for it. */
let warm: Worker | undefined;

/**
 * Starts the worker thread of a run before its job is known, when the command line names a CSV log
 * that will be cut for one (src/ingest/split.ts `namesBigCsv`; not past WORKER_MAX_ROWS of rows of
 * at least 60 bytes, which are read on one thread): the worker's own start (a Node isolate, then its
 * modules: about 130 ms) then runs beside the main thread's, which loads the command's modules and
 * the card. A worker never given a job does not hold the process: it ends with the run.
 */
export function warmPart(args: readonly string[], env: NodeJS.ProcessEnv): void {
  const { threads, splitBytes } = engineSettings(env);
  if (warm !== undefined || threadCount(threads) < 2) return;
  if (!namesBigCsv(args, splitBytes ?? SPLIT_MIN_BYTES, WORKER_MAX_ROWS * 60)) return;
  warm = new Worker(WORKER);
  warm.unref();
}

/** Starts a worker on a part (the one started early, when there is one). Any failure of the worker gives the part back; `stop` ends it early. */
export function startPart(job: PartJob, onProgress: (rows: number, bytes: number) => void): { result: Promise<PartResult>; stop: () => void } {
  const worker = warm ?? new Worker(WORKER);
  warm = undefined;
  worker.ref();
  worker.postMessage(job);
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
