import { UsageBatch } from '../ingest/batch.js';
import type { ReadStats } from '../ingest/index.js';
import type { CanonicalField, UsageRecord } from '../ingest/record.js';
import { hasAllowances } from '../pricing/allowance.js';
import { billOf, skipper, type Skipped } from '../pricing/bill.js';
import type { Dimension } from '../pricing/dimensions.js';
import { Fold, logStrings, type BatchObserver } from '../pricing/fold.js';
import type { Invoice } from '../pricing/invoice.js';
import type { Period } from '../pricing/period.js';
import type { RateCard } from '../rates/card.js';
import type { TimeZone } from '../util/time.js';
import { readInto } from './read.js';

export type { Invoice } from '../pricing/invoice.js';

/** Everything a run over a log needs besides the files. */
export interface InvoiceOptions {
  card: RateCard;
  /** Zone for tier periods and `--group-by day|month` (the card's unless `--tz`). */
  zone: TimeZone;
  inputZone: TimeZone;
  period: Period;
  groupBy: readonly Dimension[];
  map: ReadonlyMap<CanonicalField, string>;
  skipInvalid: boolean;
  allowUnpriced: boolean;
  /** Called every few thousand records, for a progress display. */
  onProgress?: (progress: Progress) => void;
  /** Told what the run does once the log is read ("pricing", "replaying the ledger"), for a progress display. */
  onPhase?: (phase: string) => void;
  /** Read the priced batches of the one pass (the audit, the ledger, reconcile). */
  observers?: readonly BatchObserver[];
  /** Why every record must have a timestamp (a ledger), when it must: an undated one is then invalid. */
  needsTime?: string;
  /** False to read every file with the text readers (the decoders' differential tests). */
  byteScanner?: boolean;
  /** Also share the invoice out per day and product (`invoice.daily`), for charts. */
  daily?: boolean;
  /** Keep how each tier or package period was charged (`invoice.periods`), for `explain`. */
  explain?: boolean;
  /** Also price the lines by day (`invoice.byDay`), for a ledger that charges each day what the invoice charges it. */
  byDay?: boolean;
  /** How the card was named (`--rates`), so that a worker thread can load it too; no workers without it. */
  cardSource?: { spec: string; baseDir: string };
  /** Threads to read a big CSV with (default: 2 where the machine has 2 cores). */
  threads?: number | undefined;
  /** Files from this size on are cut for a worker thread. */
  splitBytes?: number | undefined;
  /** Told how each file was read (for tests and the curious). */
  trace?: ((message: string) => void) | undefined;
}

/** How far a run has got. */
export interface Progress {
  records: number;
  bytes: number;
  totalBytes: number;
}

const PROGRESS_EVERY = 10_000;

/** Reads the log once, every row through the one fold as it streams, then prices each bucket once. */
export async function computeInvoice(paths: readonly string[], options: InvoiceOptions): Promise<Invoice> {
  const run = startRun(options, paths);
  let seen = 0;
  let next = PROGRESS_EVERY;
  const count = (rows: number): void => {
    seen += rows;
    if (seen >= next) {
      next = seen + PROGRESS_EVERY;
      options.onProgress?.({ records: seen, bytes: run.stats.bytes ?? 0, totalBytes: run.stats.totalBytes ?? 0 });
    }
  };
  await readInto(paths, { batch: run.batch, fold: run.fold, count, stats: run.stats }, options);
  options.onProgress?.({ records: seen, bytes: run.stats.totalBytes ?? 0, totalBytes: run.stats.totalBytes ?? 0 });
  options.onPhase?.('pricing');
  return run.finish();
}

/** Prices records from a list (an estimate's, a test's): through the same batch and fold as a log. */
export function priceRecords(records: Iterable<UsageRecord>, options: Omit<InvoiceOptions, 'inputZone' | 'map'>): Invoice {
  const run = startRun(options, []);
  for (const record of records) run.batch.pushRecord(record);
  run.batch.flush();
  return run.finish();
}

function startRun(options: Omit<InvoiceOptions, 'inputZone' | 'map'>, sources: readonly string[]): { batch: UsageBatch; fold: Fold; stats: ReadStats; finish: () => Invoice } {
  const skipped: Skipped = { count: 0, examples: [] };
  // Buckets carry their day for a chart, and for free quotas and packs (used day by day).
  const shadowDay = (options.daily === true || options.byDay === true || hasAllowances(options.card)) && !options.groupBy.includes('day');
  const strings = logStrings(options.groupBy, options.observers ?? []);
  const fold = new Fold({
    card: options.card, zone: options.zone, period: options.period, groupBy: options.groupBy, shadowDay,
    needsTime: options.needsTime, onInvalid: skipper(options.skipInvalid, skipped), observers: options.observers,
  }, strings);
  const batch = new UsageBatch(strings);
  batch.drain = (b) => fold.fold(b);
  const stats: ReadStats = { pending: 0 };
  const finish = (): Invoice => billOf(fold, { card: options.card, zone: options.zone, sources, period: options.period, groupBy: options.groupBy, allowUnpriced: options.allowUnpriced, shadowDay, daily: options.daily === true, explain: options.explain === true, byDay: options.byDay === true }, skipped, { pending: stats.pending, passedOver: stats.passedOver ?? 0 });
  return { batch, fold, stats, finish };
}
