import type { RatePlan } from '../rates/card.js';
import type { Component } from './aggregate.js';
import type { Resolution } from './charge.js';

/** How an item's tier period is cut. */
export const Cut = { None: 0, Day: 1, Month: 2 } as const;
export type Cut = (typeof Cut)[keyof typeof Cut];

/** One quantity a row of a plan adds to: a component, its tier period, and whether channels multiply it. */
export interface PlanItem {
  component: Component;
  cut: Cut;
  /** Multiplied by the channels (transcripts billed per channel). */
  multiply: boolean;
}

/** How every row of one (version, kind, model, add-ons) is billed: found once, then only numbers. */
export interface Plan {
  id: number;
  /** Rows of this plan take the record path (a model or add-on the card does not price). */
  recordPath: boolean;
  version: number;
  product: string;
  model: string;
  rateKey: string;
  /** The product's kind: when a row is charged (a stream when it ends). */
  kind: 'transcript' | 'stream' | 'llm';
  llm: boolean;
  /** False for LLM products the free tier may not use. */
  freeTier: boolean;
  chargeFailed: boolean;
  session: boolean;
  capMs: number | undefined;
  incrementMs: number;
  items: PlanItem[];
}

/**
 * The plan of rows that resolve to `found` under card version `version` with add-ons `features`:
 * the items chargeOf would give each of them, in its order. Unpriced ones take the record path.
 */
export function planOf(id: number, version: number, found: Resolution, features: readonly string[]): Plan {
  const byRecord: Plan = { id, recordPath: true, version, product: '', model: '', rateKey: '', kind: 'transcript', llm: false, freeTier: true, chargeFailed: false, session: false, capMs: undefined, incrementMs: 1, items: [] };
  if ('reason' in found) return byRecord;
  const { product } = found;
  const base = { id, recordPath: false, version: found.version, product: product.id, model: found.model, rateKey: found.rateKey, kind: product.kind };
  if (product.kind === 'llm') {
    const items: PlanItem[] = [{ component: 'input', cut: Cut.None, multiply: false }, { component: 'output', cut: Cut.None, multiply: false }];
    return { ...base, llm: true, freeTier: product.freeTier, chargeFailed: false, session: false, capMs: undefined, incrementMs: 1, items };
  }
  const transcript = product.kind === 'transcript';
  const items: PlanItem[] = [{ component: 'usage', cut: cutOf(product.models.get(found.model)!), multiply: transcript && product.channels === 'multiply' }];
  for (const feature of features) {
    const addon = product.addons.get(feature);
    if (addon === undefined) return byRecord;
    items.push({ component: `addon:${feature}`, cut: cutOf(addon), multiply: transcript && product.addonChannels === 'multiply' });
  }
  const session = product.kind === 'stream' && product.basis === 'session';
  return { ...base, llm: false, freeTier: true, chargeFailed: product.chargeFailed, session, capMs: product.maxSessionMs, incrementMs: product.incrementMs, items };
}

function cutOf(plan: RatePlan): Cut {
  if (plan.type === 'flat' || plan.period === 'none') return Cut.None;
  return plan.period === 'day' ? Cut.Day : Cut.Month;
}

