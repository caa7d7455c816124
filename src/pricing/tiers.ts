import type { Tier } from '../rates/card.js';

/** A part of a period's quantity priced at one tier. */
export interface TierSlice {
  tier: number;
  quantity: number;
}

/**
 * Cuts a period's total (base units) into tier slices. `up_to` bounds are exclusive: a total of
 * exactly 300 h is in the tier that starts at 300 h. Volume: the whole total at the tier it
 * reaches. Graduated: each slice at its own tier.
 */
export function tierSlices(mode: 'volume' | 'graduated', tiers: readonly Tier[], total: number): TierSlice[] {
  if (mode === 'volume') {
    const tier = tiers.findIndex((t) => t.upToBase === null || total < t.upToBase);
    return [{ tier, quantity: total }];
  }
  const slices: TierSlice[] = [];
  let floor = 0;
  tiers.forEach((t, tier) => {
    const ceiling = t.upToBase ?? Number.POSITIVE_INFINITY;
    const quantity = Math.min(total, ceiling) - floor;
    if (quantity > 0) slices.push({ tier, quantity });
    floor = Math.max(floor, Math.min(total, ceiling));
  });
  return slices.length > 0 ? slices : [{ tier: 0, quantity: 0 }];
}

const SHORT_UNIT: Record<string, string> = { hour: 'h', minute: 'min', second: 's' };

/** A person's name for a tier: `300–1000 h`, `≥ 5000 h`, `< 300 h`. */
export function tierLabel(tiers: readonly Tier[], index: number, longUnit: string): string {
  const unit = SHORT_UNIT[longUnit] ?? longUnit;
  const lower = index === 0 ? undefined : tiers[index - 1]!.upTo;
  const upper = tiers[index]!.upTo;
  if (lower === undefined && upper === null) return 'all';
  if (lower === undefined) return `< ${upper!.toString()} ${unit}`;
  if (upper === null) return `≥ ${lower!.toString()} ${unit}`;
  return `${lower!.toString()}–${upper.toString()} ${unit}`;
}
