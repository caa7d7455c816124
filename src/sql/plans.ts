import { REGIONS as RECORD_REGIONS, type Region, type UsageKind } from '../ingest/record.js';
import { compilePlan, Cut, type Plan, type PlanItem } from '../pricing/plan.js';
import type { RateCard } from '../rates/card.js';
import { UsageError } from '../util/errors.js';

/**
 * Every plan of a card, compiled by `compilePlan` (the in-process engine's own) over each version ×
 * kind × model name (and alias, and none for the default) × region, and each add-on of each model:
 * the rows of the statement's plan tables. The SQL reads plan fields only; this file says, for each
 * field of a Plan, how the statement uses it, so that a new field fails the build (and the test)
 * until it is compiled or refused.
 */

/** How the statement honours each field of a Plan: compiled into it, only identifying the plan, or refused (the card is then refused, exit 2, when a plan uses the field). */
type Handling = 'compiled' | 'key' | { refuse: (plan: Plan) => string | undefined };

/** Each Plan field and how the SQL compiles it. A field added to Plan must be added here (the build fails otherwise). */
export const PLAN_FIELDS: Record<keyof Plan, Handling> = {
  id: 'key',
  priced: 'compiled',
  reason: 'compiled',
  version: 'compiled',
  product: 'compiled',
  model: 'compiled',
  rateKey: 'key',
  kind: 'compiled',
  llm: 'compiled',
  // The free tier's refusal is an observer's finding (audit, balance), not part of an invoice.
  freeTier: 'key',
  chargeFailed: 'compiled',
  session: 'compiled',
  capMs: 'compiled',
  incrementMs: 'compiled',
  minimumMs: 'compiled',
  perRequest: 'compiled',
  bandAbove: 'compiled',
  regionalPricing: 'compiled',
  items: 'compiled',
  unpriced: 'compiled',
  retiredAt: 'compiled',
  retiredOn: 'compiled',
};

/** Each PlanItem field and how the SQL compiles it. */
export const ITEM_FIELDS: Record<keyof PlanItem, Handling> = {
  component: 'compiled',
  cut: 'compiled',
  multiply: 'compiled',
  optional: 'compiled',
};

/** The LLM token components the statement knows, in the order compilePlan lists them. */
export const TOKEN_BASES = ['input', 'output', 'cache_read', 'cache_write', 'cache_write_1h', 'reasoning', 'input:long', 'output:long'] as const;

/** One row of the statement's plan table: a (version, kind, model as written, region as written) that the card prices. */
export interface PlanRow {
  plan: Plan;
  modelIn: string;
  regionIn: string;
  /** The label and hash of the plan's version. */
  label: string;
  hash: string;
  suffix: string;
  usageCut: Cut;
  usageMultiply: boolean;
  /** LLM: whether input and output are optional items (a card with a context band), and the band's items exist. */
  inputOptional: boolean;
  outputOptional: boolean;
  /** The reason an add-on is not priced, around the add-on's name. */
  addonReason: [string, string];
}

/** One priced add-on of a (version, product, model). */
export interface AddonRow {
  version: number;
  product: string;
  model: string;
  addon: string;
  cut: Cut;
  multiply: boolean;
}

/** Why records resolve to no plan: per (version, kind), the reason with no model and around a model's name. */
export interface UnpricedReason {
  version: number;
  kind: UsageKind;
  none: string;
  around: [string, string];
}

const PLACEHOLDER = '\u0001';
const KINDS: readonly UsageKind[] = ['transcript', 'stream', 'llm'];
/** The regions a record may name (src/ingest/record.ts), as the statement reads them ('' for none). */
export const REGIONS: readonly string[] = RECORD_REGIONS.map((region) => region ?? '');

