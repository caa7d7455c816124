import { ratePlanOf, splitTokenComponent, tokenRate, type DurationProduct, type Product, type RatePlan, type RateCard, type TokenClass, type TokenComponent, type TokenProduct } from '../rates/card.js';
import { Decimal, roundMoney } from '../util/decimal.js';
import type { SourceRef } from '../util/errors.js';
import { allocate } from './allocate.js';
import type { Bucket, Component, Dimension, Tally, Unpriced } from './fold.js';
import { tierLabel, tierSlices } from './tiers.js';
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
  dims: (string | null)[];
  version: string;
  hash: string;
  /** Exact quantity in base units: milliseconds or tokens. */
  baseQuantity: number;
  baseUnit: 'ms' | 'token';
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
  warnings: Warning[];
  /** Spend per day and product (each line shared out over its days), when a report draws it. */
  daily: DailySpend[] | undefined;
}

/** One product's share of the invoice on one local day (null: undated records). */
export interface DailySpend {
  day: string | null;
  product: string;
  amount: Decimal;
}

interface LineDraft {
  bucket: Bucket;
  product: Product;
  /** Tier index; -1 for a graduated charge allocated across dimensions. */
  tier: number | null;
  rate: Decimal;
  quantity: number;
  /** For allocated lines: the exact share and the share in minor units, summed over periods. */
  allocated?: { exact: Decimal; minor: number };
}

/** Marks lines that carry an allocated share of a graduated charge rather than one tier's rate. */
const ALLOCATED = -1;

/** Prices each bucket once: tiers per period, allocation across dimensions, one rounding per line. */
export function priceBuckets(buckets: Iterable<Bucket>, card: RateCard): InvoiceLine[] {
  const drafts = new Map<string, LineDraft>();
  const add = (bucket: Bucket, product: Product, tier: number | null, rate: Decimal, quantity: number, share?: { exact: Decimal; minor: number }): void => {
    const key = [bucket.version, bucket.product, bucket.model, bucket.component, tier ?? '', ...bucket.dims].join('\u0000');
    const draft = drafts.get(key);
    if (!draft) {
      drafts.set(key, { bucket, product, tier, rate, quantity, ...(share ? { allocated: { ...share } } : {}) });
      return;
    }
    draft.quantity += quantity;
    if (share && draft.allocated) {
      draft.allocated.exact = draft.allocated.exact.plus(share.exact);
      draft.allocated.minor += share.minor;
    }
  };

  const scopes = new Map<string, Bucket[]>();
  for (const bucket of buckets) {
    const product = productOf(card, bucket);
    const plan = planOf(product, bucket);
    if (plan === undefined || plan.type === 'flat') {
      add(bucket, product, null, flatRate(product, bucket, plan), bucket.quantity);
      continue;
    }
    const scope = [bucket.version, bucket.product, bucket.model, bucket.component, bucket.period].join('\u0000');
    const parts = scopes.get(scope) ?? [];
    parts.push(bucket);
    scopes.set(scope, parts);
  }

  for (const parts of scopes.values()) {
    const first = parts[0]!;
    const product = productOf(card, first);
    const plan = planOf(product, first) as Extract<RatePlan, { type: 'tiered' }>;
    const total = parts.reduce((sum, p) => sum + p.quantity, 0);
    const slices = tierSlices(plan.mode, plan.tiers, total);
    if (parts.length === 1 || slices.length === 1) {
      // One rate for every part (volume, or one graduated tier), or one part: exact lines per tier.
      for (const slice of slices) {
        for (const part of parts) add(part, product, slice.tier, plan.tiers[slice.tier]!.price, parts.length === 1 ? slice.quantity : part.quantity);
      }
      continue;
    }
    // Graduated across several parts: the period's charge is allocated in proportion to quantity.
    const charge = slices.reduce((sum, s) => sum.plus(new Decimal(s.quantity).times(plan.tiers[s.tier]!.price)), new Decimal(0)).dividedBy(product.perUnit);
    const minorTotal = roundMoney(charge, card.rounding.scale, card.rounding.mode).times(new Decimal(10).pow(card.rounding.scale)).toNumber();
    const minor = allocate(minorTotal, parts.map((p) => p.quantity));
    const rate = charge.times(product.perUnit).dividedBy(total);
    parts.forEach((part, i) => add(part, product, ALLOCATED, rate, part.quantity, { exact: charge.times(part.quantity).dividedBy(total), minor: minor[i]! }));
  }

  const { scale, mode } = card.rounding;
  const lines = [...drafts.values()].map(({ bucket, product, tier, rate, quantity, allocated }): InvoiceLine => {
    const version = card.versions[bucket.version]!;
    const amountExact = allocated?.exact ?? new Decimal(quantity).times(rate).dividedBy(product.perUnit);
    const amount = allocated ? new Decimal(allocated.minor).dividedBy(new Decimal(10).pow(scale)) : roundMoney(amountExact, scale, mode);
    const plan = planOf(product, bucket);
    return {
      product: bucket.product,
      model: bucket.model,
      addon: bucket.component.startsWith('addon:') ? bucket.component.slice(6) : null,
      tokenType: product.kind === 'llm' ? tokenTypeOf(bucket.component as TokenComponent) : null,
      component: bucket.component,
      atBaseRate: product.kind === 'llm' && tokenRate(product as TokenProduct, bucket.model, bucket.component as TokenComponent).atBase,
      tier: product.kind === 'llm' ? tokenTier(product as TokenProduct, bucket) : tier === null || plan?.type !== 'tiered' ? null : tier === ALLOCATED ? 'graduated, allocated' : tierLabel(plan.tiers, tier, product.unit),
      dims: bucket.dims,
      version: version.label,
      hash: version.hash,
      baseQuantity: quantity,
      baseUnit: product.kind === 'llm' ? 'token' : 'ms',
      unit: product.unit,
      perUnit: product.perUnit,
      rate,
      amountExact,
      amount,
      priced: true,
    };
  });
  return lines.sort(lineOrder(card));
}

