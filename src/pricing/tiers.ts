import type { PackagePlan, RatePlan, Tier } from '../rates/card.js';
import { Decimal } from '../util/decimal.js';

/** A price that is charged on a period's total: a tier table or whole packages. */
export type PeriodPlan = Exclude<RatePlan, { type: 'flat' }>;

/**
 * One part of a period's charge: `quantity` base units at a tier's price (`tier`), a tier's flat
 * fee (`flat`, charged once in the period, in the part where the tier is reached), or whole
 * packages (`package`: the packages the part's units started).
 */
export interface Slice {
  kind: 'tier' | 'flat' | 'package';
  /** The tier's index (-1 for packages). */
  tier: number;
  /** Base units of the part in the slice (0 for a flat fee). */
  quantity: number;
  /** Packages started (package slices), 0 otherwise. */
  packages: number;
  /** The slice's price: per unit of the product (tier), the fee (flat), per package (package). */
  price: Decimal;
  /** The slice's exact amount. */
  amount: Decimal;
}

/** The key of a slice within a period (slices of one key in several parts are one line of an ungrouped invoice). */
export function sliceKey(slice: Slice): string {
  return `${slice.kind}:${slice.tier}`;
}

/**
 * The slices each part of a period fills, the parts given in time order by their quantities (base
 * units): the one place tiers, flat fees and packages are cut. One part is the whole period.
 *
 * `up_to` bounds are exclusive: a total of exactly 300 h is in the tier that starts at 300 h.
 * Volume: every unit of the period at the tier its total reaches, and that tier's flat fee in the
 * part where the running total reaches it. Graduated: each part's units at the tiers they fill, in
 * order, and each tier's flat fee in the part whose units first enter it. Packages: the period's
 * units after `free`, rounded up to whole packages; a part pays the packages its units start.
 * A part or period with no units reaches no tier: no flat fee, no package.
 */
export function periodSlices(plan: PeriodPlan, perUnit: number, quantities: readonly number[]): Slice[][] {
  if (plan.type === 'package') return packageSlices(plan, quantities);
  const tiers = plan.tiers;
  const lowerOf = (tier: number): number => (tier === 0 ? 0 : tiers[tier - 1]!.upToBase!);
  const total = quantities.reduce((a, b) => a + b, 0);
  const at = (tier: number, quantity: number): Slice => ({ kind: 'tier', tier, quantity, packages: 0, price: tiers[tier]!.price, amount: new Decimal(quantity).times(tiers[tier]!.price).dividedBy(perUnit) });
  const fee = (tier: number): Slice => ({ kind: 'flat', tier, quantity: 0, packages: 0, price: tiers[tier]!.flat!, amount: tiers[tier]!.flat! });
  if (plan.mode === 'volume') {
    const reached = tierOf(tiers, total);
    // The part in which the running total first reaches the tier pays its fee.
    let feePart = -1;
    if (tiers[reached]!.flat !== null) {
      let running = 0;
      feePart = quantities.findIndex((quantity) => (running += quantity) > 0 && running >= lowerOf(reached));
    }
    return quantities.map((quantity, i) => (i === feePart ? [at(reached, quantity), fee(reached)] : [at(reached, quantity)]));
  }
  const parts: Slice[][] = [];
  let floor = 0;
  for (const quantity of quantities) {
    const ceiling = floor + quantity;
    const slices: Slice[] = [];
    tiers.forEach((tier, index) => {
      const lower = lowerOf(index);
      const upper = tier.upToBase ?? Number.POSITIVE_INFINITY;
      const inside = Math.min(ceiling, upper) - Math.max(floor, lower);
      if (inside > 0) slices.push(at(index, inside));
      if (tier.flat !== null && floor <= lower && lower < ceiling) slices.push(fee(index));
    });
    parts.push(slices.length > 0 ? slices : [at(tierOf(tiers, floor), 0)]);
    floor = ceiling;
  }
  return parts;
}

function packageSlices(plan: PackagePlan, quantities: readonly number[]): Slice[][] {
  const packagesUpTo = (units: number): number => (units <= plan.free ? 0 : Math.ceil((units - plan.free) / plan.size));
  let floor = 0;
  return quantities.map((quantity) => {
    const packages = packagesUpTo(floor + quantity) - packagesUpTo(floor);
    floor += quantity;
    return [{ kind: 'package', tier: -1, quantity, packages, price: plan.price, amount: plan.price.times(packages) }];
  });
}

/** The tier a total is in (`up_to` exclusive). */
export function tierOf(tiers: readonly Tier[], total: number): number {
  return tiers.findIndex((t) => t.upToBase === null || total < t.upToBase);
}

const SHORT_UNIT: Record<string, string> = { hour: 'h', minute: 'min', second: 's', request: 'req' };

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

/** A person's name for a slice's line: its tier, its tier's flat fee, or its packages. */
export function sliceLabel(plan: PeriodPlan, slice: Pick<Slice, 'kind' | 'tier'>, longUnit: string): string {
  if (plan.type === 'package') {
    const unit = SHORT_UNIT[longUnit] ?? longUnit;
    return `packages of ${plan.sizeUnits.toString()} ${unit}${plan.free > 0 ? `, first ${plan.freeUnits.toString()} ${unit} free` : ''}`;
  }
  const tier = tierLabel(plan.tiers, slice.tier, longUnit);
  return slice.kind === 'flat' ? `${tier} flat fee` : tier;
}
