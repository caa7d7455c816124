import { z } from 'zod';
import { DURATION_ONLY, notForLlm } from './duration-only.js';
import { readDay } from '../util/time.js';

/** A non-negative decimal price written as a string (numbers in a file are kept as their source text). */
const money = z.union([
  z.string().regex(/^\d+(\.\d+)?$/, 'must be a non-negative decimal such as "0.37"'),
  z.number().nonnegative(),
]);
/** A positive decimal written as a string, such as "60" or "12.5" (a top-up conversion: zero would buy nothing). */
const positiveDecimal = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'must be a positive decimal written as a string, such as "60"')
  .refine((text) => /[1-9]/.test(text), 'must be above 0');
const wholeNumber = z.union([z.string().regex(/^\d+$/, 'must be a whole number'), z.number().int().nonnegative()]);
const seconds = z.union([z.string().regex(/^\d+(\.\d{1,3})?$/, 'must be seconds, at most 3 decimals'), z.number().nonnegative()]);
const percent = z
  .string()
  .regex(/^\d+(\.\d+)?%$/, 'must be a percentage such as "10%"')
  .refine((text) => Number(text.slice(0, -1)) <= 100, 'must be at most 100%');
const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((text) => !Number.isNaN(readDay(text)), 'is not a date that exists (check the month and the day, and a year from 1000 to 8999)');

const tier = z.strictObject({
  up_to: z.union([money, z.null()]),
  price: money,
  /** A fee charged once per period in which the tier is reached (Stripe `flat_amount`, Lago's flat fee per range). */
  flat: money.optional(),
});

const tiers = z
  .strictObject({
    mode: z.enum(['volume', 'graduated']),
    period: z.enum(['day', 'month', 'none']),
    table: z.array(tier).min(1, 'needs at least one tier'),
  })
  .superRefine((value, ctx) => {
    let previous = -1;
    value.table.forEach((row, index) => {
      const last = index === value.table.length - 1;
      if (row.up_to === null) {
        if (!last) ctx.addIssue({ code: 'custom', path: ['table', index, 'up_to'], message: 'only the last tier may be open (null)' });
        return;
      }
      const bound = Number(row.up_to);
      if (bound <= previous) {
        ctx.addIssue({ code: 'custom', path: ['table', index, 'up_to'], message: `tiers out of order or overlapping: ${row.up_to} is not above the tier before` });
      }
      previous = bound;
      if (last) ctx.addIssue({ code: 'custom', path: ['table', index, 'up_to'], message: 'the last tier must be open (up_to: null)' });
    });
  });

/** A period's total rounded up to whole packages of `size` units after `free` units, each package at `price` (Lago `package`). */
const packagePrice = z
  .strictObject({
    size: money.refine((text) => /[1-9]/.test(String(text)), 'must be above 0'),
    free: money.optional(),
    price: money,
    period: z.enum(['day', 'month', 'none']),
  });

const durationPrice = z.union([money, z.strictObject({ tiers }), z.strictObject({ package: packagePrice })]);

/** Units of a product's usage free each period (Tencent: 10 h of recording-file recognition a month), used first, never carried over. */
const freeQuota = z.strictObject({
  quantity: money,
  period: z.enum(['day', 'month']),
  /** The models it covers (default: every model of the product). */
  models: z.array(z.string()).optional(),
  /** Applied only on a card that says `use_free_quota: true` (the provider grants it to some accounts only). */
  opt_in: z.boolean().optional(),
});

/** A prepaid quantity of a product's usage, usable from `start` until `expiry` (exclusive), after the free quota and before pay-as-you-go. */
const pack = z
  .strictObject({
    id: z.string().min(1).optional(),
    quantity: money,
    start: date,
    expiry: date,
    models: z.array(z.string()).optional(),
  })
  .refine((value) => value.expiry > value.start, { path: ['expiry'], message: 'must be after the start: a pack is usable from its start until the start of its expiry date' });
const tokenPrice = z.strictObject({
  input: money,
  output: money,
  /** Cached input read, cache writes kept 5 minutes and 1 hour, reasoning: without one, the input (or output) rate. */
  cache_read: money.optional(),
  cache_write: money.optional(),
  cache_write_1h: money.optional(),
  reasoning: money.optional(),
  /** A request whose input (with its cache reads and writes) passes `above` tokens is priced whole at these input and output rates. */
  context_band: z.strictObject({ above: wholeNumber, input: money, output: money }).optional(),
});

