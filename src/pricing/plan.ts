import type { Region, UsageKind } from '../ingest/record.js';
import { findProduct, ratePlanOf, TOKEN_CLASSES, type RateCard, type RatePlan, type TokenBase, type TokenComponent } from '../rates/card.js';

/** What a quantity pays for: the model's own usage, an add-on, or a class of tokens. */
export type Component = 'usage' | TokenComponent | `addon:${string}`;

/** How an item's tier period is cut. */
export const Cut = { None: 0, Day: 1, Month: 2 } as const;
export type Cut = (typeof Cut)[keyof typeof Cut];

/** One quantity a row of a plan adds to: a component, how its tier period is cut, whether channels multiply it. */
export interface PlanItem {
  component: Component;
  cut: Cut;
  /** Multiplied by the channels (transcripts billed per channel). */
  multiply: boolean;
  /** Adds to its bucket only when not zero (token classes a request may not have). */
  optional: boolean;
}

/** An add-on a row names that its product does not price. */
export interface UnpricedAddon {
  addon: string;
  reason: string;
}

/**
 * How every row of one (card version, kind, model, add-ons) is billed: the rules of the card as
 * plain data (numbers, strings, flags; no functions), compiled once and read by the one interpreter
 * (`charge.ts`). Being data, a plan can also be compiled to SQL for another engine.
 */
export interface Plan {
  id: number;
  /** False when the card does not price the row's (version, kind, model): `reason` says why. */
  priced: boolean;
  reason: string;
  version: number;
  product: string;
  model: string;
  /** `version\0product\0model`: the key of the plan's rates. */
  rateKey: string;
  /** The product's kind: when a row is charged (a stream when it ends). */
  kind: UsageKind;
  llm: boolean;
  /** False for LLM products the free tier may not use. */
  freeTier: boolean;
  /** Failed transcripts are charged (else free). */
  chargeFailed: boolean;
  /** Billed on session time (a stream): capped at `capMs`, the cap itself when never closed. */
  session: boolean;
  /** `max_session` in ms, or -1 for none. */
  capMs: number;
  /** Each row's billed duration is rounded up to a whole increment (ms). */
  incrementMs: number;
  /** A row's billed duration is at least this (ms; 0: no minimum), before the increment. */
  minimumMs: number;
  /** Priced per request: a billed row is one unit of each item, whatever its duration. */
  perRequest: boolean;
  /** LLM: a request whose input (with cache reads and writes) passes this many tokens is priced whole at the long-context items; -1: no band. */
  bandAbove: number;
  /** LLM: the product prices regional requests above the list price (so a request that names no region is priced as `global`, and said). */
  regionalPricing: boolean;
  /** The quantities a row adds to, in order: the model's usage (or input, output tokens), then add-ons. */
  items: PlanItem[];
  /** Add-ons named by the rows that the product does not price (listed, never billed silently). */
  unpriced: UnpricedAddon[];
  /** The instant from which the model is retired (its rows refused by name and date); Infinity when it is not. */
  retiredAt: number;
  /** The retirement date as the card gives it, or ''. */
  retiredOn: string;
}

/** Where a (version, kind, model) resolves on a card, or why it does not. */
type Resolution = { product: NonNullable<ReturnType<typeof findProduct>> } | { reason: string };

/**
 * Compiles the plan of rows of `kind` naming `model` (undefined: the product's default) with add-ons
 * `features`, under version `version` of `card` (-1: no version in force at the row's time).
 */
