import type { RateCard } from '../rates/card.js';
import type { TimeZone } from '../util/time.js';
import { Decimal, formatMoney } from '../util/decimal.js';
import { InputError, formatRef, type SourceRef } from '../util/errors.js';
import { applyAllowances, hasAllowances } from './allowance.js';
import { dailySpend, withoutShadowDay } from './daily.js';
import type { Dimension } from './dimensions.js';
import type { Bucket, FoldView, Unpriced } from './fold.js';
import { compareText } from '../util/compare.js';
import { sortBy, type Column } from './order.js';
import { RateBook } from './ratebook.js';
import { unpricedLines, type Invoice, type InvoiceLine, type Warning } from './invoice.js';
import { priceBuckets, type PeriodTrace } from './price.js';
import { describePeriod, type Period } from './period.js';

/** What pricing a fold's buckets needs besides the fold. */
export interface BillOptions {
  card: RateCard;
  zone: TimeZone;
  /** The logs read, as named on the command line. */
  sources: readonly string[];
  period: Period;
  groupBy: readonly Dimension[];
  allowUnpriced: boolean;
  /** Buckets carry a day the invoice does not group by (`Fold.dimensions`), for `daily`. */
  shadowDay: boolean;
  /** Also share the invoice out per day and product (`invoice.daily`), for charts. */
  daily: boolean;
  /** Keep how each tier or package period was charged (`invoice.periods`), for `explain`. */
  explain?: boolean;
  /** Keep the lines priced by day (`invoice.byDay`), for the ledger. */
  byDay?: boolean;
}

/** Records skipped with --skip-invalid: how many, and the first few with their errors. */
export type Skipped = Invoice['skipped'];

const SKIP_EXAMPLES = 10;

/** The fold's `onInvalid`: stops at the first invalid row, or (with --skip-invalid) counts and lists it. */
export function skipper(skipInvalid: boolean, skipped: Skipped): (error: InputError) => void {
  return (error) => {
    if (!skipInvalid) throw error;
    skipped.count++;
    if (skipped.examples.length < SKIP_EXAMPLES) skipped.examples.push({ ref: error.ref!, message: error.message });
  };
}

/**
 * Prices each bucket of a fold (or of a bucket table) once and makes the invoice: lines, subtotals,
 * total, counts and warnings. Buckets and unpriced usage are taken in one fixed order, so that the
 * invoice is the same whatever order the rows came in.
 */
