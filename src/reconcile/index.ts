import { ABSENT, Outcome, type UsageBatch } from '../ingest/batch.js';
import { readStatement, type StatementLine } from '../ingest/statement.js';
import type { StatementMap } from '../ingest/statement-map.js';
import { computeInvoice, type InvoiceOptions } from '../engine/index.js';
import { beyondAudioMs } from '../pricing/charge.js';
import type { BatchObserver, Fold, ObserverPart } from '../pricing/fold.js';
import type { Invoice, InvoiceLine } from '../pricing/invoice.js';
import { Decimal, roundMoney } from '../util/decimal.js';
import { InputError, type SourceRef } from '../util/errors.js';
import type { RateCard } from '../rates/card.js';
import { TimeZone } from '../util/time.js';

export type ReconcileStatus = 'match' | 'mismatch' | 'missing' | 'extra' | 'double';

/** One reconciled line: what the log says it should cost, what was billed, and why they differ where known. */
export interface ReconcileLine {
  product: string;
  model: string;
  addon: string | null;
  date: string | null;
  month: string | null;
  computed: Decimal;
  billed: Decimal;
  difference: Decimal;
  status: ReconcileStatus;
  reason: string | null;
  source: SourceRef | null;
}

export interface ReconcileResult {
  invoice: Invoice;
  tolerance: Decimal;
  lines: ReconcileLine[];
  /** Money billed above the log (mismatches and missing lines) and below it (mismatches and extra usage). */
  overBilled: Decimal;
  underBilled: Decimal;
  /** How the statement was read: the map (undefined: tallyman's own shape) and the rows it passed over. */
  statement: { map: string | undefined; passedOver: number };
}

/** What a failed transcript or an unclosed session of a model would have cost, per day: the usual causes. */
export class Causes implements BatchObserver {
  readonly failedMs = new Map<string, number>();
  readonly unclosedExtraMs = new Map<string, number>();
  readonly part: ObserverPart;
  private readonly zone: TimeZone;

  /** Days are cut in `zone` (an IANA name). */
  constructor(zone: string) {
    this.zone = TimeZone.of(zone);
    this.part = { module: import.meta.url, factory: 'causes', settings: zone };
  }

  private dayOf(at: number): string {
    return this.zone.dayKey(at);
  }

  snapshot(): { failedMs: [string, number][]; unclosedExtraMs: [string, number][] } {
    return { failedMs: [...this.failedMs], unclosedExtraMs: [...this.unclosedExtraMs] };
  }

  /** Adds the causes of a worker thread's part. */
  absorb(part: ReturnType<Causes['snapshot']>): void {
    for (const [key, ms] of part.failedMs) this.failedMs.set(key, (this.failedMs.get(key) ?? 0) + ms);
    for (const [key, ms] of part.unclosedExtraMs) this.unclosedExtraMs.set(key, (this.unclosedExtraMs.get(key) ?? 0) + ms);
  }

  observe(b: UsageBatch, fold: Fold): void {
    for (let r = 0; r < b.length; r++) {
      const outcome = b.outcome[r];
      const at = b.at[r]!;
      if ((outcome !== Outcome.Free && outcome !== Outcome.Billed) || Number.isNaN(at)) continue;
      const plan = fold.plans[b.plan[r]!]!;
      const audioMs = b.audioMs[r]!;
      // Only failed transcripts and unclosed sessions are causes: the key is made for those rows alone.
      if (outcome === Outcome.Free && audioMs !== ABSENT) {
        const key = `${plan.product}\u0000${plan.model}\u0000${this.dayOf(at)}`;
        this.failedMs.set(key, (this.failedMs.get(key) ?? 0) + audioMs * (plan.items[0]!.multiply ? b.channels[r]! : 1));
      }
      if (outcome === Outcome.Billed && plan.session && b.closed[r] === 0) {
        const key = `${plan.product}\u0000${plan.model}\u0000${this.dayOf(at)}`;
        this.unclosedExtraMs.set(key, (this.unclosedExtraMs.get(key) ?? 0) + beyondAudioMs(b, r));
      }
    }
  }
}

/** The causes of a worker thread's part. */
export function causes(zone: string): Causes {
  return new Causes(zone);
}

