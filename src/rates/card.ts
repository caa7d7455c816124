import type { UsageKind } from '../ingest/record.js';
import type { Decimal, RoundingMode } from '../util/decimal.js';
import type { TimeZone } from '../util/time.js';

/** One row of a tier table; `upTo` is exclusive, in the product's unit; null is the open last tier. */
export interface Tier {
  upTo: Decimal | null;
  /** `upTo` in base units (ms or tokens), an exact integer. */
  upToBase: number | null;
  price: Decimal;
  /** Charged once per period in which the tier is reached (null: none). */
  flat: Decimal | null;
}

/** A period's total in whole packages: `size` and `free` in base units, `price` per package. */
export interface PackagePlan {
  type: 'package';
  period: 'day' | 'month' | 'none';
  size: number;
  free: number;
  /** `size` and `free` as the card gives them, in the product's unit. */
  sizeUnits: Decimal;
  freeUnits: Decimal;
  price: Decimal;
}

/** How a duration is priced: one rate, a tier table reset every period, or whole packages of a period's total. */
export type RatePlan =
  | { type: 'flat'; rate: Decimal }
  | { type: 'tiered'; mode: 'volume' | 'graduated'; period: 'day' | 'month' | 'none'; tiers: Tier[] }
  | PackagePlan;

/** Free units of a product each period (base units), for the models it covers (all when undefined). */
export interface FreeQuota {
  quantity: number;
  period: 'day' | 'month';
  models: readonly string[] | undefined;
}

/** A prepaid quantity (base units) usable from day `start` until day `expiry` (YYYY-MM-DD, expiry exclusive). */
export interface Pack {
  id: string;
  quantity: number;
  start: string;
  expiry: string;
  models: readonly string[] | undefined;
}

/** The LLM token classes besides input and output, each with the class a card without its price bills it as. */
export const TOKEN_CLASSES = [
  { name: 'cache_read', base: 'input' },
  { name: 'cache_write', base: 'input' },
  { name: 'cache_write_1h', base: 'input' },
  { name: 'reasoning', base: 'output' },
] as const;
export type TokenClass = (typeof TOKEN_CLASSES)[number]['name'];

/** Token prices per unit of tokens: input and output, and the other classes where the card prices them. */
export interface TokenPrice {
  input: Decimal;
  output: Decimal;
  cache_read?: Decimal | undefined;
  cache_write?: Decimal | undefined;
  cache_write_1h?: Decimal | undefined;
  reasoning?: Decimal | undefined;
  /** Long-context prices: a request whose input passes `above` tokens pays these for its input and output. */
  contextBand?: { above: number; input: Decimal; output: Decimal } | undefined;
}

/** A token component's class: input, output, another class, or input and output of a long-context request. */
export type TokenBase = 'input' | 'output' | TokenClass | 'input:long' | 'output:long';
/** A token component: its class, and `@us` or `@eu` for a request routed in a region that costs more. */
export type TokenComponent = TokenBase | `${TokenBase}@${'us' | 'eu'}`;

/** A token component's class and region (undefined: list price). */
export function splitTokenComponent(component: TokenComponent): { base: TokenBase; region: 'us' | 'eu' | undefined } {
  const at = component.indexOf('@');
  return at < 0 ? { base: component as TokenBase, region: undefined } : { base: component.slice(0, at) as TokenBase, region: component.slice(at + 1) as 'us' | 'eu' };
}

/**
 * The price of a token component of `model`: its class's own, or (`atBase`) the input or output
 * price when the card has none; raised by the product's regional increase for a regional request.
 */
export function tokenRate(product: TokenProduct, model: string, component: TokenComponent): { rate: Decimal; atBase: boolean } {
  const price = product.models.get(model)!;
  const { base, region } = splitTokenComponent(component);
  const raise = (rate: Decimal): Decimal => (region === undefined ? rate : rate.times(product.regionalIncrease.get(region)!.plus(1)));
  if (base === 'input' || base === 'output') return { rate: raise(price[base]), atBase: false };
  if (base === 'input:long' || base === 'output:long') return { rate: raise(price.contextBand![base === 'input:long' ? 'input' : 'output']), atBase: false };
  const own = price[base];
  if (own !== undefined) return { rate: raise(own), atBase: false };
  const fallback = TOKEN_CLASSES.find((c) => c.name === base)!.base;
  return { rate: raise(price[fallback]), atBase: true };
}

interface ProductBase {
  id: string;
  /** The unit prices are quoted in (`hour`, `1M tokens`, ...). */
  unit: string;
  /** Base units (ms or tokens) in one priced unit. */
  perUnit: number;
  defaultModel: string | undefined;
  aliases: ReadonlyMap<string, string>;
  /** Models retired by the provider: the date (YYYY-MM-DD, in the card's zone) from which their use is refused. */
  retired: ReadonlyMap<string, string>;
}

