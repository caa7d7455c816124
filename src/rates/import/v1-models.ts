import { Decimal } from '../../util/decimal.js';
import { MAX_YEAR, MIN_YEAR, type TimeZone } from '../../util/time.js';

const FIRST_MS = Date.UTC(MIN_YEAR, 0, 1);
const END_MS = Date.UTC(MAX_YEAR + 1, 0, 1);
import { FeedReader, type Feed, type FeedModel, type FeedPrices } from './feed.js';

const PER_MILLION = new Decimal(1_000_000);
/** The gateway's price names, by the card's token class. */
const CLASSES = [
  ['input', 'prompt'],
  ['output', 'completions'],
  ['cache_read', 'input_cache_read'],
  ['cache_write', 'input_cache_write'],
  ['cache_write_1h', 'input_cache_write_1h'],
] as const;
const KNOWN_PRICE_KEYS = new Set<string>(CLASSES.map(([, key]) => key));

/**
 * An AssemblyAI LLM Gateway `GET /v1/models` response: `{ data: [{ id, pricing: { global: { prompt,
 * completions, input_cache_read, input_cache_write, input_cache_write_1h }, us?, eu?,
 * regional_increase_percent? }, retirement_date (Unix seconds, 0: none), available_regions }] }`,
 * prices in USD per 1M tokens.
 */
export function readV1Models(reader: FeedReader, zone: TimeZone): Feed {
  const root = reader.doc.value;
  const list = Array.isArray(root) ? root : reader.object(root, [], 'a GET /v1/models response: { "data": [...] }').data;
  if (!Array.isArray(list)) reader.fail(['data'], 'is not a list of models (a GET /v1/models response has "data": [...])');
  const at = (i: number, ...rest: PropertyKey[]) => (Array.isArray(root) ? [i, ...rest] : ['data', i, ...rest]);
  const models: FeedModel[] = [];
  const skipped: Feed['skipped'] = [];
  list.forEach((item, i) => {
    const model = reader.object(item, at(i), 'a model');
    if (typeof model.id !== 'string' || model.id === '') reader.fail(at(i, 'id'), 'is not a model id');
    const pricing = model.pricing === undefined || model.pricing === null ? undefined : reader.object(model.pricing, at(i, 'pricing'), 'the model\'s prices');
    if (pricing?.global === undefined) {
      skipped.push({ id: model.id, why: 'no global price in the feed' });
      return;
    }
    const tier = (name: string): FeedPrices | undefined => {
      if (pricing[name] === undefined || pricing[name] === null) return undefined;
      const t = reader.object(pricing[name], at(i, 'pricing', name), `the ${name} prices`);
      const price = (key: string) => reader.number(t[key], at(i, 'pricing', name, key))?.dividedBy(PER_MILLION);
      const input = price('prompt') ?? reader.fail(at(i, 'pricing', name, 'prompt'), 'is missing (the input price)');
      const output = price('completions') ?? reader.fail(at(i, 'pricing', name, 'completions'), 'is missing (the output price)');
      return { input, output, cache_read: price('input_cache_read'), cache_write: price('input_cache_write'), cache_write_1h: price('input_cache_write_1h') };
    };
    const global = tier('global')!;
    const unheld: string[] = [];
    const extra = Object.keys(reader.object(pricing.global, at(i, 'pricing', 'global'), 'the global prices')).filter((k) => !KNOWN_PRICE_KEYS.has(k));
    if (extra.length > 0) unheld.push(`global prices the card has no class for: ${extra.sort().join(', ')}`);
    const regions = new Map<'us' | 'eu', Decimal>();
    const percent = reader.number(pricing.regional_increase_percent, at(i, 'pricing', 'regional_increase_percent'));
    for (const region of ['us', 'eu'] as const) {
      const own = tier(region);
      if (own === undefined) continue;
      // Each class priced in the region: the increase it implies over global; the card holds one per region.
      const increases = new Set<string>();
      for (const [name] of CLASSES) {
        const base = global[name];
        const there = own[name];
        if (base === undefined || there === undefined || base.isZero()) continue;
        increases.add(there.dividedBy(base).minus(1).toString());
      }
      if (increases.size === 1) regions.set(region, new Decimal([...increases][0]!));
      else if (increases.size > 1) unheld.push(`${region} prices that are not one increase over global (${[...increases].map((f) => `${new Decimal(f).times(100).toString()}%`).join(', ')})`);
    }
    if (percent !== undefined && regions.size === 0 && !percent.isZero()) unheld.push(`regional_increase_percent ${percent.toString()} without us or eu prices to say which region`);
    const seconds = reader.number(model.retirement_date, at(i, 'retirement_date'));
    if (seconds !== undefined && !seconds.isInteger()) reader.fail(at(i, 'retirement_date'), 'is not whole Unix seconds');
    const ms = seconds === undefined || seconds.isZero() ? undefined : seconds.times(1000);
    // Range-checked before it is a date: milliseconds, or a typo, would be a year past any card's.
    if (ms !== undefined && (ms.lessThan(FIRST_MS) || ms.greaterThanOrEqualTo(END_MS))) {
      reader.fail(at(i, 'retirement_date'), `${seconds!.toString()} is not Unix seconds of a date from year ${MIN_YEAR} to ${MAX_YEAR} (milliseconds?)`);
    }
    const retired = ms === undefined ? undefined : zone.dayKey(ms.toNumber());
    models.push({ id: model.id, prices: global, regions, retired, unheld });
  });
  return { models, skipped };
}
