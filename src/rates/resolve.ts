import { createHash } from 'node:crypto';
import { Decimal, parseDecimal, type RoundingMode } from '../util/decimal.js';
import { CardError, UsageError } from '../util/errors.js';
import { TimeZone } from '../util/time.js';
import type { AutoScale, CardVersion, DurationProduct, Limits, Product, RatePlan, RateCard, TokenPrice, TokenProduct } from './card.js';
import type { CardLayer } from './merge.js';
import { DURATION_ONLY, notForLlm } from './duration-only.js';
import type { RawProduct } from './schema.js';

const MS_PER_UNIT: Record<string, number> = { hour: 3_600_000, minute: 60_000, second: 1000, request: 1 };
const TOKENS_PER_UNIT: Record<string, number> = { '1M tokens': 1_000_000, '1K tokens': 1000, token: 1 };

type Problem = { path: string; message: string };

/** Decimals an amount is rounded to at most (a ledger keeps 12). */
const MAX_SCALE = 12;
/** An increment of at most a day, a maximum session of at most a week: anything more is a typo. */
const MAX_DAY_SECONDS = 86_400;
const MAX_SESSION_SECONDS = 604_800;

/** Turns the merged layers of a card's history into a validated RateCard; incomplete products are CardErrors. */
export function resolveCard(name: string, origin: string, layers: readonly CardLayer[], description?: string): RateCard {
  const problems: Problem[] = [];
  const first = layers[0]!;
  const last = layers[layers.length - 1]!;
  const timezoneName = last.timezone ?? 'UTC';
  let timezone: TimeZone;
  try {
    timezone = TimeZone.of(timezoneName);
  } catch (error) {
    throw new CardError(origin, [{ path: 'timezone', message: (error as UsageError).message }]);
  }
  const currency = last.currency ?? 'USD';
  const rounding = {
    scale: Number(last.rounding?.scale ?? 2),
    mode: (last.rounding?.mode ?? 'half-up') as RoundingMode,
  };
  if (rounding.scale > MAX_SCALE) problems.push({ path: 'rounding.scale', message: `must be at most ${MAX_SCALE} decimals` });
  const versions: CardVersion[] = layers.map((layer, index) => {
    const at = (path: string): string => (layers.length > 1 ? `version ${layer.effective_from ?? index}: ${path}` : path);
    const context: ProductContext = { cardDiscount: layer.discount, useFreeQuota: layer.use_free_quota === true };
    const products = (layer.products ?? []).map((p, i) => resolveProduct(p, context, `products[${i}]`, at, problems));
    if (products.length === 0) problems.push({ path: at('products'), message: 'the card prices no product' });
    checkProducts(products, at, problems);
    const effectiveFrom = layer.effective_from === undefined ? undefined : timezone.startOfDay(layer.effective_from);
    return {
      label: layer.effective_from ?? 'base',
      effectiveFrom,
      hash: hashLayer({ name, currency, timezone: timezoneName, rounding, layer: pricesOf(layer) }),
      source: layer.source,
      products,
      limits: resolveLimits(layer),
    };
  });
  for (let i = 1; i < versions.length; i++) {
    const [before, after] = [versions[i - 1]!, versions[i]!];
    if (after.effectiveFrom === undefined || (before.effectiveFrom !== undefined && after.effectiveFrom <= before.effectiveFrom)) {
      problems.push({ path: `versions[${i - 1}].effective_from`, message: 'versions must be in date order, each after the one before' });
    }
  }
  if (problems.length > 0) throw new CardError(origin, sayOnce(problems));
  const creditsPerUsd = last.credits_per_usd === undefined ? undefined : money(last.credits_per_usd);
  return { name, description: description ?? first.description ?? last.description, provider: last.provider ?? name, origin, currency, timezone, rounding, creditsPerUsd, versions };
}

const VERSION_PREFIX = /^version ([^:]+): /;

/**
 * A problem that later versions repeat (an extending card's product override is merged into each
 * version of the card it extends) is said once, for the first version, with how many repeat it.
 */
function sayOnce(problems: readonly Problem[]): Problem[] {
  const first = new Map<string, { problem: Problem; repeats: number }>();
  for (const problem of problems) {
    const key = `${problem.path.replace(VERSION_PREFIX, '')}\n${problem.message}`;
    const seen = first.get(key);
    if (seen) seen.repeats++;
    else first.set(key, { problem, repeats: 0 });
  }
  return [...first.values()].map(({ problem, repeats }) =>
    repeats === 0 ? problem : { ...problem, path: problem.path.replace(VERSION_PREFIX, `version $1 (and ${repeats} later): `) });
}

