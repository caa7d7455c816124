import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CanonicalField } from '../ingest/record.js';
import type { FoldSnapshot, ObserverPart } from '../pricing/fold.js';
import type { Dimension } from '../pricing/dimensions.js';
import type { Period } from '../pricing/period.js';

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