export function billOf(fold: FoldView, options: BillOptions, skipped: Skipped, read: { pending: number; passedOver: number }): Invoice {
  const unpriced = [...fold.unpriced.values()].sort(unpricedOrder);
  if (unpriced.length > 0 && !options.allowUnpriced) {
    const u = unpriced[0]!;
    const more = unpriced.length > 1 ? `; ${unpriced.length - 1} more unpriced model(s) or add-on(s)` : '';
    const where = u.refs.length === 0 ? '' : ` at ${u.refs.map((r) => r.line).join(', ')}${u.count > u.refs.length ? ', ...' : ''}`;
    throw new InputError(u.refs[0], u.addon ? 'features' : 'model', `${u.reason}: ${u.count} record(s)${where}${more}`,
      'fix the name, use a card that prices it, or pass --allow-unpriced to list it at zero');
  }
  const { card } = options;
  // One fixed order, whatever order the rows came in (a tie in a graduated allocation never depends on it).
  const all = sortBuckets(fold.buckets);
  // Free quotas and packs are used day by day: on the grouped day, else the shadow day.
  const dayAt = fold.dimensions.lastIndexOf('day');
  const { paid, covered } = hasAllowances(card) && dayAt >= 0 ? applyAllowances(all, card, dayAt, sortBuckets(fold.prior?.values() ?? [])) : { paid: all, covered: [] };
  const periods: PeriodTrace[] | undefined = options.explain ? [] : undefined;
  const priced = options.shadowDay
    ? priceBuckets(withoutShadowDay(paid), card, options.groupBy, withoutShadowDay(covered), periods)
    : priceBuckets(paid, card, options.groupBy, covered, periods);
  // The table of the buckets as measured (before quotas and packs), for `--format buckets`: with the
  // shadow day when quotas or packs use it (the table's `usage_day`), so the table prices the same.
  const usageDay = options.shadowDay && hasAllowances(card);
  const buckets = options.shadowDay && !usageDay ? withoutShadowDay(all) : all;
  const lines: InvoiceLine[] = [...priced, ...unpricedLines(unpriced, card, options.groupBy)];
  const total = lines.reduce((sum, l) => sum.plus(l.amount), new Decimal(0));
  // The lines priced with the day as a dimension: the invoice's own when it is grouped by day.
  const byDay = !options.daily && !options.byDay ? undefined : options.shadowDay ? priceBuckets(paid, card, fold.dimensions, covered) : options.groupBy.includes('day') ? priced : undefined;
  const subtotals: Invoice['subtotals'] = [];
  for (const line of lines) {
    const entry = subtotals.find((s) => s.product === line.product);
    if (entry) entry.amount = entry.amount.plus(line.amount);
    else subtotals.push({ product: line.product, amount: line.amount });
  }
  const invoice: Invoice = {
    card,
    zone: options.zone,
    sources: options.sources,
    groupBy: options.groupBy,
    period: describePeriod(options.period, fold.tally.first, fold.tally.last),
    bounds: { from: options.period.from, to: options.period.to },
    lines,
    subtotals,
    total,
    tally: fold.tally,
    skipped,
    pending: read.pending,
    passedOver: read.passedOver,
    unpriced,
    buckets,
    ...(usageDay ? { usageDay } : {}),
    warnings: [],
    ...(periods ? { periods } : {}),
    ...(options.byDay && byDay ? { byDay: { lines: byDay, dayAt } } : {}),
    daily: options.daily && byDay ? dailySpend(priced, byDay, fold.dimensions, card) : undefined,
  };
  invoice.warnings = collectWarnings(invoice);
  return invoice;
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
    // A bucket table holds no file lines: its unpriced usage is said without them (docs/sql.md).
    const where = u.refs.length === 0 ? '' : ` (${u.refs.map(formatRef).join(', ')}${u.count > u.refs.length ? ', ...' : ''})`;
    warn('UNPRICED', u.count, `${u.count} record(s) priced at zero (--allow-unpriced): ${u.reason}${where}.`, null, u.refs);
  }
  const dup = tally.duplicates;
  warn('DUPLICATE_ID', dup.count,
    `${dup.count} record(s) repeat an id already seen and were not billed again${dup.examples.length === 0 ? '' : `: ${dup.examples.map((e) => `${e.id} at ${formatRef(e.first)} and ${formatRef(e.again)}`).join('; ')}${dup.count > dup.examples.length ? '; ...' : ''}`}.`,
    null, dup.examples.map((e) => e.again));
  const latest = card.versions[card.versions.length - 1]!;
  warn('UNDATED', tally.undated, `${tally.undated} record(s) have no timestamp; priced at card version ${latest.label}. Give the list endpoint response to date them.`);
  warn('DEFAULT_MODEL', tally.defaultModel, `${tally.defaultModel} record(s) name no model and were priced at the product's default model.`);
  const atBase = invoice.lines.filter((l) => l.atBaseRate);
  warn('TOKEN_CLASS_AT_BASE_RATE', atBase.length,
    `${atBase.length} token line(s) of a class card ${card.name} does not price were billed at the input (cache) or output (reasoning) rate: ${[...new Set(atBase.map((l) => `${l.model} ${l.tokenType}`))].join(', ')}.`);
  warn('NO_REGION', tally.noRegion, `${tally.noRegion} LLM request(s) name no region and were priced as global routing, at list price; requests sent to a regional (US or EU) endpoint cost more: give region in the log.`);
  warn('PENDING', invoice.pending, `${invoice.pending} transcript(s) still queued or processing were not billed.`);
  warn('PASSED_OVER', invoice.passedOver, `${invoice.passedOver} message(s) that bill nothing (transcripts, speech events, warnings of streaming sessions) were passed over.`);
  return warnings;
}

/** The one order of buckets, as columns (`sortBy`): version, product, model, component, period, then the `width` dimensions (none first). */
export function bucketColumns(width: number): Column<Bucket>[] {
  return [(b) => b.version, (b) => b.product, (b) => b.model, (b) => b.component, (b) => b.period, ...Array.from({ length: width }, (_, i) => (b: Bucket) => b.dims[i] ?? null)];
}

/** Buckets in their one order. */
export function sortBuckets(buckets: Iterable<Bucket>): Bucket[] {
  const all = [...buckets];
  return sortBy(all, bucketColumns(all.reduce((width, b) => Math.max(width, b.dims.length), 0)));
}

/** The one order of unpriced usage: kind, product, model, add-on. */
function unpricedOrder(a: Unpriced, b: Unpriced): number {
  return compareText(a.kind, b.kind) || compareText(a.product ?? '', b.product ?? '') || compareText(a.model, b.model) || compareText(a.addon ?? '', b.addon ?? '');
}

function hours(ms: number): string {
  return `${new Decimal(ms).dividedBy(3_600_000).toDecimalPlaces(2).toString()} h`;
}

export type { Invoice, InvoiceLine, Warning };
