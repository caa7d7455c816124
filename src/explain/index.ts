import { Outcome, type UsageBatch } from '../ingest/batch.js';
import { USAGE_KINDS } from '../ingest/record.js';
import type { BatchObserver, Fold } from '../pricing/fold.js';
import type { Invoice, InvoiceLine } from '../pricing/invoice.js';
import type { PeriodTrace } from '../pricing/price.js';
import type { Dimension } from '../pricing/dimensions.js';
import { Cut, type Plan } from '../pricing/plan.js';
import { sliceLabel, type Slice } from '../pricing/tiers.js';
import type { RateCard } from '../rates/card.js';
import { Decimal, roundMoney } from '../util/decimal.js';
import { UsageError } from '../util/errors.js';
import { formatInstant } from '../util/time.js';

/** What `explain` is asked about: a record (by its line in a log, or its id), or a product's model. */
export type ExplainTarget = { line: number; file: string | undefined } | { id: string } | { product: string; model: string };

/** A record as the fold judged and charged it. */
export interface RecordFacts {
  file: string;
  line: number;
  id: string | null;
  kind: string;
  timestamp: string | null;
  outcome: 'billed' | 'free' | 'duplicate' | 'excluded' | 'unpriced' | 'rejected';
  plan: Plan;
  audioMs: number | null;
  sessionMs: number | null;
  closed: boolean;
  channels: number;
  /** The billed duration before the increment (after the cap or the minimum); 0 for tokens and requests. */
  billedMs: number;
  /** The record's quantity of each item of its plan (after increment and channels), base units. */
  quantities: number[];
  /** The tier period of each item ('' for none). */
  periods: string[];
  /** The record's value of each reporting dimension (its day and month in the invoice's zone). */
  dims: Record<Dimension, string | null>;
}

/** One slice of a period, as explained. */
export interface SliceFacts {
  label: string;
  kind: Slice['kind'];
  quantity: number;
  packages: number;
  price: Decimal;
  amount: Decimal;
}

/** How one priced item (a model's usage, an add-on, a token class) came to its lines. */
export interface ItemFacts {
  product: string;
  model: string;
  component: string;
  version: string;
  hash: string;
  unit: string;
  perUnit: number;
  baseUnit: InvoiceLine['baseUnit'];
  /** The record's own quantity of the item (record explanations). */
  quantity: number | null;
  periods: { period: string; total: number; covered: number; sharing: PeriodTrace['sharing']; charge: Decimal; groups: { time: string; quantity: number; slices: SliceFacts[] }[] }[];
  lines: InvoiceLine[];
  /** The record's share: its quantity × its period's (or part's) charge ÷ its usage, free or paid (a flat price: quantity × rate × the paid part of its day's usage). */
  share: Decimal | null;
  /** Where free quotas or packs covered usage the share is counted over: the record's part (split by time) or day (a flat price), paid and covered. */
  coverage: { scope: string; paid: number; covered: number } | null;
  /** A flat price's rate (per `perUnit`), as its lines charge it; null for a tiered one. */
  rate: Decimal | null;
}

/** Why a record or a model costs what it does. */
export interface Explanation {
  card: RateCard;
  target: ExplainTarget;
  record: RecordFacts | null;
  items: ItemFacts[];
  rounding: { scale: number; mode: string };
}

const OUTCOMES = { [Outcome.Rejected]: 'rejected', [Outcome.Duplicate]: 'duplicate', [Outcome.Excluded]: 'excluded', [Outcome.Unpriced]: 'unpriced', [Outcome.Free]: 'free', [Outcome.Billed]: 'billed' } as const;

/** Finds the records a target names as the fold judges them (the first one by id or line). */
export class RecordFinder implements BatchObserver {
  found: RecordFacts | undefined;
  readonly dimensions = { project: true, apiKey: true, customer: true };

  constructor(private readonly target: ExplainTarget) {}

