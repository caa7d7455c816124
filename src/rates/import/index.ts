import { basename, dirname, resolve } from 'node:path';
import { Decimal, formatExact } from '../../util/decimal.js';
import { UsageError } from '../../util/errors.js';
import { MAX_YEAR, MIN_YEAR, readDay, TimeZone } from '../../util/time.js';
import type { RateCard } from '../card.js';
import { readSourceDocument } from '../document.js';
import { loadCard, loadCardLayers } from '../load.js';
import type { CardLayer } from '../merge.js';
import type { RawProduct } from '../schema.js';
import { FeedReader, type Feed, type FeedModel } from './feed.js';
import { readLiteLlm } from './litellm.js';
import { readV1Models } from './v1-models.js';
import { writeCard } from './write.js';

export type FeedFormat = 'v1-models' | 'litellm';

/** What `rates import` reads and where the card goes. */
export interface ImportOptions {
  feed: string;
  from: FeedFormat;
  /** The card to add a version to (built-in name or file); undefined: a new card. */
  card: string | undefined;
  /** The new version's `effective_from` (YYYY-MM-DD). */
  effective: string;
  /** The LLM product the prices go to (default: the card's only one). */
  product: string | undefined;
  /** Only these feed ids (undefined: every model the feed prices by tokens). */
  only: readonly string[] | undefined;
  /** LiteLLM: only models of this `litellm_provider`. */
  provider: string | undefined;
  /** The name of a new card (default `imported`). */
  name: string | undefined;
  /** Where the card file will be written (its folder resolves `extends`); undefined: standard output. */
  out: string | undefined;
  format: 'yaml' | 'json';
}

/** A model's line in the import's report. */
export interface ImportedModel {
  model: string;
  /** The feed's id, where the card names the model otherwise (an alias). */
  feedId: string;
  status: 'new' | 'changed' | 'unchanged';
}

/** The new card file, validated by the card loader, and what the import did. */
export interface ImportResult {
  text: string;
  card: RateCard;
  product: string;
  models: ImportedModel[];
  /** Region increases and retirements the version sets. */
  settings: string[];
  /** Card models the feed does not list: kept as they were. */
  notInFeed: string[];
  /** What the feed says that the card cannot hold, one line each. */
  unheld: string[];
  skipped: Feed['skipped'];
  /** False when nothing changed: no version is written. */
  changed: boolean;
}

type RawTokenPrice = Record<string, unknown> & { context_band?: { above: string | number; input: string | number; output: string | number } };
const CLASSES = ['input', 'output', 'cache_read', 'cache_write', 'cache_write_1h', 'reasoning'] as const;
const UNITS: Record<string, number> = { '1M tokens': 1_000_000, '1K tokens': 1000, token: 1 };

/** Reads a saved price feed and writes a new dated version of a card (or a new card) with its token prices. */
export function importFeed(options: ImportOptions): ImportResult {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(options.effective)) throw new UsageError(`--effective "${options.effective}" is not a date YYYY-MM-DD`);
  if (Number.isNaN(readDay(options.effective))) throw new UsageError(`--effective "${options.effective}" is not a date that exists (check the month and the day, and a year from ${MIN_YEAR} to ${MAX_YEAR})`);
  const base = options.card === undefined ? undefined : loadCardLayers(options.card);
  const last: CardLayer | undefined = base?.layers.at(-1);
  const zone = TimeZone.of(last?.timezone ?? 'UTC');
  if (last?.effective_from !== undefined && options.effective <= last.effective_from) {
    throw new UsageError(`--effective ${options.effective} is not after the card's latest version (${last.effective_from}): a new version starts after it`);
  }
  const reader = new FeedReader(readSourceDocument(options.feed));
  const feed = options.from === 'v1-models' ? readV1Models(reader, zone) : readLiteLlm(reader, options.provider);
  const only = options.only === undefined ? undefined : new Set(options.only);
  const wanted = only === undefined ? feed.models : feed.models.filter((m) => only.has(m.id));
  if (only !== undefined) for (const id of only) if (!feed.models.some((m) => m.id === id)) throw new UsageError(`--only ${id}: the feed ${options.feed} has no token-priced model of that id`);

  const products = (last?.products ?? []).filter((p) => p.kind === 'llm');
  const existing = options.product === undefined ? (products.length === 1 ? products[0] : undefined) : products.find((p) => p.id === options.product);
  if (options.product === undefined && products.length > 1) throw new UsageError(`the card has ${products.length} LLM products (${products.map((p) => p.id).join(', ')}): name one with --product`);
  if (options.product !== undefined && existing === undefined && last !== undefined && last.products?.some((p) => p.id === options.product)) throw new UsageError(`--product ${options.product} is not an LLM product of the card`);
  const productId = existing?.id ?? options.product ?? (options.from === 'v1-models' ? 'llm-gateway' : 'llm');
  const unit = existing?.unit ?? '1M tokens';
  const perUnit = new Decimal(UNITS[unit] ?? 1_000_000);

  const result = { models: [] as ImportedModel[], settings: [] as string[], unheld: [] as string[] };
  const models: Record<string, RawTokenPrice> = {};
  const retired: Record<string, string> = {};
  const names = new Map<string, string>();
  for (const m of wanted) {
    const name = existing?.aliases?.[m.id] ?? m.id;
    if (typeof name !== 'string') continue;
    names.set(m.id, name);
    const before = existing?.models?.[name] as RawTokenPrice | null | undefined;
    const after = priced(m, perUnit, before ?? undefined);
    const status = before === undefined || before === null ? 'new' : samePrice(before, after) ? 'unchanged' : 'changed';
    result.models.push({ model: name, feedId: m.id, status });
    if (status !== 'unchanged') models[name] = after;
    for (const line of m.unheld) result.unheld.push(`${m.id}: ${line}`);
    if (m.retired !== undefined && existing?.retired?.[name] !== m.retired) {
      retired[name] = m.retired;
      result.settings.push(`${name} retired from ${m.retired}`);
    }
  }
  const regional = regionalIncrease(wanted, existing, result);
  const notInFeed = Object.keys(existing?.models ?? {}).filter((model) => existing?.models?.[model] !== null && ![...names.values()].includes(model)).sort();
  const changed = Object.keys(models).length + Object.keys(retired).length + Object.keys(regional).length > 0;

  const product: RawProduct = {
    id: productId,
    ...(existing === undefined ? { kind: 'llm' as const, unit: unit as RawProduct['unit'] } : {}),
    ...(Object.keys(models).length > 0 ? { models: models as RawProduct['models'] } : {}),
    ...(Object.keys(regional).length > 0 ? { regional_increase: regional } : {}),
    ...(Object.keys(retired).length > 0 ? { retired } : {}),
  };
  const source = `imported from ${basename(options.feed)} (${options.from === 'v1-models' ? 'LLM Gateway GET /v1/models' : 'LiteLLM price map'}) by tallyman rates import`;
  const version = { effective_from: options.effective, source, products: [product] };
  const outPath = resolve(options.out ?? `imported.${options.format}`);
  const text = writeCard({ card: options.card, raw: base?.raw, version, name: options.name, format: options.format });
  const card = loadCard(outPath, dirname(outPath), undefined, text);
  return { text, card, product: productId, ...result, notInFeed, skipped: feed.skipped, changed };
}