/** A product priced on seconds of audio or session time. */
export interface DurationProduct extends ProductBase {
  kind: 'transcript' | 'stream';
  basis: 'audio' | 'session';
  channels: 'multiply' | 'ignore';
  addonChannels: 'multiply' | 'ignore';
  chargeFailed: boolean;
  incrementMs: number;
  /** Billable ms per request at least (0: none), before the increment. */
  minimumMs: number;
  /** Priced per request (`unit: request`): each billed record is one unit, whatever its duration. */
  perRequest: boolean;
  maxSessionMs: number | undefined;
  /** Free units each period, used first (undefined: none, or an opt-in quota the card does not apply). */
  freeQuota: FreeQuota | undefined;
  /** Prepaid packs, used after the free quota, the one expiring first first. */
  packs: readonly Pack[];
  models: ReadonlyMap<string, RatePlan>;
  addons: ReadonlyMap<string, RatePlan>;
  /** Add-on prices of one model that replace the product's (keyterms free on one model). */
  modelAddons: ReadonlyMap<string, ReadonlyMap<string, RatePlan>>;
}

/** The rate plan of a duration component of `model`: its own price, or an add-on's (the model's own add-on price first). */
export function ratePlanOf(product: DurationProduct, model: string, component: string): RatePlan | undefined {
  if (component === 'usage') return product.models.get(model);
  const addon = component.startsWith('addon:') ? component.slice(6) : component;
  return product.modelAddons.get(model)?.get(addon) ?? product.addons.get(addon);
}

/** A product priced on tokens. */
export interface TokenProduct extends ProductBase {
  kind: 'llm';
  /** False when the free tier may not use it (AssemblyAI's LLM gateway). */
  freeTier: boolean;
  /** What a request routed in a region costs above the list price, as a fraction (0.10 for 10 %). */
  regionalIncrease: ReadonlyMap<string, Decimal>;
  models: ReadonlyMap<string, TokenPrice>;
}

export type Product = DurationProduct | TokenProduct;

/** How a limit scales with use: fractions (0.10 for 10 %) and the account tiers it scales on. */
export interface AutoScale {
  tiers: readonly ('free' | 'paid')[];
  rise: Decimal;
  riseAt: Decimal;
  decayBelow: Decimal;
}

/** Published traffic and account limits. */
export interface Limits {
  requestsPer5Minutes: number | undefined;
  concurrency: { free: number; paid: number } | undefined;
  newStreamsPerMinute: { free: number; paid: number; autoScale?: AutoScale | undefined } | undefined;
  /** LLM gateway requests per minute per model. */
  llmRequestsPerMinute: number | undefined;
  freeCredits: Decimal | undefined;
}

/** One version of a card's prices, in force from `effectiveFrom` until the next version. */
export interface CardVersion {
  /** The `effective_from` date, or `base` for a card without one. */
  label: string;
  /** Instant the version starts (start of its date in the card's zone); undefined: since always. */
  effectiveFrom: number | undefined;
  /** First 12 hex digits of the SHA-256 of the version's resolved content. */
  hash: string;
  source: string | undefined;
  products: readonly Product[];
  limits: Limits;
}

/** A resolved, validated rate card with its price history, oldest version first. */
export interface RateCard {
  name: string;
  description: string | undefined;
  /** Who bills (FOCUS ProviderName). */
  provider: string;
  /** `built-in` or the file it was read from. */
  origin: string;
  currency: string;
  timezone: TimeZone;
  rounding: { scale: number; mode: RoundingMode };
  /** Credits one USD buys (a card priced in credits): what an automatic top-up of some USD adds. */
  creditsPerUsd: Decimal | undefined;
  versions: readonly CardVersion[];
}

/** The version in force at an instant; an undated record gets the latest. Undefined before the first. */
export function versionAt(card: RateCard, at: number | undefined): CardVersion | undefined {
  if (at === undefined) return card.versions[card.versions.length - 1];
  let found: CardVersion | undefined;
  for (const version of card.versions) {
    if (version.effectiveFrom === undefined || version.effectiveFrom <= at) found = version;
  }
  return found;
}

/** A product of the given kind that prices `model` (through an alias too), with the model's card name. */
export function findProduct(
  version: CardVersion,
  kind: UsageKind,
  model: string | undefined,
): { product: Product; model: string } | undefined {
  const candidates = version.products.filter((p) => p.kind === kind);
  for (const product of candidates) {
    const name = model === undefined ? product.defaultModel : model;
    if (name === undefined) continue;
    const resolved = product.aliases.get(name) ?? name;
    if (product.models.has(resolved)) return { product, model: resolved };
  }
  return undefined;
}