/** What a product's prices depend on beyond the product: the card's discount, whether opt-in quotas apply. */
interface ProductContext {
  cardDiscount: string | undefined;
  useFreeQuota: boolean;
}

function resolveProduct(raw: RawProduct, context: ProductContext, path: string, at: (p: string) => string, problems: Problem[]): Product {
  const { cardDiscount } = context;
  const where = (suffix: string): string => at(`${path}${suffix}`);
  if (raw.kind === undefined) problems.push({ path: where('.kind'), message: `product "${raw.id}" needs a kind (transcript, stream or llm)` });
  const kind = raw.kind ?? 'transcript';
  const discount = factor(raw.discount ?? cardDiscount);
  const aliases = new Map(Object.entries(raw.aliases ?? {}).filter((e): e is [string, string] => e[1] !== null));
  const models = Object.entries(raw.models ?? {}).filter(([, v]) => v !== null);
  if (models.length === 0) problems.push({ path: where('.models'), message: `product "${raw.id}" prices no model` });
  for (const [alias, target] of aliases) {
    if (!models.some(([m]) => m === target)) problems.push({ path: where(`.aliases.${alias}`), message: `points to "${target}", which this product does not price` });
  }
  const retired = new Map(Object.entries(raw.retired ?? {}).filter((e): e is [string, string] => e[1] !== null));
  for (const model of retired.keys()) {
    if (!models.some(([m]) => m === model)) problems.push({ path: where(`.retired.${model}`), message: `"${model}" is not a model of this product (name the model as priced, not an alias)` });
  }
  if (raw.default_model !== undefined && !models.some(([m]) => m === (aliases.get(raw.default_model!) ?? raw.default_model))) {
    problems.push({ path: where('.default_model'), message: `"${raw.default_model}" is not a model of this product` });
  }

  if (kind === 'llm') {
    // A kind inherited through `extends` (the schema checks a kind written beside the fields).
    for (const field of DURATION_ONLY) {
      if (raw[field] !== undefined) problems.push({ path: where(`.${field}`), message: notForLlm(field) });
    }
    const unit = raw.unit ?? '1M tokens';
    const perUnit = TOKENS_PER_UNIT[unit];
    if (perUnit === undefined) problems.push({ path: where('.unit'), message: `"${unit}" is not a token unit (1M tokens, 1K tokens, token)` });
    const prices = new Map<string, TokenPrice>();
    for (const [model, price] of models) {
      if (typeof price !== 'object' || price === null || !('input' in price)) {
        problems.push({ path: where(`.models.${model}`), message: 'an llm model needs { input, output } prices' });
        continue;
      }
      const optional = (value: string | number | undefined): Decimal | undefined => (value === undefined ? undefined : money(value).times(discount));
      prices.set(model, {
        input: money(price.input).times(discount), output: money(price.output).times(discount),
        cache_read: optional(price.cache_read), cache_write: optional(price.cache_write), cache_write_1h: optional(price.cache_write_1h), reasoning: optional(price.reasoning),
        contextBand: price.context_band === undefined ? undefined : { above: Number(price.context_band.above), input: money(price.context_band.input).times(discount), output: money(price.context_band.output).times(discount) },
      });
    }
    const product: TokenProduct = {
      id: raw.id, kind, unit, perUnit: perUnit ?? 1, defaultModel: raw.default_model, aliases, retired,
      freeTier: raw.free_tier ?? true, models: prices,
      regionalIncrease: new Map(Object.entries(raw.regional_increase ?? {}).filter((e): e is [string, string] => e[1] !== null).map(([region, percent]) => [region, new Decimal(percent.slice(0, -1)).dividedBy(100)])),
    };
    return product;
  }

  const unit = raw.unit ?? 'hour';
  const perUnit = MS_PER_UNIT[unit];
  if (perUnit === undefined) problems.push({ path: where('.unit'), message: `"${unit}" is not a unit of a duration product (hour, minute, second, request)` });
  const perRequest = unit === 'request';
  const baseName = perRequest ? 'requests' : 'milliseconds';
  /** A quantity in the product's unit as whole base units (ms or requests), or a problem at `p`. */
  const base = (value: Decimal, p: string): number => {
    const exact = value.times(perUnit ?? 1);
    if (!exact.isInteger()) problems.push({ path: where(p), message: `must be a whole number of ${baseName}` });
    else if (exact.greaterThan(Number.MAX_SAFE_INTEGER)) problems.push({ path: where(p), message: 'is past 2^53 base units, past exact arithmetic' });
    return exact.floor().toNumber();
  };
  const plan = (value: unknown, p: string): RatePlan | undefined => {
    if (typeof value === 'string' || typeof value === 'number') return { type: 'flat', rate: money(value).times(discount) };
    if (typeof value === 'object' && value !== null && 'tiers' in value) {
      const t = (value as { tiers: { mode: 'volume' | 'graduated'; period: 'day' | 'month' | 'none'; table: { up_to: string | number | null; price: string | number; flat?: string | number | undefined }[] } }).tiers;
      const tiers = t.table.map((row, i) => {
        const upTo = row.up_to === null ? null : money(row.up_to);
        const upToBase = upTo === null ? null : base(upTo, `${p}.tiers.table[${i}].up_to`);
        return { upTo, upToBase, price: money(row.price).times(discount), flat: row.flat === undefined ? null : money(row.flat).times(discount) };
      });
      return { type: 'tiered', mode: t.mode, period: t.period, tiers };
    }
    if (typeof value === 'object' && value !== null && 'package' in value) {
      const pk = (value as { package: { size: string | number; free?: string | number | undefined; price: string | number; period: 'day' | 'month' | 'none' } }).package;
      const sizeUnits = money(pk.size);
      const freeUnits = money(pk.free ?? '0');
      const size = base(sizeUnits, `${p}.package.size`);
      if (size === 0) problems.push({ path: where(`${p}.package.size`), message: `must be at least one of the product's base units (${baseName})` });
      return { type: 'package', period: pk.period, size: Math.max(size, 1), free: base(freeUnits, `${p}.package.free`), sizeUnits, freeUnits, price: money(pk.price).times(discount) };
    }
    problems.push({ path: where(p), message: 'a duration price is a decimal string or { tiers }, not { input, output }' });
    return undefined;
  };
  const modelPlans = new Map<string, RatePlan>();
  for (const [model, value] of models) {
    const p = plan(value, `.models.${model}`);
    if (p) modelPlans.set(model, p);
  }
  const addonPlans = new Map<string, RatePlan>();
  for (const [addon, value] of Object.entries(raw.addons ?? {})) {
    const p = value === null ? undefined : plan(value, `.addons.${addon}`);
    if (p) addonPlans.set(addon, p);
  }
  const modelAddons = new Map<string, Map<string, RatePlan>>();
  for (const [model, addons] of Object.entries(raw.model_addons ?? {})) {
    if (!models.some(([m]) => m === model)) problems.push({ path: where(`.model_addons.${model}`), message: `"${model}" is not a model of this product` });
    const plans = new Map<string, RatePlan>();
    for (const [addon, value] of Object.entries(addons)) {
      const p = plan(value, `.model_addons.${model}.${addon}`);
      if (p) plans.set(addon, p);
    }
    modelAddons.set(model, plans);
  }
  if (raw.max_session !== undefined && Number(raw.max_session) <= 0) problems.push({ path: where('.max_session'), message: 'must be more than 0 seconds (0 would make every session free)' });
  if (raw.increment !== undefined && Number(raw.increment) <= 0) problems.push({ path: where('.increment'), message: 'must be more than 0 seconds' });
  if (raw.increment !== undefined && Number(raw.increment) > MAX_DAY_SECONDS) problems.push({ path: where('.increment'), message: `must be at most ${MAX_DAY_SECONDS} seconds (a day)` });
  if (raw.max_session !== undefined && Number(raw.max_session) > MAX_SESSION_SECONDS) problems.push({ path: where('.max_session'), message: `must be at most ${MAX_SESSION_SECONDS} seconds (a week)` });
  if (raw.minimum !== undefined && Number(raw.minimum) > MAX_DAY_SECONDS) problems.push({ path: where('.minimum'), message: `must be at most ${MAX_DAY_SECONDS} seconds (a day)` });
  const coveredModels = (list: readonly string[] | undefined, p: string): readonly string[] | undefined => {
    list?.forEach((model, i) => {
      if (!models.some(([m]) => m === model)) problems.push({ path: where(`${p}.models[${i}]`), message: `"${model}" is not a model of this product` });
    });
    return list;
  };
  const quota = raw.free_quota;
  const freeQuota = quota === undefined || (quota.opt_in === true && !context.useFreeQuota)
    ? undefined
    : { quantity: base(money(quota.quantity), '.free_quota.quantity'), period: quota.period, models: coveredModels(quota.models, '.free_quota') };
  const packs = (raw.packs ?? []).map((pack, i) => {
    return { id: pack.id ?? `pack ${i + 1}`, quantity: base(money(pack.quantity), `.packs[${i}].quantity`), start: pack.start, expiry: pack.expiry, models: coveredModels(pack.models, `.packs[${i}]`) };
  });
  const basis = raw.basis ?? (kind === 'stream' ? 'session' : 'audio');
  const product: DurationProduct = {
    id: raw.id, kind, unit, perUnit: perUnit ?? 1, defaultModel: raw.default_model, aliases, retired,
    basis,
    channels: raw.channels ?? 'multiply',
    addonChannels: raw.addon_channels ?? 'ignore',
    chargeFailed: raw.charge_failed ?? false,
    incrementMs: Math.max(1, secondsToWholeMs(raw.increment ?? '1')),
    minimumMs: raw.minimum === undefined ? 0 : secondsToWholeMs(raw.minimum),
    perRequest,
    maxSessionMs: raw.max_session === undefined ? undefined : Number(raw.max_session) * 1000,
    freeQuota,
    packs,
    models: modelPlans,
    addons: addonPlans,
    modelAddons,
  };
  return product;
}

