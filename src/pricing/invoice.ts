import type { DurationProduct, RateCard, TokenClass } from '../rates/card.js';
import { Decimal, roundMoney } from '../util/decimal.js';
import type { SourceRef } from '../util/errors.js';
import type { Bucket, Component, Dimension, Tally, Unpriced } from './fold.js';
import type { PeriodTrace } from './price.js';
import { compareText } from '../util/compare.js';
import type { TimeZone } from '../util/time.js';

/** One priced invoice line: exact quantity, the card's rate, the exact amount and the rounded one. */
export interface InvoiceLine {
  product: string;
  model: string;
  addon: string | null;
  /** For token lines: input, output, or another token class (cache_read, cache_write, cache_write_1h, reasoning). */
  tokenType: 'input' | 'output' | TokenClass | null;
  /** A token class the card does not price, billed at the input or output rate (said in the warnings). */
  atBaseRate: boolean;
  /** The bucket component the line prices (`usage`, `addon:x`, `input`, `input:long@us`, ...): not shown, for charts. */
  component: Component;
  tier: string | null;
  /** What the line charges: units at a tier's rate, a tier's flat fee, packages, an allocated share of a period's charge, usage a quota or pack covered; null for a flat price or tokens. */
  slice: LineSlice;
  dims: (string | null)[];
  version: string;
  hash: string;
  /** Exact quantity in base units: milliseconds or tokens. */
  baseQuantity: number;
  baseUnit: 'ms' | 'token' | 'request';
  unit: string;
  perUnit: number;
  rate: Decimal;
  amountExact: Decimal;
  amount: Decimal;
  priced: boolean;
}

/** What a reader must not miss, with the money involved where there is some. */
export interface Warning {
  code: string;
  message: string;
  count: number;
  amount: Decimal | null;
  refs: SourceRef[];
}

/** A complete invoice: lines, totals, counts and warnings. Plain data; renderers turn it into text. */
export interface Invoice {
  card: RateCard;
  /** The zone its days, months and period are cut in: the card's unless `--tz`. */
  zone: TimeZone;
  /** The logs it was read from, as named on the command line (none for an estimate). */
  sources: readonly string[];
  groupBy: readonly Dimension[];
  /** The period as printed: the bounds as the user gave them, else the first and last record instants. */
  period: { from: string | null; to: string | null };
  /** The period's bounds as instants (from inclusive, to exclusive), where the user gave them. */
  bounds: { from: number | undefined; to: number | undefined };
  lines: InvoiceLine[];
  subtotals: { product: string; amount: Decimal }[];
  total: Decimal;
  tally: Tally;
  skipped: { count: number; examples: { ref: SourceRef; message: string }[] };
  pending: number;
  /** Messages of a log that bill nothing (streaming transcripts, speech events, warnings), counted and passed over. */
  passedOver: number;
  unpriced: Unpriced[];
  /** The buckets priced, in their one order (without a chart's shadow day): what `--format buckets` writes. */
  buckets: Bucket[];
  /** The buckets carry the day (last of their dims) a card's free quotas and packs are used by: the table's `usage_day` column. */
  usageDay?: boolean;
  warnings: Warning[];
  /** Spend per day and product (each line shared out over its days), when a report draws it. */
  daily: DailySpend[] | undefined;
  /** How each tier or package period was charged, when asked for (`explain`). */
  periods?: PeriodTrace[];
  /** The lines priced with the day as a dimension (at `dayAt`), when asked for (the ledger's rates). */
  byDay?: { lines: InvoiceLine[]; dayAt: number };
}

/** One product's share of the invoice on one local day (null: undated records). */
export interface DailySpend {
  day: string | null;
  product: string;
  amount: Decimal;
}

/** What an invoice line charges (`InvoiceLine.slice`). */
export type LineSlice = 'tier' | 'flat' | 'package' | 'allocated' | 'covered' | null;

const COMPONENT_ORDER: Record<string, number> = { usage: 0, input: 2, output: 3, cache_read: 4, cache_write: 5, cache_write_1h: 6, reasoning: 7 };

/** Card product order, then model, usage before add-ons, input before output, tier, dimensions, version. */
export function lineOrder(card: RateCard): (a: InvoiceLine, b: InvoiceLine) => number {
  const productRank = new Map<string, number>();
  for (const version of card.versions) for (const p of version.products) if (!productRank.has(p.id)) productRank.set(p.id, productRank.size);
  const versionRank = new Map(card.versions.map((v, i) => [v.label, i]));
  const component = (l: InvoiceLine): number => (l.addon !== null ? 1 : COMPONENT_ORDER[l.tokenType ?? 'usage']!);
  return (a, b) =>
    (productRank.get(a.product) ?? 99) - (productRank.get(b.product) ?? 99) ||
    compareText(a.model, b.model) ||
    component(a) - component(b) ||
    compareText(a.addon ?? '', b.addon ?? '') ||
    compareText(a.tier ?? '', b.tier ?? '') ||
    compareDims(a.dims, b.dims) ||
    (versionRank.get(a.version) ?? 0) - (versionRank.get(b.version) ?? 0);
}


function compareDims(a: (string | null)[], b: (string | null)[]): number {
  for (let i = 0; i < a.length; i++) {
    const c = compareText(a[i] ?? '', b[i] ?? '');
    if (c !== 0) return c;
  }
  return 0;
}

/** Lines for usage the card does not price, at zero, so that `--allow-unpriced` still shows it. */
export function unpricedLines(unpriced: readonly Unpriced[], card: RateCard, groupBy: readonly Dimension[]): InvoiceLine[] {
  return unpriced.map((u) => ({
    product: u.product ?? `(${u.kind})`,
    model: u.model,
    addon: u.addon,
    tokenType: null,
    atBaseRate: false,
    component: u.addon === null ? 'usage' : `addon:${u.addon}`,
    tier: null,
    slice: null,
    dims: groupBy.map(() => null),
    version: '-',
    hash: '-',
    baseQuantity: u.quantity,
    baseUnit: u.kind === 'llm' ? 'token' : 'ms',
    unit: u.kind === 'llm' ? 'token' : 'hour',
    perUnit: u.kind === 'llm' ? 1 : 3_600_000,
    rate: new Decimal(0),
    amountExact: new Decimal(0),
    amount: roundMoney(new Decimal(0), card.rounding.scale, card.rounding.mode),
    priced: false,
  }));
}

export type { Component, DurationProduct };
