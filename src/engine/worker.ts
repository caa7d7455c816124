import { parentPort } from 'node:worker_threads';
import { UsageBatch } from '../ingest/batch.js';
import { ByteRowDecoder } from '../ingest/decode-bytes.js';
import { scanCsvFile } from '../ingest/scan.js';
import { estimateRows } from '../ingest/split.js';
import { Fold, logStrings, type BatchObserver } from '../pricing/fold.js';
import { openCard } from '../rates/open.js';
import type { RateCard } from '../rates/card.js';
import { InputError } from '../util/errors.js';
import { TimeZone } from '../util/time.js';
import type { PartJob, PartResult } from './parallel.js';

const PROGRESS_ROWS = 65_536;

/** Thrown to give a part back to the main thread: it reads that part itself, the one-thread way. */
class GiveBack extends Error {}

/**
 * A worker thread's part of a CSV log: the rows from a line break to the end of the file, through a
 * batch and a fold of its own (the same decoder and fold as the main thread). Anything that would
 * need a word with the user (an invalid row, a row the byte scanner will not take) gives the part
 * back to the main thread instead.
 */
async function foldPart(job: PartJob): Promise<PartResult> {
  const card = await openCard(job.card.spec, job.card.baseDir);
  if (card.versions.map((v) => v.hash).join() !== job.card.hashes) return { type: 'given-back' };
  const observers = await Promise.all(job.observers.map(async (part) => {
    const make = (await import(part.module) as Record<string, (settings: unknown, card: RateCard) => BatchObserver>)[part.factory]!;
    return make(part.settings, card);
  }));
  const strings = logStrings(job.groupBy, observers);
  const fold = new Fold({
    card, zone: TimeZone.of(job.zone), period: job.period, groupBy: job.groupBy, shadowDay: job.shadowDay, needsTime: job.needsTime, observers,
    onInvalid: () => {
      throw new GiveBack();
    },
  }, strings);
  const batch = new UsageBatch(strings);
  batch.drain = (b) => fold.fold(b);
  let rows = 0;
  let read = job.start;
  const decoder = new ByteRowDecoder(batch, job.path, TimeZone.of(job.inputZone), new Map(job.map));
  decoder.tick = () => {
    if (++rows % PROGRESS_ROWS === 0) parentPort!.postMessage({ type: 'progress', rows: PROGRESS_ROWS, bytes: read - job.start });
  };
  decoder.progress = (bytes) => (read = bytes);
  decoder.header(job.header);
  fold.seen.reserve(await estimateRows(job.path, job.end, job.end - job.start));
  try {
    const { handover } = await scanCsvFile(job.path, decoder, { start: job.start, end: job.end, line: 1, width: job.header.length });
    if (handover) return { type: 'given-back' };
    batch.flush();
    return { type: 'folded', rows, ...fold.snapshot(), observed: observers.map((o) => o.snapshot!()) };
  } catch (error) {
    if (error instanceof GiveBack || error instanceof InputError) return { type: 'given-back' };
    throw error;
  }
}

/** The buffers of every typed array in a result: moved to the main thread, not copied (the worker is done with them). */
function buffersOf(value: unknown, found = new Set<ArrayBuffer>()): Set<ArrayBuffer> {
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer) found.add(value.buffer);
  } else if (Array.isArray(value)) {
    for (const item of value) buffersOf(item, found);
  } else if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) buffersOf(item, found);
  }
  return found;
}

// The job comes as the first message: a worker may be started before its job is known (parallel.ts warmPart).
parentPort!.once('message', (job: PartJob) => {
  void foldPart(job).then((result) => parentPort!.postMessage(result, result.type === 'folded' ? [...buffersOf([result.ids, result.observed])] : []));
});