/** Compares a statement with the invoice of the log, at the statement's own granularity. */
export async function reconcile(paths: readonly string[], statementPath: string, options: InvoiceOptions, tolerance: Decimal, map?: StatementMap): Promise<ReconcileResult> {
  const read = await readStatement(statementPath, map);
  const statement = read.lines;
  if (statement.length === 0) throw new InputError({ file: statementPath, line: 1 }, undefined, 'has no lines to reconcile', 'give the statement with its billed lines: product, model, amount');
  const foreign = statement.find((s) => s.currency !== undefined && s.currency !== options.card.currency.toUpperCase());
  if (foreign) throw new InputError(foreign.source, 'currency', `"${foreign.currency}" is not the currency of card ${options.card.name} (${options.card.currency})`, 'reconcile a statement against a card in its own currency');
  const { card, zone } = options;
  const causes = new Causes(zone.name);
  const invoice = await computeInvoice(paths, { ...options, groupBy: ['day'], observers: [causes] });
  const round = (d: Decimal) => roundMoney(d, card.rounding.scale, card.rounding.mode);
  /** Each invoice line, with the statement line that billed it first: a line billed by a second one is double billing. */
  const covered = new Map<InvoiceLine, StatementLine>();
  const itemised = new Set(statement.filter((s) => s.addon !== undefined).map((s) => `${s.product}\u0000${modelOf(card, s)}`));

  const lines: ReconcileLine[] = statement.map((s) => {
    const model = modelOf(card, s);
    const all = invoice.lines.filter((l) => l.product === s.product && l.model === model && componentMatches(l, s, model, itemised) && inPeriodOf(l, s));
    // Usage a line before this one billed already is not this line's: each charge is matched once.
    const billedBefore = all.filter((l) => covered.has(l));
    const matching = all.filter((l) => !covered.has(l));
    for (const l of matching) covered.set(l, s);
    const computed = round(matching.reduce((sum, l) => sum.plus(l.amountExact), new Decimal(0)));
    const difference = s.amount.minus(computed);
    const status: ReconcileStatus = billedBefore.length > 0 && !difference.abs().lessThanOrEqualTo(tolerance) ? 'double' : all.length === 0 ? 'missing' : difference.abs().lessThanOrEqualTo(tolerance) ? 'match' : 'mismatch';
    const first = billedBefore[0] === undefined ? undefined : covered.get(billedBefore[0]);
    return {
      product: s.product, model: s.model, addon: s.addon ?? null, date: s.date ?? null, month: s.month ?? null,
      computed, billed: s.amount, difference, status, source: s.source,
      reason: status === 'double'
        ? `billed twice: ${round(billedBefore.reduce((sum, l) => sum.plus(l.amountExact), new Decimal(0))).toFixed(card.rounding.scale)} ${card.currency} of this usage is on the statement already (line ${first!.source.line})`
        : status === 'mismatch' ? explain(s, matching, difference, causes, options, tolerance) : status === 'missing' ? 'billed, but the log has no such usage in the period' : null,
    };
  });

  const extra = new Map<string, { line: InvoiceLine; amount: Decimal }>();
  for (const l of invoice.lines) {
    if (covered.has(l)) continue;
    const key = [l.product, l.model, l.addon ?? l.tokenType ?? ''].join('\u0000');
    const e = extra.get(key) ?? { line: l, amount: new Decimal(0) };
    e.amount = e.amount.plus(l.amountExact);
    extra.set(key, e);
  }
  for (const { line, amount } of extra.values()) {
    const computed = round(amount);
    lines.push({
      product: line.product, model: line.model, addon: line.addon ?? line.tokenType, date: null, month: null,
      computed, billed: new Decimal(0), difference: computed.negated(), status: 'extra',
      reason: 'in the log, but on no line of the statement', source: null,
    });
  }
  const over = lines.filter((l) => l.status !== 'match' && l.difference.greaterThan(0)).reduce((s, l) => s.plus(l.difference), new Decimal(0));
  const under = lines.filter((l) => l.status !== 'match' && l.difference.lessThan(0)).reduce((s, l) => s.minus(l.difference), new Decimal(0));
  return { invoice, tolerance, lines, overBilled: over, underBilled: under, statement: { map: read.map, passedOver: read.passedOver } };
}

/** The card's name for a statement's model: through the product's aliases (`best`, dated ids), latest version first. */
function modelOf(card: RateCard, s: StatementLine): string {
  for (let i = card.versions.length - 1; i >= 0; i--) {
    const alias = card.versions[i]!.products.find((p) => p.id === s.product)?.aliases.get(s.model);
    if (alias !== undefined) return alias;
  }
  return s.model;
}

