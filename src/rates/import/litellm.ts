import { readDay } from '../../util/time.js';
import { FeedReader, type Feed, type FeedModel } from './feed.js';

/** The map's per-token price keys, by the card's token class. */
const CLASSES = [
  ['input', 'input_cost_per_token'],
  ['output', 'output_cost_per_token'],
  ['cache_read', 'cache_read_input_token_cost'],
  ['cache_write', 'cache_creation_input_token_cost'],
  ['cache_write_1h', 'cache_creation_input_token_cost_above_1hr'],
  ['reasoning', 'output_cost_per_reasoning_token'],
] as const;
/** Modes priced by tokens in and out (the map's other modes price images, audio seconds, queries). */
const TOKEN_MODES = new Set(['chat', 'completion', 'responses']);
const BAND = /^(input|output)_cost_per_token_above_(\d+)k_tokens$/;
/** Price keys a card cannot hold (said per model when present and not zero). */
const COST_KEY = /cost|price/;

/**
 * A LiteLLM-style price map (`model_prices_and_context_window.json`): `{ "<model>": {
 * input_cost_per_token, output_cost_per_token, cache_read_input_token_cost,
 * cache_creation_input_token_cost, …, litellm_provider, mode, deprecation_date } }`, prices in USD
 * per token. `sample_spec` (the map's own documentation entry) is passed over; so is every model
 * of another mode than chat or completion, and, with `provider`, of another `litellm_provider`.
 */
export function readLiteLlm(reader: FeedReader, provider: string | undefined): Feed {
  const root = reader.object(reader.doc.value, [], 'a LiteLLM price map: { "<model>": { "input_cost_per_token": ... } }');
  const models: FeedModel[] = [];
  const skipped: Feed['skipped'] = [];
  for (const [id, value] of Object.entries(root)) {
    if (id === 'sample_spec') continue;
    const entry = reader.object(value, [id], 'a model\'s prices');
    if (provider !== undefined && entry.litellm_provider !== provider) continue;
    const mode = typeof entry.mode === 'string' ? entry.mode : 'chat';
    if (!TOKEN_MODES.has(mode)) {
      skipped.push({ id, why: `mode ${mode} is not priced by tokens in and out` });
      continue;
    }
    const price = (key: string) => reader.number(entry[key], [id, key]);
    const input = price('input_cost_per_token');
    const output = price('output_cost_per_token');
    if (input === undefined || output === undefined) {
      skipped.push({ id, why: `no ${input === undefined ? 'input_cost_per_token' : 'output_cost_per_token'}` });
      continue;
    }
    const prices: FeedModel['prices'] = { input, output };
    for (const [name, key] of CLASSES) if (name !== 'input' && name !== 'output') prices[name] = price(key);
    const held = new Set<string>(CLASSES.map(([, key]) => key));
    const bands = new Map<number, { input?: ReturnType<typeof price>; output?: ReturnType<typeof price> }>();
    for (const key of Object.keys(entry)) {
      const band = BAND.exec(key);
      if (!band) continue;
      const above = Number(band[2]) * 1000;
      bands.set(above, { ...bands.get(above), [band[1]!]: price(key) });
      held.add(key);
    }
    const unheld: string[] = [];
    const complete = [...bands].filter(([, b]) => b.input !== undefined && b.output !== undefined).sort(([a], [b]) => a - b);
    if (complete.length > 0) {
      const [above, band] = complete[0]!;
      prices.contextBand = { above, input: band.input!, output: band.output! };
      for (const [other] of complete.slice(1)) unheld.push(`a second context band above ${other} tokens (a card holds one)`);
    }
    for (const [above, band] of bands) if (band.input === undefined || band.output === undefined) unheld.push(`a context band above ${above} tokens with only its ${band.input === undefined ? 'output' : 'input'} price`);
    for (const key of Object.keys(entry).sort()) {
      if (held.has(key) || !COST_KEY.test(key)) continue;
      const v = entry[key];
      if (v === null || v === undefined || (typeof v === 'string' && /^0(\.0+)?$/.test(v))) continue;
      unheld.push(key);
    }
    let retired: string | undefined;
    if (typeof entry.deprecation_date === 'string') {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(entry.deprecation_date) || Number.isNaN(readDay(entry.deprecation_date))) reader.fail([id, 'deprecation_date'], `"${entry.deprecation_date}" is not a date YYYY-MM-DD`);
      retired = entry.deprecation_date;
    }
    models.push({ id, prices, regions: new Map(), retired, unheld });
  }
  return { models, skipped };
}