  observe(b: UsageBatch, fold: Fold): void {
    if (this.found !== undefined || 'product' in this.target) return;
    for (let r = 0; r < b.length; r++) {
      if (!this.matches(b, r)) continue;
      const plan = fold.plans[b.plan[r]!];
      if (plan === undefined) continue;
      const at = b.at[r]!;
      const billed = b.outcome[r] === Outcome.Billed || b.outcome[r] === Outcome.Duplicate || b.outcome[r] === Outcome.Excluded;
      const quantities = billed && b.charged[r] === 1 ? plan.items.map((_, i) => b.quantities[b.quantityAt[r]! + i]!) : plan.items.map(() => 0);
      this.found = {
        file: b.strings.files.at(b.file[r]!),
        line: b.line[r]!,
        id: b.id(r) ?? null,
        kind: USAGE_KINDS[b.kind[r]!]!,
        timestamp: Number.isNaN(at) ? null : formatInstant(at),
        outcome: OUTCOMES[b.outcome[r] as Outcome],
        plan,
        audioMs: b.audioMs[r]! >= 0 ? b.audioMs[r]! : null,
        sessionMs: b.sessionMs[r]! >= 0 ? b.sessionMs[r]! : null,
        closed: b.closed[r] === 1,
        channels: b.channels[r]!,
        billedMs: b.billedMs[r]!,
        quantities,
        periods: plan.items.map((item) => (Number.isNaN(at) ? '' : fold.periodText(item.cut, at))),
        dims: {
          project: b.text(b.project[r]!) ?? null, api_key: b.text(b.apiKey[r]!) ?? null, customer: b.text(b.customer[r]!) ?? null,
          day: Number.isNaN(at) ? null : fold.periodText(Cut.Day, at), month: Number.isNaN(at) ? null : fold.periodText(Cut.Month, at),
        },
      };
      return;
    }
  }

  private matches(b: UsageBatch, r: number): boolean {
    const target = this.target;
    if ('id' in target) return b.id(r) === target.id;
    if (!('line' in target) || b.line[r] !== target.line) return false;
    return target.file === undefined || b.strings.files.at(b.file[r]!) === target.file;
  }
}