/** A product as written: every field optional so that `extends` and `versions` can override a few. */
export const productSchema = z.strictObject({
  id: z.string().min(1),
  description: z.string().optional(),
  kind: z.enum(['transcript', 'stream', 'llm']).optional(),
  unit: z.enum(['hour', 'minute', 'second', 'request', '1M tokens', '1K tokens', 'token']).optional(),
  basis: z.enum(['audio', 'session']).optional(),
  channels: z.enum(['multiply', 'ignore']).optional(),
  addon_channels: z.enum(['multiply', 'ignore']).optional(),
  charge_failed: z.boolean().optional(),
  increment: seconds.optional(),
  max_session: wholeNumber.optional(),
  /** Billable seconds per request at least (a shorter request is billed this long), before the increment. */
  minimum: seconds.optional(),
  /** Free units each period, used first in time order. */
  free_quota: freeQuota.optional(),
  /** Prepaid quantities, used after the free quota and before pay-as-you-go, the one expiring first first. */
  packs: z.array(pack).optional(),
  free_tier: z.boolean().optional(),
  default_model: z.string().optional(),
  discount: percent.optional(),
  models: z.record(z.string(), z.union([durationPrice, tokenPrice, z.null()])).optional(),
  addons: z.record(z.string(), z.union([durationPrice, z.null()])).optional(),
  aliases: z.record(z.string(), z.union([z.string(), z.null()])).optional(),
  /** Add-on prices that differ for one model (`{ "universal-2": { "keyterms_prompt": "0" } }`): they replace the product's for that model. */
  model_addons: z.record(z.string(), z.record(z.string(), durationPrice)).optional(),
  /** LLM: what a request routed in a region costs above the list price (`global` routing), e.g. `{ us: "10%", eu: "10%" }`. */
  regional_increase: z.partialRecord(z.enum(['us', 'eu']), z.union([percent, z.null()])).optional(),
  /** Models the provider retired, with the date from which their use is refused (by name and date). */
  retired: z.record(z.string(), z.union([date, z.null()])).optional(),
}).superRefine((value, ctx) => {
  if (value.kind === 'llm') {
    for (const field of DURATION_ONLY) if (value[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: notForLlm(field) });
  }
  if (value.minimum !== undefined && value.unit === 'request') ctx.addIssue({ code: 'custom', path: ['minimum'], message: 'a product priced per request bills each request once: a minimum duration means nothing here' });
  const ids = (value.packs ?? []).map((pack, i) => pack.id ?? `pack ${i + 1}`);
  ids.forEach((id, i) => {
    if (ids.indexOf(id) !== i) ctx.addIssue({ code: 'custom', path: ['packs', i, 'id'], message: `"${id}" is the id of another pack too; give each pack its own id` });
  });
});

/**
 * A limit that the provider raises by itself while it is used: by `rise` each minute in which at
 * least `rise_at` of it is used, back toward the starting limit a step a minute while under
 * `decay_below`, on the account tiers named.
 */
const autoScale = z
  .strictObject({
    tiers: z.array(z.enum(['free', 'paid'])).min(1, 'names at least one tier (free, paid)'),
    rise: percent,
    rise_at: percent,
    decay_below: percent,
  })
  .refine((s) => /[1-9]/.test(s.rise), { message: 'rise must be above 0%', path: ['rise'] })
  .refine((s) => Number(s.decay_below.slice(0, -1)) <= Number(s.rise_at.slice(0, -1)), { message: 'decay_below must not be above rise_at', path: ['decay_below'] });

/** Account and traffic limits a provider publishes (used by `audit`). */
const limits = z.strictObject({
  requests_per_5_minutes: wholeNumber.optional(),
  concurrency: z.strictObject({ free: wholeNumber, paid: wholeNumber }).optional(),
  /** New streaming sessions per minute; `auto_scale` where the provider raises the limit with use. */
  new_streams_per_minute: z.strictObject({ free: wholeNumber, paid: wholeNumber, auto_scale: autoScale.optional() }).optional(),
  /** LLM gateway requests allowed per minute per model (paid accounts; the free tier has no gateway). */
  llm_requests_per_minute: wholeNumber.optional(),
  free_credits: money.optional(),
});

const cardFields = {
  description: z.string().optional(),
  /** Who bills: the FOCUS ProviderName (default: the card's name). */
  provider: z.string().optional(),
  source: z.string().optional(),
  currency: z.string().regex(/^[A-Za-z]{1,12}$/, 'must be a currency code such as USD, or "credits"').optional(),
  timezone: z.string().optional(),
  rounding: z
    .strictObject({
      scale: wholeNumber,
      mode: z.enum(['half-up', 'half-even', 'up', 'down']),
    })
    .optional(),
  effective_from: date.optional(),
  discount: percent.optional(),
  limits: limits.optional(),
  /** A card priced in credits: the credits one USD buys, for automatic top-ups (`balance`). */
  credits_per_usd: positiveDecimal.optional(),
  /** Apply the free quotas the card marks `opt_in` (an account the provider grants them to). */
  use_free_quota: z.boolean().optional(),
  products: z.array(productSchema).optional(),
};

/** A later version of a card: what changed on `effective_from`. */
const versionSchema = z.strictObject({ ...cardFields, effective_from: date });

/** A rate card file (JSON or YAML) as written. */
export const cardSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must be a plain name (letters, digits, - _ .)'),
  extends: z.string().optional(),
  ...cardFields,
  versions: z.array(versionSchema).optional(),
});

export type RawCard = z.infer<typeof cardSchema>;
export type RawVersion = z.infer<typeof versionSchema>;
export type RawProduct = z.infer<typeof productSchema>;

/** The JSON Schema of a rate card file, for editors (`tallyman rates schema`). */
export function cardJsonSchema(): unknown {
  return { ...z.toJSONSchema(cardSchema, { target: 'draft-2020-12', unrepresentable: 'any' }), title: 'tallyman rate card' };
}
