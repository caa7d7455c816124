import type { RateCard } from '../rates/card.js';
import { compareText } from '../util/compare.js';
import { Decimal } from '../util/decimal.js';
import type { Bucket } from './fold.js';
import type { Dimension } from './dimensions.js';
import { allocate } from './allocate.js';
import type { DailySpend, InvoiceLine } from './invoice.js';

/**
 * Buckets split by a shadow day (the last dimension) folded back into the buckets of the invoice,
 * in the order each was first opened: the same buckets, in the same order, as without the split.
 */
export function withoutShadowDay(buckets: Iterable<Bucket>): Bucket[] {
  const merged = new Map<string, Bucket>();
  for (const b of buckets) {
    const dims = b.dims.slice(0, -1);
    const key = [b.version, b.product, b.model, b.component, b.period, ...dims].join('\u0000');
    const entry = merged.get(key);
    if (entry) entry.quantity += b.quantity;
    else merged.set(key, { ...b, dims, quantity: b.quantity });
  }
  return [...merged.values()];
}

/**
 * Each priced line's amount shared out over the days of its usage in proportion to its quantity
 * on each day (largest remainder, in minor units), summed per day and product: a view for charts,
 * which adds up to the invoice total exactly. `dimensions` are the buckets' (with the day among them);
 * `shadow` when the day is the invoice's hidden last dimension rather than one of its own.
 */
export function dailySpend(lines: readonly InvoiceLine[], buckets: Iterable<Bucket>, dimensions: readonly Dimension[], shadow: boolean, card: RateCard): DailySpend[] {
  const dayAt = dimensions.lastIndexOf('day');
  const versionOf = new Map(card.versions.map((v, i) => [v.label, i]));
  const lineKey = (version: number, product: string, model: string, component: string, dims: readonly (string | null)[]): string =>
    [version, product, model, component, ...dims].join('\u0000');
  const days = new Map<string, Map<string | null, number>>();
  for (const b of buckets) {
    const key = lineKey(b.version, b.product, b.model, b.component, shadow ? b.dims.slice(0, -1) : b.dims);
    const byDay = days.get(key) ?? new Map<string | null, number>();
    const day = b.dims[dayAt] ?? null;
    byDay.set(day, (byDay.get(day) ?? 0) + b.quantity);
    days.set(key, byDay);
  }
  const scale = new Decimal(10).pow(card.rounding.scale);
  const spend = new Map<string, DailySpend>();
  for (const line of lines) {
    if (!line.priced || line.amount.isZero()) continue;
    const byDay = days.get(lineKey(versionOf.get(line.version)!, line.product, line.model, line.component, line.dims)) ?? new Map([[null, 1]]);
    const entries = [...byDay.entries()];
    // Minor units as a whole number (an invoice line is far below 2^53 of them); a credit line is shared as its size.
    const sign = line.amount.isNegative() ? -1 : 1;
    const shares = allocate(line.amount.abs().times(scale).toNumber(), entries.map(([, quantity]) => quantity));
    entries.forEach(([day], i) => {
      const key = `${day ?? ''}\u0000${line.product}`;
      const entry = spend.get(key) ?? { day, product: line.product, amount: new Decimal(0) };
      entry.amount = entry.amount.plus(new Decimal(sign * shares[i]!).dividedBy(scale));
      spend.set(key, entry);
    });
  }
  return [...spend.values()].sort((a, b) => compareText(a.day ?? '', b.day ?? '') || compareText(a.product, b.product));
}
