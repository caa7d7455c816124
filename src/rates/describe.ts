import { tierLabel } from '../pricing/tiers.js';
import type { RatePlan } from './card.js';
import { formatExact } from '../util/decimal.js';

/** A duration price as words: `0.15 / hour`, its packages, or its tier table (`volume tiers per day: < 300 h @ 1.4; …`, flat fees too). */
export function planText(plan: RatePlan, unit: string): string {
  if (plan.type === 'flat') return `${formatExact(plan.rate)} / ${unit}`;
  if (plan.type === 'package') return `packages of ${formatExact(plan.sizeUnits)} ${unit} per ${plan.period} @ ${formatExact(plan.price)}${plan.free > 0 ? `, first ${formatExact(plan.freeUnits)} ${unit} free` : ''}`;
  return `${plan.mode} tiers per ${plan.period}: ${plan.tiers.map((t, i) => `${tierLabel(plan.tiers, i, unit)} @ ${formatExact(t.price)}${t.flat === null ? '' : ` + ${formatExact(t.flat)} flat`}`).join('; ')}`;
}
