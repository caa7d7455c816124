import { ratePlanOf, splitTokenComponent, tokenRate, type DurationProduct, type Product, type RatePlan, type RateCard, type TokenClass, type TokenComponent, type TokenProduct } from '../rates/card.js';
import { compareText } from '../util/compare.js';
import { TextCodes, TupleIndex } from '../util/tables.js';
import { compact, Decimal, roundMoney } from '../util/decimal.js';
import { allocate, allocateExact } from './allocate.js';
import type { Covered } from './allowance.js';
import type { Bucket, Component, Dimension } from './fold.js';
import { lineOrder, type InvoiceLine, type LineSlice } from './invoice.js';
import { periodSlices, sliceKey, sliceLabel, type PeriodPlan, type Slice } from './tiers.js';

interface LineDraft {
  bucket: Bucket;
  product: Product;
  slice: LineSlice;
  /** The line's tier, flat fee, packages or allowance, as shown (null: none). */
  tier: string | null;
  rate: Decimal;
  quantity: number;
  /** An amount not proportional to the quantity (flat fees, packages; 0 for covered usage), summed over periods. */
  fixed?: Decimal;
  /** For allocated lines: the exact share and the share in minor units, summed over periods. */
  allocated?: { exact: Decimal; minor: bigint };
}

type Extra = { fixed?: Decimal; share?: { exact: Decimal; minor: bigint } };

/**
 * How one tier period of one (version, product, model, component) was charged, as the pricing
 * computed it (for `explain`): its parts in time order with the slices each filled (one part when
 * not split by time), and how the charge was shared between the lines.
 */
export interface PeriodTrace {
  version: number;
  product: string;
  model: string;
  component: Component;
  period: string;
  plan: PeriodPlan;
  /** The period's usage left to pay, after free quotas and packs (`covered`). */
  total: number;
  covered: number;
  groups: { time: string; quantity: number; slices: Slice[] }[];
  /** `lines`: one line per slice; `one-rate`: each part at the one rate; `proportional`: the charge allocated by quantity; `chronological`: each part its own slices. */
  sharing: 'lines' | 'one-rate' | 'proportional' | 'chronological';
}

/**
 * Prices each bucket once: what free quotas and packs covered (`covered`, at zero), then tiers,
 * flat fees and packages per period, allocation across dimensions, one rounding per line. Under a
 * period split by a time dimension of `dimensions` (day, month), each part is charged the slices
 * it filled in time order.
 */