/** Puts together what the invoice computed about the target: its periods' slices, its lines, their rounding. */
export function explain(invoice: Invoice, target: ExplainTarget, record: RecordFacts | undefined): Explanation {
  const { card } = invoice;
  if (!('product' in target) && record === undefined) {
    throw new UsageError(`explain: no record ${'id' in target ? `with id "${target.id}"` : `on line ${target.line}${target.file ? ` of ${target.file}` : ''}`} in the log`);
  }
  const wanted: { version: string | undefined; product: string; model: string; component: string; quantity: number | null; period: string | null }[] = [];
  if (record !== undefined) {
    record.plan.items.forEach((item, i) => {
      if (item.optional && record.quantities[i] === 0) return;
      wanted.push({ version: card.versions[record.plan.version]?.label, product: record.plan.product, model: record.plan.model, component: item.component, quantity: record.quantities[i]!, period: record.periods[i]! });
    });
  } else if ('product' in target) {
    const components = new Set(invoice.lines.filter((l) => l.product === target.product && l.model === target.model).map((l) => `${l.version}\u0000${l.component}`));
    if (components.size === 0) throw new UsageError(`explain: the invoice has no line of product "${target.product}" model "${target.model}" (see tallyman invoice for its lines)`);
    for (const key of components) {
      const [version, component] = key.split('\u0000') as [string, string];
      wanted.push({ version, product: target.product, model: target.model, component, quantity: null, period: null });
    }
  }
  const items = wanted.map((w): ItemFacts => {
    const lines = invoice.lines.filter((l) => l.priced && l.version === w.version && l.product === w.product && l.model === w.model && l.component === w.component);
    const versionIndex = card.versions.findIndex((v) => v.label === w.version);
    const product = card.versions[versionIndex]?.products.find((p) => p.id === w.product);
    const periods = (invoice.periods ?? [])
      .filter((p) => p.version === versionIndex && p.product === w.product && p.model === w.model && p.component === w.component && (w.period === null || p.period === w.period))
      .map((p) => ({
        period: p.period,
        total: p.total,
        covered: p.covered,
        sharing: p.sharing,
        charge: p.groups.reduce((sum, g) => g.slices.reduce((s, slice) => s.plus(slice.amount), sum), new Decimal(0)),
        groups: p.groups.map((g) => ({ time: g.time, quantity: g.quantity, slices: g.slices.map((s) => ({ label: sliceLabel(p.plan, s, product?.unit ?? ''), kind: s.kind, quantity: s.quantity, packages: s.packages, price: s.price, amount: s.amount })) })),
      }));
    // A record's lines: those its period's slices (or its allocated share) went to; all of them for a model.
    const labels = new Set(periods.flatMap((p) => p.groups.flatMap((g) => g.slices.map((s) => s.label))));
    const mine = record === undefined ? lines : lines.filter((l) => invoice.groupBy.every((d, i) => l.dims[i] === record.dims[d]));
    const own = w.quantity === null || periods.length === 0 ? mine : mine.filter((l) => l.slice === 'allocated' || l.slice === 'covered' || labels.has(l.tier ?? ''));
    let share: Decimal | null = null;
    let coverage: ItemFacts['coverage'] = null;
    let flatRate: Decimal | null = null;
    if (w.quantity !== null) {
      const period = periods[0];
      const line = lines.find((l) => l.slice === null);
      // Split by time, a record shares its own part's charge (the slices its part filled).
      const time = invoice.groupBy.flatMap((d) => (d === 'day' || d === 'month' ? [record?.dims[d] ?? ''] : [])).join(' ');
      const part = period !== undefined && period.groups.length > 1 ? period.groups.find((g) => g.time === time) : undefined;
      const partCharge = part?.slices.reduce((sum, slice) => sum.plus(slice.amount), new Decimal(0));
      // Usage free quotas and packs covered counts in the usage a charge is shared over, as on the invoice.
      const timeOf = (l: InvoiceLine): string => invoice.groupBy.flatMap((d, i) => (d === 'day' || d === 'month' ? [l.dims[i] ?? ''] : [])).join(' ');
      const partCovered = part === undefined ? 0 : lines.filter((l) => l.slice === 'covered' && timeOf(l) === time).reduce((sum, l) => sum + l.baseQuantity, 0);
      if (part !== undefined && partCovered > 0) coverage = { scope: `its part ${time}`, paid: part.quantity, covered: partCovered };
      const usage = part !== undefined ? part.quantity + partCovered : period === undefined ? 0 : period.total + period.covered;
      if (period !== undefined) share = usage === 0 ? new Decimal(0) : (partCharge ?? period.charge).times(w.quantity).dividedBy(usage);
      else if (line !== undefined || lines.some((l) => l.slice === 'covered')) {
        // (A day fully covered has no paid line of its own: the rate is that of the item's paid lines.)
        // A flat price: the record's day, as the invoice covered it (the lines priced by day), pays in proportion to what that day paid.
        const day = dayCoverage(invoice, w, record);
        if (day !== undefined && day.covered > 0) coverage = { scope: `its day ${record?.dims.day ?? ''}`, paid: day.paid, covered: day.covered };
        const rate = line?.rate ?? new Decimal(0);
        flatRate = rate;
        const full = rate.times(w.quantity).dividedBy(line?.perUnit ?? product?.perUnit ?? 1);
        share = day === undefined || day.paid + day.covered === 0 ? full : full.times(day.paid).dividedBy(day.paid + day.covered);
      }
    }
    return {
      product: w.product, model: w.model, component: w.component, version: w.version ?? '-', hash: card.versions[versionIndex]?.hash ?? '-',
      unit: product?.unit ?? '', perUnit: product?.perUnit ?? 1, baseUnit: lines[0]?.baseUnit ?? (product?.kind === 'llm' ? 'token' : 'ms'),
      quantity: w.quantity, periods, lines: own, share, coverage, rate: flatRate,
    };
  });
  return { card, target, record: record ?? null, items, rounding: { scale: card.rounding.scale, mode: card.rounding.mode } };
}

/** The usage of a record's item on its day (with its other dimensions) that was paid and that free quotas or packs covered, from the invoice's lines priced by day. */
function dayCoverage(invoice: Invoice, w: { version: string | undefined; product: string; model: string; component: string }, record: RecordFacts | undefined): { paid: number; covered: number } | undefined {
  const byDay = invoice.byDay;
  if (byDay === undefined || byDay.dayAt < 0 || record === undefined) return undefined;
  const mine = byDay.lines.filter((l) => l.priced && l.version === w.version && l.product === w.product && l.model === w.model && l.component === w.component
    && l.dims[byDay.dayAt] === record.dims.day && invoice.groupBy.every((d, i) => l.dims[i] === record.dims[d]));
  const sum = (covered: boolean): number => mine.filter((l) => (l.slice === 'covered') === covered).reduce((total, l) => total + l.baseQuantity, 0);
  return { paid: sum(false), covered: sum(true) };
}

/** An exact amount rounded as the card rounds an invoice line. */
export function rounded(explanation: Explanation, exact: Decimal): Decimal {
  return roundMoney(exact, explanation.rounding.scale, explanation.rounding.mode as never);
}
