import { readLog, type ReadOptions, type ReadStats } from '../ingest/index.js';
import type { CanonicalField, UsageRecord } from '../ingest/record.js';
import type { RateCard } from '../rates/card.js';
import { Decimal, formatMoney } from '../util/decimal.js';
import { InputError, formatRef, type SourceRef } from '../util/errors.js';
import type { TimeZone } from '../util/time.js';
import { UsageAggregator, type Dimension, type Outcome, type Tally } from './aggregate.js';
import { dailySpend, withoutShadowDay } from './daily.js';
import type { BilledSink, FoldTarget } from './fast.js';
import { RateBook } from './ratebook.js';
import { priceBuckets, unpricedLines, type Invoice, type InvoiceLine, type Warning } from './invoice.js';
import { describePeriod, type Period } from './period.js';
import { readByBytes } from './scan-log.js';

/** Everything `invoice` needs besides the files. */
export interface InvoiceOptions {
  card: RateCard;
  /** Zone for `--group-by day|month` (the card's unless `--tz`). */
  zone: TimeZone;
  inputZone: TimeZone;
  period: Period;
  groupBy: readonly Dimension[];
  map: ReadonlyMap<CanonicalField, string>;
  skipInvalid: boolean;
  allowUnpriced: boolean;
  /** Called every few thousand records, for a progress display (bytes are known when reading files). */
  onProgress?: (progress: Progress) => void;
  /** Called with each record and what became of it (the audit's and the ledger's hook). */
  observe?: (record: UsageRecord, outcome: Outcome) => void;
  /**
   * The byte scanner's counterpart of `observe` for billed rows (the ledger's): with it, a log with
   * an observer may still be read by the byte scanners (on one thread); without it, the record way.
   */
  billed?: BilledSink;
  /** False to read CSV files the record way only (the byte scanner's differential tests). */
  byteScanner?: boolean;
  /** Also share the invoice out per day and product (`invoice.daily`), for charts. */
  daily?: boolean;
  /** How the card was named (`--rates`), so that a worker thread can load it too; no workers without it. */
  cardSource?: { spec: string; baseDir: string };
}

/** How far a run has got. */
export interface Progress {
  records: number;
  bytes: number;
  totalBytes: number;
}

const SKIP_EXAMPLES = 10;
const PROGRESS_EVERY = 10_000;

/** Reads the log once, aggregating as it streams, then prices each bucket once. */
export async function computeInvoice(paths: readonly string[], options: InvoiceOptions): Promise<Invoice> {
  const skipped: Invoice['skipped'] = { count: 0, examples: [] };
  const read: ReadOptions = { inputZone: options.inputZone, map: options.map, onInvalid: skipper(options.skipInvalid, skipped) };
  const stats: ReadStats = { pending: 0 };
  const run = new InvoiceRun({ ...options, onProgress: options.onProgress && ((p) => options.onProgress!({ ...p, bytes: stats.bytes ?? 0, totalBytes: stats.totalBytes ?? 0 })) }, skipped);
  const byBytes = options.byteScanner !== false && (options.observe === undefined || options.billed !== undefined) && (await readByBytes(paths, run, read, options, stats));
  if (!byBytes) await run.takeAll(readLog(paths, read, stats));
  const invoice = run.finish();
  invoice.pending = stats.pending;
  invoice.warnings = collectWarnings(invoice);
  return invoice;
}

function skipper(skipInvalid: boolean, skipped: Invoice['skipped']): (error: InputError) => void {
  return (error) => {
    if (!skipInvalid) throw error;
    skipped.count++;
    if (skipped.examples.length < SKIP_EXAMPLES) skipped.examples.push({ ref: error.ref!, message: error.message });
  };
}

/** Prices records from any source (a log's batches, a test's or an estimate's list): aggregate as they stream, price once. */
export async function priceRecords(
  records: AsyncIterable<UsageRecord[]> | Iterable<UsageRecord>,
  options: Omit<InvoiceOptions, 'inputZone' | 'map'>,
  skipped: Invoice['skipped'] = { count: 0, examples: [] },
): Promise<Invoice> {
  const run = new InvoiceRun(options, skipped);
  await run.takeAll(records);
  return run.finish();
}

/** One invoice being computed: records (or the byte scanner's rows) in, an invoice out. */
export class InvoiceRun {
  readonly aggregator: UsageAggregator;
  readonly onInvalid: (error: InputError) => void;
  /** Buckets carry a day the invoice does not group by, for `daily`. */
  readonly shadowDay: boolean;
  private seen = 0;

  constructor(private readonly options: Omit<InvoiceOptions, 'inputZone' | 'map'>, private readonly skipped: Invoice['skipped']) {
    this.onInvalid = skipper(options.skipInvalid, skipped);
    this.shadowDay = options.daily === true && !options.groupBy.includes('day');
    this.aggregator = new UsageAggregator({ card: options.card, zone: options.zone, period: options.period, groupBy: options.groupBy, shadowDay: this.shadowDay });
  }

  /** What the byte scanner's fold needs of this run. */
  target(): Omit<FoldTarget, 'inputZone' | 'map'> {
    return {
      aggregator: this.aggregator,
      zone: this.options.zone,
      period: this.options.period,
      groupBy: this.aggregator.dimensionList,
      take: (record) => this.take(record),
      onInvalid: this.onInvalid,
      tick: () => this.tick(),
      billed: this.options.billed,
    };
  }

  take(record: UsageRecord): void {
    try {
      const outcome = this.aggregator.add(record);
      this.options.observe?.(record, outcome);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      this.onInvalid(error);
    }
  }

  tick(): void {
    if (++this.seen % PROGRESS_EVERY === 0) this.options.onProgress?.({ records: this.seen, bytes: 0, totalBytes: 0 });
  }

