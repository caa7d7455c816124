import type { RateCard } from '../rates/card.js';
import { compareText } from '../util/compare.js';
import { Decimal } from '../util/decimal.js';
import type { Bucket } from './fold.js';
import type { Dimension } from './dimensions.js';
import { allocateExact } from './allocate.js';
import type { DailySpend, InvoiceLine } from './invoice.js';

/**
 * Buckets split by a shadow day (the last dimension) folded back into the buckets of the invoice,
 * in the order each was first opened: the same buckets, in the same order, as without the split.
 * Covered usage keeps its source apart.
 */
export function withoutShadowDay<T extends Bucket & { source?: string }>(buckets: Iterable<T>): T[] {
  const merged = new Map<string, T>();
  for (const b of buckets) {
    const dims = b.dims.slice(0, -1);
    const key = [b.version, b.product, b.model, b.component, b.period, b.source ?? '', ...dims].join('\u0000');
    const entry = merged.get(key);
    if (entry) entry.quantity += b.quantity;
    else merged.set(key, { ...b, dims, quantity: b.quantity });
  }
  return [...merged.values()];
}

/**
 * The invoice's spend per day and product, for charts, adding up to the invoice total exactly.
 * `byDay` are the invoice's lines priced with the day as a dimension (the lines themselves when the
 * invoice is grouped by day): each line's amount is shared over its days in proportion to what the
 * day-priced lines of the same tier (all of the line's, for an allocated line) charge each day, in
 * minor units (largest remainder), so that a graduated or package period's days get the slices
 * they filled in time order, as the invoice grouped by day charges them.
 */
export function dailySpend(lines: readonly InvoiceLine[], byDay: readonly InvoiceLine[], dimensions: readonly Dimension[], card: RateCard): DailySpend[] {
  const dayAt = dimensions.lastIndexOf('day');
  const shadow = byDay !== lines;
  const scale = new Decimal(10).pow(card.rounding.scale);
  const keyOf = (l: InvoiceLine, dims: readonly (string | null)[]): string => [l.version, l.product, l.model, l.component, ...dims].join('\u0000');
  const candidates = new Map<string, InvoiceLine[]>();
  if (shadow) {
    for (const l of byDay) {
      const key = keyOf(l, l.dims.filter((_, i) => i !== dayAt));
      const list = candidates.get(key) ?? [];
      list.push(l);
      candidates.set(key, list);
    }
  }
  const spend = new Map<string, DailySpend>();
  const put = (day: string | null, product: string, amount: Decimal): void => {
    const key = `${day ?? ''}\u0000${product}`;
    const entry = spend.get(key) ?? { day, product, amount: new Decimal(0) };
    entry.amount = entry.amount.plus(amount);
    spend.set(key, entry);
  };
  for (const line of lines) {
    if (!line.priced || line.amount.isZero()) continue;
    if (!shadow) {
      put(line.dims[dayAt] ?? null, line.product, line.amount);
      continue;
    }
    const all = candidates.get(keyOf(line, line.dims)) ?? [];
    const sameTier = all.filter((d) => d.tier === line.tier);
    const days = sameTier.length > 0 ? sameTier : all;
    if (days.length === 0) {
      put(null, line.product, line.amount);
      continue;
    }
    // A tier's units (or a flat price's) go by the units each day had at that rate; fees, packages and shares by what each day was charged.
    const byUnits = (line.slice === null || line.slice === 'tier') && sameTier.length > 0;
    const minorOf = (amount: Decimal): bigint => BigInt(amount.abs().times(scale).toFixed(0));
    const minor = days.map((d) => minorOf(d.amount));
    const weights = byUnits || !minor.some((m) => m > 0n) ? days.map((d) => BigInt(d.baseQuantity)) : minor;
    // Minor units as exact integers (bigint, any size); a credit line is shared as its size.
    const sign = line.amount.isNegative() ? -1 : 1;
    const shares = allocateExact(minorOf(line.amount), weights);
    days.forEach((d, i) => put(d.dims[dayAt] ?? null, line.product, new Decimal(shares[i]!.toString()).times(sign).dividedBy(scale)));
  }
  return [...spend.values()].sort((a, b) => compareText(a.day ?? '', b.day ?? '') || compareText(a.product, b.product));
}