function resolveLimits(layer: CardLayer): Limits {
  const l = layer.limits;
  const pair = (v: { free: string | number; paid: string | number } | undefined) =>
    v === undefined ? undefined : { free: Number(v.free), paid: Number(v.paid) };
  return {
    requestsPer5Minutes: l?.requests_per_5_minutes === undefined ? undefined : Number(l.requests_per_5_minutes),
    concurrency: pair(l?.concurrency),
    newStreamsPerMinute: l?.new_streams_per_minute === undefined ? undefined : { ...pair(l.new_streams_per_minute)!, autoScale: autoScaleOf(l.new_streams_per_minute.auto_scale) },
    llmRequestsPerMinute: l?.llm_requests_per_minute === undefined ? undefined : Number(l.llm_requests_per_minute),
    freeCredits: l?.free_credits === undefined ? undefined : money(l.free_credits),
  };
}

/** A limit's `auto_scale` with its percentages as fractions. */
function autoScaleOf(raw: { tiers: ('free' | 'paid')[]; rise: string; rise_at: string; decay_below: string } | undefined): AutoScale | undefined {
  if (raw === undefined) return undefined;
  const fraction = (percent: string) => new Decimal(percent.slice(0, -1)).dividedBy(100);
  return { tiers: [...new Set(raw.tiers)], rise: fraction(raw.rise), riseAt: fraction(raw.rise_at), decayBelow: fraction(raw.decay_below) };
}