function productOf(card: RateCard, bucket: Bucket): Product {
  return card.versions[bucket.version]!.products.find((p) => p.id === bucket.product)!;
}

function planOf(product: Product, bucket: Bucket): RatePlan | undefined {
  if (product.kind === 'llm') return undefined;
  return ratePlanOf(product as DurationProduct, bucket.model, bucket.component);
}

function flatRate(product: Product, bucket: Bucket, plan: RatePlan | undefined): Decimal {
  if (product.kind === 'llm') {
    return tokenRate(product as TokenProduct, bucket.model, bucket.component as TokenComponent).rate;
  }
  return (plan as Extract<RatePlan, { type: 'flat' }>).rate;
}

/** The token type a line shows: a long-context or regional request's input is input (its tier says the band and the region). */
function tokenTypeOf(component: TokenComponent): 'input' | 'output' | TokenClass {
  const { base } = splitTokenComponent(component);
  return base === 'input:long' ? 'input' : base === 'output:long' ? 'output' : base;
}

/** The tier label of a long-context or regional token line (`context over 200,000 tokens · us in-region +10%`), or null. */
function tokenTier(product: TokenProduct, bucket: Bucket): string | null {
  const { base, region } = splitTokenComponent(bucket.component as TokenComponent);
  const parts: string[] = [];
  if (base === 'input:long' || base === 'output:long') parts.push(`context over ${groupDigits(product.models.get(bucket.model)!.contextBand!.above)} tokens`);
  if (region !== undefined) parts.push(`${region} in-region +${product.regionalIncrease.get(region)!.times(100).toString()}%`);
  return parts.length === 0 ? null : parts.join(' · ');
}

function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

const COMPONENT_ORDER: Record<string, number> = { usage: 0, input: 2, output: 3, cache_read: 4, cache_write: 5, cache_write_1h: 6, reasoning: 7 };

/** Card product order, then model, usage before add-ons, input before output, tier, dimensions, version. */
function lineOrder(card: RateCard): (a: InvoiceLine, b: InvoiceLine) => number {
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