  /** Counts rows read by a worker thread (negative when its part is read again). */
  count(rows: number): void {
    this.seen += rows;
    if (rows > 0) this.options.onProgress?.({ records: this.seen, bytes: 0, totalBytes: 0 });
  }

  async takeAll(records: AsyncIterable<UsageRecord[]> | Iterable<UsageRecord>): Promise<void> {
    if (Symbol.asyncIterator in records) {
      for await (const batch of records) {
        for (const record of batch) {
          this.take(record);
          this.tick();
        }
      }
    } else {
      for (const record of records) {
        this.take(record);
        this.tick();
      }
    }
  }

  finish(): Invoice {
    const { aggregator, options } = this;
    const unpriced = [...aggregator.unpriced.values()];
    if (unpriced.length > 0 && !options.allowUnpriced) {
      const u = unpriced[0]!;
      const more = unpriced.length > 1 ? `; ${unpriced.length - 1} more unpriced model(s) or add-on(s)` : '';
      throw new InputError(u.refs[0], u.addon ? 'features' : 'model', `${u.reason}: ${u.count} record(s) at ${u.refs.map((r) => r.line).join(', ')}${u.count > u.refs.length ? ', ...' : ''}${more}`,
        'fix the name, use a card that prices it, or pass --allow-unpriced to list it at zero');
    }
    const { card } = options;
    const buckets = this.shadowDay ? withoutShadowDay(aggregator.buckets.values()) : aggregator.buckets.values();
    const priced = priceBuckets(buckets, card);
    const lines: InvoiceLine[] = [...priced, ...unpricedLines(unpriced, card, options.groupBy)];
    const total = lines.reduce((sum, l) => sum.plus(l.amount), new Decimal(0));
    const subtotals: Invoice['subtotals'] = [];
    for (const line of lines) {
      const entry = subtotals.find((s) => s.product === line.product);
      if (entry) entry.amount = entry.amount.plus(line.amount);
      else subtotals.push({ product: line.product, amount: line.amount });
    }
    const invoice: Invoice = {
      card,
      groupBy: options.groupBy,
      period: describePeriod(options.period, aggregator.tally.first, aggregator.tally.last),
      lines,
      subtotals,
      total,
      tally: aggregator.tally,
      skipped: this.skipped,
      pending: 0,
      unpriced,
      warnings: [],
      daily: options.daily ? dailySpend(priced, aggregator.buckets.values(), aggregator.dimensionList, this.shadowDay, card) : undefined,
    };
    invoice.warnings = collectWarnings(invoice);
    return invoice;
  }
}

/** The warnings of an invoice, worst first. */
export function collectWarnings(invoice: Invoice): Warning[] {
  const { tally, card } = invoice;
  const money = (d: Decimal): string => `${formatMoney(d, card.rounding.scale)} ${card.currency}`;
  const warnings: Warning[] = [];
  const warn = (code: string, count: number, message: string, amount: Decimal | null = null, refs: SourceRef[] = []): void => {
    if (count > 0) warnings.push({ code, message, count, amount, refs });
  };
  const unclosed = tally.unclosed;
  if (unclosed.count > 0) {
    const beyondAudio = [...unclosed.extra].map(([rateKey, quantity]) => ({ rateKey, component: 'usage' as const, quantity }));
    const extra = new RateBook(card, invoice.lines).amount(beyondAudio);
    warn('UNCLOSED_SESSION', unclosed.count,
      `${unclosed.count} streaming session(s) never closed were billed at the cap: ${hours(unclosed.billedMs)} billed for ${hours(unclosed.audioMs)} of audio, ${money(extra)} beyond their audio. Send the Terminate message when a stream ends.`, extra);
  }
  warn('SESSION_AT_CAP', tally.atCap, `${tally.atCap} closed streaming session(s) reached the maximum session length and were billed at the cap.`);
  warn('EXCLUDED_BY_PERIOD', tally.excluded, `${tally.excluded} record(s) outside the period were not billed.`);
  warn('SKIPPED_INVALID', invoice.skipped.count,
    `${invoice.skipped.count} invalid record(s) were skipped (--skip-invalid): ${invoice.skipped.examples.map((e) => e.message).join('; ')}${invoice.skipped.count > invoice.skipped.examples.length ? '; ...' : ''}`,
    null, invoice.skipped.examples.map((e) => e.ref));
  for (const u of invoice.unpriced) {
    warn('UNPRICED', u.count, `${u.count} record(s) priced at zero (--allow-unpriced): ${u.reason} (${u.refs.map(formatRef).join(', ')}${u.count > u.refs.length ? ', ...' : ''}).`, null, u.refs);
  }
  const dup = tally.duplicates;
  warn('DUPLICATE_ID', dup.count,
    `${dup.count} record(s) repeat an id already seen and were not billed again: ${dup.examples.map((e) => `${e.id} at ${formatRef(e.first)} and ${formatRef(e.again)}`).join('; ')}${dup.count > dup.examples.length ? '; ...' : ''}.`,
    null, dup.examples.map((e) => e.again));
  const latest = card.versions[card.versions.length - 1]!;
  warn('UNDATED', tally.undated, `${tally.undated} record(s) have no timestamp; priced at card version ${latest.label}. Give the list endpoint response to date them.`);
  warn('DEFAULT_MODEL', tally.defaultModel, `${tally.defaultModel} record(s) name no model and were priced at the product's default model.`);
  warn('PENDING', invoice.pending, `${invoice.pending} transcript(s) still queued or processing were not billed.`);
  return warnings;
}

function hours(ms: number): string {
  return `${new Decimal(ms).dividedBy(3_600_000).toDecimalPlaces(2).toString()} h`;
}

export type { Invoice, InvoiceLine, Tally, Warning };
