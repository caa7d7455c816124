import type { DurationProduct, RateCard } from '../rates/card.js';
import { compareText } from '../util/compare.js';
import { allocate } from './allocate.js';
import type { Bucket } from './fold.js';

/** Usage a free quota or a prepaid pack covered: a bucket's part, and what covered it (`free quota`, `pack p1`). */
export interface Covered extends Bucket {
  source: string;
}

/**
 * Takes the free quotas and prepaid packs of the card's products out of the buckets, in time order:
 * each day's usage (the buckets' `dayAt` dimension) first from the free quota of its period (a
 * quota is granted each day or month and never carried over), then from the packs valid that day
 * (`start` ≤ day < `expiry`), the one expiring first first, then pay-as-you-go. Within a day, what
 * a quota or pack covers is shared between the day's buckets (models, other dimensions) in
 * proportion to their usage. Only a product's own usage (not add-ons) is covered. Usage before
 * the invoice's period (`before`, by day) uses them up first, unbilled. Returns the buckets left to
 * pay (in the order given; those emptied left out) and what was covered of them.
 */
export function applyAllowances(billed: readonly Bucket[], card: RateCard, dayAt: number, before: readonly Bucket[] = []): { paid: Bucket[]; covered: Covered[] } {
  // Usage before the period (`before`) comes first in time: it uses quotas and packs up, and is neither paid nor listed here.
  const buckets = [...before, ...billed];
  const productOf = (b: Bucket): DurationProduct | undefined => {
    const product = card.versions[b.version]!.products.find((p) => p.id === b.product);
    return product === undefined || product.kind === 'llm' ? undefined : product;
  };
  const left = buckets.map((b) => b.quantity);
  const covered: Covered[] = [];
  // The buckets each allowance can reach, by product and day.
  const byProduct = new Map<string, number[]>();
  buckets.forEach((b, i) => {
    const product = productOf(b);
    if (b.component !== 'usage' || product === undefined || !productHasAllowances(product) || b.quantity === 0) return;
    const list = byProduct.get(b.product) ?? [];
    list.push(i);
    byProduct.set(b.product, list);
  });
  for (const indices of byProduct.values()) {
    const dayOf = (i: number): string => buckets[i]!.dims[dayAt] ?? '';
    const days = [...new Set(indices.map(dayOf))].sort(compareText);
    const quotaLeft = new Map<string, number>();
    const packLeft = new Map<string, number>();
    for (const day of days) {
      const today = indices.filter((i) => dayOf(i) === day);
      // A bucket's product as of its own version: the quota and packs in force that day.
      const take = (source: string, available: number, covers: (b: Bucket, product: DurationProduct) => boolean): number => {
        const reach = today.filter((i) => left[i]! > 0 && covers(buckets[i]!, productOf(buckets[i]!)!));
        const want = reach.reduce((sum, i) => sum + left[i]!, 0);
        const use = Math.min(want, available);
        if (use <= 0) return 0;
        const shares = allocate(use, reach.map((i) => left[i]!));
        reach.forEach((i, k) => {
          if (shares[k] === 0) return;
          left[i]! -= shares[k]!;
          if (i >= before.length) covered.push({ ...buckets[i]!, quantity: shares[k]!, source });
        });
        return use;
      };
      const products = [...new Set(today.map((i) => productOf(buckets[i]!)!))];
      for (const product of products) {
        const quota = product.freeQuota;
        if (quota === undefined) continue;
        const period = quota.period === 'day' ? day : day.slice(0, 7);
        const available = quotaLeft.get(period) ?? quota.quantity;
        const used = take('free quota', available, (b, p) => p === product && (quota.models === undefined || quota.models.includes(b.model)));
        quotaLeft.set(period, available - used);
      }
      const packs = products
        .flatMap((product) => product.packs.filter((pack) => pack.start <= day && day < pack.expiry).map((pack) => ({ product, pack })))
        .sort((a, b) => compareText(a.pack.expiry, b.pack.expiry) || compareText(a.pack.start, b.pack.start) || compareText(a.pack.id, b.pack.id));
      for (const { product, pack } of packs) {
        const available = packLeft.get(pack.id) ?? pack.quantity;
        const used = take(`pack ${pack.id}`, available, (b, p) => p === product && (pack.models === undefined || pack.models.includes(b.model)));
        packLeft.set(pack.id, available - used);
      }
    }
  }
  const paid = billed.flatMap((b, k) => {
    const rest = left[before.length + k]!;
    return rest === b.quantity ? [b] : rest > 0 ? [{ ...b, quantity: rest }] : [];
  });
  return { paid, covered };
}

/** Whether any product of the card has a free quota or packs (its buckets then need their day). */
export function hasAllowances(card: RateCard): boolean {
  return card.versions.some((v) => v.products.some((p) => p.kind !== 'llm' && productHasAllowances(p)));
}

/** Whether a duration product has a free quota or packs (the one test of it). */
export function productHasAllowances(p: DurationProduct): boolean {
  return p.freeQuota !== undefined || p.packs.length > 0;
}