/** The model's card price: the feed's classes in the card's unit; a class the feed does not give is kept from the card and said. */
function priced(m: FeedModel, perUnit: Decimal, before: RawTokenPrice | undefined): RawTokenPrice {
  const price: RawTokenPrice = {};
  for (const name of CLASSES) {
    const value = m.prices[name];
    if (value !== undefined) price[name] = formatExact(value.times(perUnit));
    else if (before?.[name] !== undefined) price[name] = before[name];
  }
  const band = m.prices.contextBand;
  if (band !== undefined) price.context_band = { above: String(band.above), input: formatExact(band.input.times(perUnit)), output: formatExact(band.output.times(perUnit)) };
  else if (before?.context_band !== undefined) price.context_band = before.context_band;
  return price;
}

function samePrice(a: RawTokenPrice, b: RawTokenPrice): boolean {
  const eq = (x: unknown, y: unknown) => (x === undefined || y === undefined ? x === y : new Decimal(String(x)).equals(new Decimal(String(y))));
  const bandA = a.context_band;
  const bandB = b.context_band;
  const bands = bandA === undefined || bandB === undefined ? bandA === bandB : eq(bandA.above, bandB.above) && eq(bandA.input, bandB.input) && eq(bandA.output, bandB.output);
  return CLASSES.every((c) => eq(a[c], b[c])) && bands;
}

/**
 * The product's increase per region, where the imported models agree on it and it differs from the
 * card's; models that disagree are said (a card holds one increase per region and product).
 */
function regionalIncrease(models: readonly FeedModel[], existing: RawProduct | undefined, result: { settings: string[]; unheld: string[] }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const region of ['us', 'eu'] as const) {
    const seen = new Map<string, string[]>();
    for (const m of models) {
      const f = m.regions.get(region);
      if (f !== undefined) seen.set(f.toString(), [...(seen.get(f.toString()) ?? []), m.id]);
    }
    if (seen.size === 0) continue;
    const percent = (fraction: string) => `${formatExact(new Decimal(fraction).times(100))}%`;
    if (seen.size > 1) {
      result.unheld.push(`${region} prices: the models differ (${[...seen].map(([f, ids]) => `${percent(f)} for ${ids.join(', ')}`).join('; ')}), and a card holds one increase per region: left as it was`);
      continue;
    }
    const fraction = new Decimal([...seen.keys()][0]!);
    if (fraction.isNegative() || fraction.greaterThan(1)) {
      result.unheld.push(`${region} prices are ${percent(fraction.toString())} over global: a card's regional increase is from 0% to 100%: left as it was`);
      continue;
    }
    const value = percent(fraction.toString());
    const current = existing?.regional_increase?.[region];
    if (current === null || current === undefined || !new Decimal(current.slice(0, -1)).equals(new Decimal(value.slice(0, -1)))) {
      out[region] = value;
      result.settings.push(`${region} requests ${value} over global`);
    }
  }
  return out;
}