export function priceBuckets(buckets: Iterable<Bucket>, card: RateCard, dimensions: readonly Dimension[] = [], covered: Iterable<Covered> = [], trace?: PeriodTrace[]): InvoiceLine[] {
  const drafts = new DraftIndex();
  const add = (bucket: Bucket, product: Product, slice: LineSlice, tier: string | null, rate: Decimal, quantity: number, extra: Extra = {}): void => {
    const at = drafts.of(bucket, tier);
    const draft = drafts.at(at);
    if (!draft) {
      drafts.set(at, { bucket, product, slice, tier, rate, quantity, ...(extra.fixed ? { fixed: extra.fixed } : {}), ...(extra.share ? { allocated: { ...extra.share } } : {}) });
      return;
    }
    draft.quantity += quantity;
    if (extra.fixed && draft.fixed) draft.fixed = draft.fixed.plus(extra.fixed);
    if (extra.share && draft.allocated) {
      draft.allocated.exact = draft.allocated.exact.plus(extra.share.exact);
      draft.allocated.minor += extra.share.minor;
    }
  };
  const coveredIn = new Map<string, number>();
  const scopeOf = (b: Bucket): string => [b.version, b.product, b.model, b.component, b.period].join('\u0000');
  for (const c of covered) {
    add(c, productOf(card, c), 'covered', c.source, new Decimal(0), c.quantity, { fixed: new Decimal(0) });
    coveredIn.set(scopeOf(c), (coveredIn.get(scopeOf(c)) ?? 0) + c.quantity);
  }

  const scopes = new Map<string, Bucket[]>();
  for (const bucket of buckets) {
    const product = productOf(card, bucket);
    const plan = planOf(product, bucket);
    if (plan === undefined || plan.type === 'flat') {
      add(bucket, product, null, null, flatRate(product, bucket, plan), bucket.quantity);
      continue;
    }
    const scope = scopeOf(bucket);
    const parts = scopes.get(scope) ?? [];
    parts.push(bucket);
    scopes.set(scope, parts);
  }

  // Minor units as an exact bigint: an amount past 2^53 minor units stays exact.
  const toMinor = (exact: Decimal): bigint => BigInt(roundMoney(exact, card.rounding.scale, card.rounding.mode).times(new Decimal(10).pow(card.rounding.scale)).toFixed(0));
  const timeDims = dimensions.flatMap((d, i) => (d === 'day' || d === 'month' ? [i] : []));
  for (const parts of scopes.values()) {
    const first = parts[0]!;
    const product = productOf(card, first);
    const plan = planOf(product, first) as PeriodPlan;
    const label = (slice: Slice): string => sliceLabel(plan, slice, product.unit);
    const addSlice = (part: Bucket, slice: Slice, quantity: number): void =>
      add(part, product, slice.kind, label(slice), slice.price, quantity, slice.kind === 'tier' ? {} : { fixed: slice.amount });
    const groups = timeGroups(parts, timeDims);
    const total = parts.reduce((sum, p) => sum + p.quantity, 0);
    const traced = (sharing: PeriodTrace['sharing'], sliced: Slice[][]): void => {
      trace?.push({ version: first.version, product: first.product, model: first.model, component: first.component, period: first.period, plan, total, covered: coveredIn.get(scopeOf(first)) ?? 0, sharing,
        groups: groups.map((g, i) => ({ time: timeDims.map((d) => g[0]!.dims[d] ?? '').join(' '), quantity: g.reduce((sum, p) => sum + p.quantity, 0), slices: sliced[i]! })) });
    };
    if (groups.length > 1) {
      traced('chronological', chronological(groups, plan, product, toMinor, (part, slice, quantity, share) => add(part, product, slice.kind, label(slice), slice.price, quantity, { share })));
      continue;
    }
    const slices = periodSlices(plan, product.perUnit, [total])[0]!;
    const oneRate = slices.length === 1 && slices[0]!.kind === 'tier';
    traced(parts.length === 1 ? 'lines' : oneRate ? 'one-rate' : 'proportional', [slices]);
    if (parts.length === 1) {
      for (const slice of slices) addSlice(first, slice, slice.quantity);
      continue;
    }
    if (oneRate) {
      // One rate for every part (volume, or one graduated tier): exact lines per part.
      for (const part of parts) addSlice(part, slices[0]!, part.quantity);
      continue;
    }
    // Several parts and several slices: the period's charge is allocated in proportion to quantity.
    const charge = slices.reduce((sum, s) => sum.plus(s.amount), new Decimal(0));
    const minor = allocateExact(toMinor(charge), parts.map((p) => BigInt(p.quantity)));
    const rate = total === 0 ? new Decimal(0) : charge.times(product.perUnit).dividedBy(total);
    const allocatedLabel = plan.type === 'package' ? 'package, allocated' : `${plan.mode}, allocated`;
    parts.forEach((part, i) => add(part, product, 'allocated', allocatedLabel, rate, part.quantity, { share: { exact: total === 0 ? new Decimal(0) : charge.times(part.quantity).dividedBy(total), minor: minor[i]! } }));
  }

  const { scale, mode } = card.rounding;
  const lines = drafts.values().map(({ bucket, product, slice, tier, rate, quantity, fixed, allocated }): InvoiceLine => {
    const version = card.versions[bucket.version]!;
    const amountExact = compact(allocated?.exact ?? fixed ?? new Decimal(quantity).times(rate).dividedBy(product.perUnit));
    const amount = allocated ? new Decimal(allocated.minor.toString()).dividedBy(new Decimal(10).pow(scale)) : roundMoney(amountExact, scale, mode);
    return {
      product: bucket.product,
      model: bucket.model,
      addon: bucket.component.startsWith('addon:') ? bucket.component.slice(6) : null,
      tokenType: product.kind === 'llm' ? tokenTypeOf(bucket.component as TokenComponent) : null,
      component: bucket.component,
      atBaseRate: product.kind === 'llm' && tokenRate(product as TokenProduct, bucket.model, bucket.component as TokenComponent).atBase,
      tier: product.kind === 'llm' ? tokenTier(product as TokenProduct, bucket) : tier,
      slice,
      dims: bucket.dims,
      version: version.label,
      hash: version.hash,
      baseQuantity: quantity,
      baseUnit: product.kind === 'llm' ? 'token' : product.perRequest ? 'request' : 'ms',
      unit: product.unit,
      perUnit: product.perUnit,
      rate,
      amountExact,
      amount,
      priced: true,
    };
  });
  // In bucket order already but for products, components and versions: the sort finds long runs.
  return lines.sort(lineOrder(card));
}

/**
 * The drafts by line: (version, product, model, component, tier, dimensions), the tier period left
 * out (a line sums its periods), a missing tier or dimension the same as an empty one. Texts are
 * given codes once and a line found by its tuple of codes: no key text is made per bucket.
 */