/**
 * A line with an add-on is that add-on (or token direction). A line without one is the model's own
 * charge where the statement itemises that model's add-ons elsewhere, and the model with all its
 * add-ons (and both token directions) where it does not.
 */
function componentMatches(l: InvoiceLine, s: StatementLine, model: string, itemised: Set<string>): boolean {
  if (s.addon !== undefined) return l.addon === s.addon || l.tokenType === s.addon;
  if (itemised.has(`${s.product}\u0000${model}`)) return l.addon === null && l.tokenType === null;
  return true;
}

function inPeriodOf(l: InvoiceLine, s: StatementLine): boolean {
  return dayInPeriodOf(l.dims[0] ?? '', s);
}

/** Whether a day falls in what a statement line covers: its date, its month, or the whole period. */
function dayInPeriodOf(day: string, s: StatementLine): boolean {
  if (s.date !== undefined) return day === s.date;
  if (s.month !== undefined) return day.startsWith(`${s.month}-`);
  return true;
}

/** The known causes of a difference, tried in turn: failed transcripts charged, unclosed sessions, another price version. */
function explain(s: StatementLine, matching: InvoiceLine[], difference: Decimal, causes: Causes, options: InvoiceOptions, tolerance: Decimal): string {
  const { card } = options;
  const close = (a: Decimal) => a.minus(difference).abs().lessThanOrEqualTo(tolerance.plus(new Decimal(1).dividedBy(new Decimal(10).pow(card.rounding.scale))));
  const usageLines = matching.filter((l) => l.addon === null && l.tokenType === null);
  const usageMs = usageLines.reduce((sum, l) => sum + l.baseQuantity, 0);
  const rate = usageMs === 0 ? new Decimal(0) : usageLines.reduce((sum, l) => sum.plus(l.amountExact), new Decimal(0)).dividedBy(usageMs);
  const model = matching[0]?.model ?? s.model;
  const sumOver = (map: Map<string, number>) => {
    let ms = 0;
    for (const [key, value] of map) {
      const [product, m, day] = key.split('\u0000') as [string, string, string];
      if (product === s.product && m === model && dayInPeriodOf(day, s)) ms += value;
    }
    return ms;
  };
  const failed = sumOver(causes.failedMs);
  if (failed > 0 && difference.greaterThan(0) && close(rate.times(failed))) {
    return `the difference is what the failed transcripts of ${s.model} cost (${(failed / 3_600_000).toFixed(2)} h): were failed transcripts charged?`;
  }
  const unclosed = sumOver(causes.unclosedExtraMs);
  if (unclosed > 0 && difference.lessThan(0) && close(rate.times(unclosed).negated())) {
    return `the difference is the cap billed for unclosed sessions beyond their audio: the statement bills them for their audio only`;
  }
  for (const version of card.versions) {
    if (usageLines.every((l) => l.version === version.label)) continue;
    const product = version.products.find((p) => p.id === s.product);
    const plan = product && product.kind !== 'llm' ? product.models.get(s.model) : undefined;
    if (plan?.type !== 'flat' || !product) continue;
    const other = plan.rate.times(usageMs).dividedBy(product.perUnit);
    const others = matching.filter((l) => !usageLines.includes(l)).reduce((sum, l) => sum.plus(l.amountExact), new Decimal(0));
    if (close(other.plus(others).minus(matching.reduce((sum, l) => sum.plus(l.amountExact), new Decimal(0))))) {
      return `the statement matches card version ${version.label} (rate ${plan.rate.toString()}): a price version mix-up?`;
    }
  }
  if (s.quantity !== undefined && usageLines.length > 0) {
    const hours = new Decimal(usageMs).dividedBy(usageLines[0]!.perUnit);
    // A mapped export's quantity in its own unit (seconds, hours): in the card's unit.
    const billed = s.unitSeconds === undefined ? s.quantity : s.quantity.times(s.unitSeconds).times(1000).dividedBy(usageLines[0]!.perUnit);
    if (!hours.toDecimalPlaces(2).equals(billed.toDecimalPlaces(2))) return `the statement bills ${billed.toDecimalPlaces(4).toString()} ${usageLines[0]!.unit}s; the log has ${hours.toDecimalPlaces(4).toString()}`;
  }
  return difference.greaterThan(0) ? 'billed more than the log costs' : 'billed less than the log costs';
}
