import { tierLabel } from '../pricing/tiers.js';
import type { DurationProduct, Pack, RatePlan } from './card.js';
import { Decimal, formatExact } from '../util/decimal.js';

/** A duration price as words: `0.15 / hour`, its packages, or its tier table (`volume tiers per day: < 300 h @ 1.4; …`, flat fees too). */
export function planText(plan: RatePlan, unit: string): string {
  if (plan.type === 'flat') return `${formatExact(plan.rate)} / ${unit}`;
  if (plan.type === 'package') return `packages of ${formatExact(plan.sizeUnits)} ${unit} per ${plan.period} @ ${formatExact(plan.price)}${plan.free > 0 ? `, first ${formatExact(plan.freeUnits)} ${unit} free` : ''}`;
  return `${plan.mode} tiers per ${plan.period}: ${plan.tiers.map((t, i) => `${tierLabel(plan.tiers, i, unit)} @ ${formatExact(t.price)}${t.flat === null ? '' : ` + ${formatExact(t.flat)} flat`}`).join('; ')}`;
}

/** A quantity of base units in the product's unit: `10 hours`. */
function unitsText(p: DurationProduct, base: number): string {
  return `${formatExact(new Decimal(base).dividedBy(p.perUnit))} ${p.unit}s`;
}

function modelsText(list: readonly string[] | undefined): string {
  return list === undefined ? '' : ` (${list.join(', ')})`;
}

/** A product's free quota as words (`10 hours per month (file), used first, never carried over`), or undefined. */
export function freeQuotaText(p: DurationProduct): string | undefined {
  return p.freeQuota && `${unitsText(p, p.freeQuota.quantity)} per ${p.freeQuota.period}${modelsText(p.freeQuota.models)}, used first, never carried over`;
}

/** A prepaid pack as words: `100 hours from 2026-05-01 until 2027-05-01`. */
export function packText(p: DurationProduct, pack: Pack): string {
  return `${unitsText(p, pack.quantity)} from ${pack.start} until ${pack.expiry}${modelsText(pack.models)}`;
}
