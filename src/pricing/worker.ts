import { parentPort, workerData } from 'node:worker_threads';
import { scanCsvFile } from '../ingest/scan.js';
import { loadCard } from '../rates/load.js';
import { InputError } from '../util/errors.js';
import { TimeZone } from '../util/time.js';
import { UsageAggregator } from './aggregate.js';
import { FastCsvFold } from './fast.js';
import { estimateRows, type PartJob, type PartResult } from './parallel.js';

const PROGRESS_ROWS = 65_536;

/** Thrown to give a part back to the main thread: it reads that part itself, the one-thread way. */
class GiveBack extends Error {}

/**
 * A worker thread's part of a CSV log: the rows from a line break to the end of the file, folded
 * into an aggregator of its own. Anything that would need a word with the user (an invalid row,
 * a row the byte scanner will not take) gives the part back to the main thread instead.
 */
async function foldPart(job: PartJob): Promise<PartResult> {
  const card = loadCard(job.card.spec, job.card.baseDir);
  if (card.versions.map((v) => v.hash).join() !== job.card.hashes) return { type: 'given-back' };
  const zone = TimeZone.of(job.zone);
  const aggregator = new UsageAggregator({ card, zone, period: job.period, groupBy: job.groupBy, shadowDay: job.shadowDay });
  let rows = 0;
  const fold = new FastCsvFold({
    aggregator,
    zone,
    inputZone: TimeZone.of(job.inputZone),
    period: job.period,
    groupBy: aggregator.dimensionList,
    map: new Map(job.map),
    take: (record) => aggregator.add(record),
    onInvalid: () => {
      throw new GiveBack();
    },
    tick: () => {
      if (++rows % PROGRESS_ROWS === 0) parentPort!.postMessage({ type: 'progress', rows: PROGRESS_ROWS, bytes: read - job.start });
    },
  }, job.path);
  let read = job.start;
  fold.progress = (bytes) => (read = bytes);
  fold.header(job.header);
  aggregator.seen.reserve(await estimateRows(job.path, job.end, job.end - job.start));
  try {
    const { handover } = await scanCsvFile(job.path, fold, { start: job.start, end: job.end, line: 1, width: job.header.length });
    if (handover) return { type: 'given-back' };
    return { type: 'folded', rows, ...aggregator.snapshot() };
  } catch (error) {
    if (error instanceof GiveBack || error instanceof InputError) return { type: 'given-back' };
    throw error;
  }
}

const result = await foldPart(workerData as PartJob);
parentPort!.postMessage(result, result.type === 'folded' ? [result.ids.high.buffer, result.ids.low.buffer, result.ids.lines.buffer] : []);