/** The plan tables of a card, or a UsageError naming the card feature the SQL cannot express. */
export function planTables(card: RateCard): { plans: PlanRow[]; addons: AddonRow[]; reasons: UnpricedReason[]; noVersion: string } {
  const plans: PlanRow[] = [];
  const addons: AddonRow[] = [];
  const reasons: UnpricedReason[] = [];
  const seen = new Set<string>();
  const addonReasons = new Map<string, string>();
  let id = 0;
  card.versions.forEach((version, v) => {
    for (const kind of KINDS) {
      const names = new Set<string>(['']);
      for (const p of version.products) if (p.kind === kind) for (const n of [...p.models.keys(), ...p.aliases.keys()]) names.add(n);
      for (const name of names) {
        // Whether a name is priced, and whether its product prices regions, does not depend on the region: asked once.
        const first = compilePlan(id++, card, v, kind, name === '' ? undefined : name, []);
        if (!first.priced) continue;
        // A product that prices no region has one plan for every region: one row, for any (`*`).
        for (const region of kind === 'llm' && first.regionalPricing ? REGIONS : ['']) {
          const plan = region === '' ? first : compilePlan(id++, card, v, kind, name === '' ? undefined : name, [], region as Region);
          const regionIn = plan.regionalPricing ? region : '*';
          const key = [v, kind, name, regionIn].join('\u0000');
          if (seen.has(key)) continue;
          seen.add(key);
          refuseUnknown(card, plan);
          // The reason an add-on is not priced is the model's (its aliases and regions share it): asked once a model.
          const probeKey = `${v}\u0000${kind}\u0000${plan.model}`;
          let reason = addonReasons.get(probeKey);
          if (reason === undefined) {
            reason = compilePlan(id++, card, v, kind, plan.model, [PLACEHOLDER]).unpriced[0]?.reason ?? `${PLACEHOLDER}`;
            addonReasons.set(probeKey, reason);
          }
          const usage = plan.items[0]!;
          plans.push({
            plan, modelIn: name, regionIn, label: version.label, hash: version.hash,
            suffix: plan.llm ? usage.component.slice('input'.length) : '',
            usageCut: usage.cut, usageMultiply: usage.multiply,
            inputOptional: plan.llm && usage.optional, outputOptional: plan.llm && plan.items[1]!.optional,
            addonReason: split(reason),
          });
          if (region !== '' || name !== plan.model) continue;
          const product = version.products.find((p) => p.id === plan.product)!;
          const allAddons = product.kind === 'llm' ? [] : [...new Set([...product.addons.keys(), ...(product.modelAddons.get(plan.model)?.keys() ?? [])])];
          for (const addon of allAddons) {
            const withAddon = compilePlan(id++, card, v, kind, plan.model, [addon]);
            const item = withAddon.items[1];
            if (item) addons.push({ version: v, product: plan.product, model: plan.model, addon, cut: item.cut, multiply: item.multiply });
          }
        }
      }
      const none = compilePlan(id++, card, v, kind, undefined, []);
      const named = compilePlan(id++, card, v, kind, PLACEHOLDER, []);
      reasons.push({ version: v, kind, none: none.priced ? '' : none.reason, around: split(named.reason) });
    }
  });
  const noVersion = compilePlan(id++, card, -1, 'transcript', undefined, []).reason;
  return { plans, addons, reasons, noVersion };
}

function split(reason: string): [string, string] {
  const at = reason.indexOf(PLACEHOLDER);
  return at < 0 ? [reason, ''] : [reason.slice(0, at), reason.slice(at + 1)];
}

/** The Plan fields whose handling refuses some plans (none today), with their check: asked of each plan. */
const REFUSING = (Object.entries(PLAN_FIELDS) as [keyof Plan, Handling][]).flatMap(([field, handling]) => (typeof handling === 'object' ? [{ field, refuse: handling.refuse }] : []));

/** Refuses a plan that uses a field the statement cannot express, naming the card feature (a card's thousands of plans: no list made a plan). */
export function refuseUnknown(card: RateCard, plan: Plan): void {
  for (const { field, refuse } of REFUSING) {
    const why = refuse(plan);
    if (why !== undefined) throw new UsageError(`card ${card.name}: ${plan.product} ${plan.model} uses ${why} (plan field ${field}), which tallyman sql cannot express yet: price this log with tallyman invoice`);
  }
  for (const key in plan) {
    if (!Object.hasOwn(PLAN_FIELDS, key)) throw new UsageError(`card ${card.name}: ${plan.product} ${plan.model} has a billing rule (plan field ${key}) that tallyman sql does not know: price this log with tallyman invoice`);
  }
  for (const item of plan.items) {
    for (const key in item) {
      if (!Object.hasOwn(ITEM_FIELDS, key)) throw new UsageError(`card ${card.name}: ${plan.product} ${plan.model} has a billing rule (item field ${key}) that tallyman sql does not know: price this log with tallyman invoice`);
    }
    const at = item.component.indexOf('@');
    const base = at < 0 ? item.component : item.component.slice(0, at);
    if (!plan.llm && base !== 'usage' && !base.startsWith('addon:')) throw new UsageError(`card ${card.name}: component ${item.component} is not one tallyman sql knows`);
    if (plan.llm && !(TOKEN_BASES as readonly string[]).includes(base)) throw new UsageError(`card ${card.name}: token class ${base} is not one tallyman sql knows: price this log with tallyman invoice`);
  }
}