class DraftIndex {
  private readonly texts = new TextCodes();
  private index = new TupleIndex(6);
  private tuple = new Int32Array(6);
  private readonly drafts: LineDraft[] = [];

  /** The index of a bucket's line with `tier` (a new line's is the number of drafts so far). */
  of(bucket: Bucket, tier: string | null): number {
    const key = this.key(bucket, tier); // first: it may widen the index
    return this.index.of(key);
  }

  /** The draft at an index, if one was made. */
  at(index: number): LineDraft | undefined {
    return this.drafts[index];
  }

  /** Makes the draft of a new line (at the index `of` gave it). */
  set(index: number, draft: LineDraft): void {
    this.drafts[index] = draft;
  }

  /** The drafts in the order they were made. */
  values(): LineDraft[] {
    return this.drafts;
  }

  private key(bucket: Bucket, tier: string | null): Int32Array {
    const dims = bucket.dims;
    if (6 + dims.length > this.index.arity) this.widen(dims.length);
    const { tuple, texts } = this;
    tuple[0] = bucket.version;
    tuple[1] = texts.of(bucket.product);
    tuple[2] = texts.of(bucket.model);
    tuple[3] = texts.of(bucket.component);
    tuple[4] = texts.of(tier ?? '');
    tuple[5] = dims.length;
    for (let i = 0; i < dims.length; i++) tuple[6 + i] = texts.of(dims[i] ?? '');
    tuple.fill(0, 6 + dims.length);
    return tuple;
  }

  /** A bucket of more dimensions than any before (never within one fold): the drafts so far indexed again, wider. */
  private widen(width: number): void {
    const made = this.drafts.splice(0);
    this.index = new TupleIndex(6 + width);
    this.tuple = new Int32Array(6 + width);
    for (const draft of made) this.set(this.of(draft.bucket, draft.tier), draft);
  }
}

/** The parts of a period grouped by their time dimensions (day, month), in time order; one group when none. */
function timeGroups(parts: readonly Bucket[], timeDims: readonly number[]): Bucket[][] {
  if (timeDims.length === 0) return [[...parts]];
  const groups = new Map<string, Bucket[]>();
  for (const part of parts) {
    const key = timeDims.map((i) => part.dims[i] ?? '').join('\u0000');
    const group = groups.get(key) ?? [];
    group.push(part);
    groups.set(key, group);
  }
  return [...groups.entries()].sort(([a], [b]) => compareText(a, b)).map(([, group]) => group);
}

/**
 * A period split by time: each group (in time order) is charged the slices it filled; each slice's
 * period amount is rounded once, as on an invoice not split by time, and its minor units are
 * shared out over the groups (by their units in the slice, their packages, or to the group that
 * reached a flat fee), then over each group's parts in proportion to their usage.
 */
function chronological(groups: readonly Bucket[][], plan: PeriodPlan, product: Product, toMinor: (exact: Decimal) => bigint,
  emit: (part: Bucket, slice: Slice, quantity: number, share: { exact: Decimal; minor: bigint }) => void): Slice[][] {
  const quantities = groups.map((g) => g.reduce((sum, p) => sum + p.quantity, 0));
  const sliced = periodSlices(plan, product.perUnit, quantities);
  const byKey = new Map<string, { exact: Decimal; perGroup: (Slice | undefined)[] }>();
  sliced.forEach((slices, g) => {
    for (const slice of slices) {
      const key = sliceKey(slice);
      const entry = byKey.get(key) ?? { exact: new Decimal(0), perGroup: groups.map(() => undefined) };
      entry.exact = entry.exact.plus(slice.amount);
      entry.perGroup[g] = slice;
      byKey.set(key, entry);
    }
  });
  for (const { exact, perGroup } of byKey.values()) {
    const weight = (s: Slice | undefined): number => (s === undefined ? 0 : s.kind === 'tier' ? s.quantity : s.kind === 'flat' ? 1 : s.packages);
    const groupMinor = allocateExact(toMinor(exact), perGroup.map((s) => BigInt(weight(s))));
    perGroup.forEach((slice, g) => {
      if (slice === undefined) return;
      const parts = groups[g]!;
      const own = parts.map((p) => p.quantity);
      const units = slice.kind === 'tier' ? allocate(slice.quantity, own) : slice.kind === 'package' ? own : own.map(() => 0);
      const minor = allocateExact(groupMinor[g]!, own.map(BigInt));
      const whole = quantities[g]!;
      parts.forEach((part, i) => {
        const share = whole === 0 ? slice.amount.dividedBy(parts.length) : slice.amount.times(part.quantity).dividedBy(whole);
        emit(part, slice, units[i]!, { exact: share, minor: minor[i]! });
      });
    });
  }
  return sliced;
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