export function compilePlan(id: number, card: RateCard, version: number, kind: UsageKind, model: string | undefined, features: readonly string[], region: Region | undefined = undefined): Plan {
  const found = resolve(card, version, kind, model);
  if ('reason' in found) {
    return { id, priced: false, reason: found.reason, version, product: '', model: model ?? '(none)', rateKey: '', kind, llm: kind === 'llm', freeTier: true, chargeFailed: false, session: false, capMs: -1, incrementMs: 1, minimumMs: 0, perRequest: false, bandAbove: -1, regionalPricing: false, items: [], unpriced: [], retiredAt: Infinity, retiredOn: '' };
  }
  const { product, model: name } = found.product;
  const retiredOn = product.retired.get(name) ?? '';
  const retiredAt = retiredOn === '' ? Infinity : card.timezone.startOfDay(retiredOn);
  // A fresh object given the rest by Object.assign, not `{ ...base, more }`: V8 (Node 20) copies such a spread on a slow path,
  // 20 µs a plan, and the SQL engine compiles some 2,000 plans before its statement runs.
  const base = (): Pick<Plan, 'id' | 'priced' | 'reason' | 'version' | 'product' | 'model' | 'rateKey' | 'kind' | 'retiredAt' | 'retiredOn'> => ({ id, priced: true, reason: '', version, product: product.id, model: name, rateKey: `${version}\u0000${product.id}\u0000${name}`, kind: product.kind, retiredAt, retiredOn });
  if (product.kind === 'llm') {
    // With a long-context band, a request's input and output go to the band's items or the base ones: both optional then.
    const band = product.models.get(name)!.contextBand;
    // A request routed in a region that costs more is priced on components of that region (lines of their own).
    const suffix = region !== undefined && region !== 'global' && product.regionalIncrease.has(region) ? `@${region}` : '';
    const token = (component: TokenBase, optional: boolean): PlanItem => ({ component: `${component}${suffix}` as TokenComponent, cut: Cut.None, multiply: false, optional });
    const items: PlanItem[] = [
      token('input', band !== undefined),
      token('output', band !== undefined),
      ...TOKEN_CLASSES.map((c) => token(c.name, true)),
      ...(band === undefined ? [] : [token('input:long', true), token('output:long', true)]),
    ];
    return Object.assign(base(), { llm: true, freeTier: product.freeTier, chargeFailed: false, session: false, capMs: -1, incrementMs: 1, minimumMs: 0, perRequest: false, bandAbove: band?.above ?? -1, regionalPricing: product.regionalIncrease.size > 0, items, unpriced: [] });
  }
  const transcript = product.kind === 'transcript';
  // A product priced per request bills each request once: channels do not multiply a request.
  const items: PlanItem[] = [{ component: 'usage', cut: cutOf(product.models.get(name)!), multiply: transcript && product.channels === 'multiply' && !product.perRequest, optional: false }];
  const unpriced: UnpricedAddon[] = [];
  for (const feature of features) {
    const addon = ratePlanOf(product, name, `addon:${feature}`);
    if (addon) items.push({ component: `addon:${feature}`, cut: cutOf(addon), multiply: transcript && product.addonChannels === 'multiply' && !product.perRequest, optional: false });
    else unpriced.push({ addon: feature, reason: `card ${card.name} has no add-on "${feature}" on ${product.id}` });
  }
  const session = product.kind === 'stream' && product.basis === 'session' && !product.perRequest;
  return Object.assign(base(), { llm: false, freeTier: true, chargeFailed: product.chargeFailed, session, capMs: product.maxSessionMs ?? -1, incrementMs: product.incrementMs, minimumMs: product.minimumMs, perRequest: product.perRequest, bandAbove: -1, regionalPricing: false, items, unpriced });
}

function resolve(card: RateCard, index: number, kind: UsageKind, model: string | undefined): Resolution {
  if (index === -1) return { reason: `no version of card ${card.name} is in force at that time (first: ${card.versions[0]!.label})` };
  const version = card.versions[index]!;
  const found = findProduct(version, kind, model);
  if (found) return { product: found };
  const offers = version.products.some((p) => p.kind === kind);
  return {
    reason: !offers
      ? `card ${card.name} has no ${kind} product`
      : model === undefined
        ? `the record names no model and card ${card.name} has no default ${kind} model`
        : `card ${card.name} (version ${version.label}) does not price ${kind} model "${model}"`,
  };
}

function cutOf(plan: RatePlan): Cut {
  if (plan.type === 'flat' || plan.period === 'none') return Cut.None;
  return plan.period === 'day' ? Cut.Day : Cut.Month;
}