/** Products of one version: ids used once, and each model of a kind priced by one product only (else which price applies is unclear). */
function checkProducts(products: readonly Product[], at: (path: string) => string, problems: Problem[]): void {
  const ids = new Set<string>();
  const owner = new Map<string, string>();
  products.forEach((product, i) => {
    if (ids.has(product.id)) problems.push({ path: at(`products[${i}].id`), message: `"${product.id}" is the id of another product too; give each product its own id` });
    ids.add(product.id);
    for (const model of product.models.keys()) {
      const key = `${product.kind}\u0000${model}`;
      const other = owner.get(key);
      if (other !== undefined && other !== product.id) problems.push({ path: at(`products[${i}].models.${model}`), message: `${product.kind} model "${model}" is priced by product "${other}" too; price each model in one product` });
      else owner.set(key, product.id);
    }
  });
}

function money(value: string | number): Decimal {
  return parseDecimal(String(value)) ?? new Decimal(0);
}

function factor(discount: string | undefined): Decimal {
  if (discount === undefined) return new Decimal(1);
  return new Decimal(1).minus(new Decimal(discount.slice(0, -1)).dividedBy(100));
}

function secondsToWholeMs(value: string | number): number {
  return new Decimal(String(value)).times(1000).toNumber();
}

/**
 * What a version charges: the layer without its descriptions, sources, provider name, top-up
 * conversion and opt-in quotas it does not apply (they do not change a price on an invoice).
 */
function pricesOf(layer: CardLayer): unknown {
  const { description: _d, source: _s, provider: _p, credits_per_usd: _c, ...prices } = layer;
  // An opt-in quota the card does not apply charges nothing either way.
  const unapplied = (product: RawProduct): boolean => product.free_quota?.opt_in === true && layer.use_free_quota !== true;
  return { ...prices, products: prices.products?.map(({ description: _pd, ...product }) => (unapplied(product) ? { ...product, free_quota: undefined } : product)) };
}

/** A stable content hash: keys sorted, so the same prices always give the same hash. */
function hashLayer(content: unknown): string {
  return createHash('sha256').update(stableStringify(content)).digest('hex').slice(0, 12);
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(String(value));
}
