import { Option, type Command } from 'commander';
import { loadCard, builtinCardNames } from '../rates/load.js';
import { cardJsonSchema } from '../rates/schema.js';
import type { AutoScale, DurationProduct, Limits, RateCard, RatePlan, TokenPrice } from '../rates/card.js';
import { SCHEMA_VERSION } from '../report/schema-version.js';
import { Decimal, formatExact } from '../util/decimal.js';
import { emit } from '../util/output.js';
import { freeQuotaText, packText, planText } from '../rates/describe.js';
import { fitLines } from '../report/fit.js';
import { tableWidth, widthOption } from './display.js';
import { registerRatesDiff } from './rates-diff.js';
import { registerRatesImport } from './rates-import.js';

/** `tallyman rates list|show|validate|schema`. */
export function registerRates(program: Command, run: (action: () => Promise<number>) => Promise<void>): void {
  const rates = program.command('rates').description('list, show, validate, import and compare rate cards, and print their JSON Schema');
  rates
    .command('list')
    .description('list the built-in rate cards')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'))
    .addOption(widthOption())
    .action((flags: { format: string; width?: number }) =>
      run(async () => {
        const cards = builtinCardNames().map((name) => loadCard(name));
        if (flags.format === 'json') {
          const list = cards.map((card) => {
            const latest = card.versions[card.versions.length - 1]!;
            return { name: card.name, description: card.description ?? null, currency: card.currency, timezone: card.timezone.name, versions: card.versions.length, latest: { version: latest.label, hash: latest.hash } };
          });
          await emit(`${JSON.stringify({ schema_version: SCHEMA_VERSION, command: 'rates list', cards: list }, null, 2)}\n`, undefined);
          return 0;
        }
        const lines = cards.map((card) => {
          const latest = card.versions[card.versions.length - 1]!;
          return `${card.name.padEnd(16)} ${card.currency.padEnd(8)} ${String(card.versions.length).padStart(2)} version(s), latest ${latest.label} #${latest.hash}  ${card.description ?? ''}`;
        });
        await emit(`${fitLines(lines, tableWidth(flags)).join('\n')}\n`, undefined);
        return 0;
      }),
    );
  rates
    .command('show')
    .description('print a rate card resolved: every version, product, model, add-on and tier, its limits and free credits')
    .argument('<card>', 'built-in name or card file')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--json', 'print the resolved card as JSON (--format json)', false)
    .addOption(widthOption())
    .action((spec: string, flags: { format: string; json: boolean; width?: number }) =>
      run(async () => {
        const card = loadCard(spec);
        const text = (): string => `${fitLines(showCard(card).replace(/\n$/, '').split('\n'), tableWidth(flags)).join('\n')}\n`;
        await emit(flags.json || flags.format === 'json' ? `${JSON.stringify(cardToJson(card), null, 2)}\n` : text(), undefined);
        return 0;
      }),
    );
  rates
    .command('validate')
    .description('check a card file; every problem is printed with its JSON path and line')
    .argument('<files...>', 'card files (JSON or YAML)')
    .action((files: string[]) =>
      run(async () => {
        for (const file of files) {
          const card = loadCard(file);
          await emit(`${file}: ok (${card.name}, ${card.versions.length} version(s), ${card.versions.at(-1)!.products.length} product(s))\n`, undefined);
        }
        return 0;
      }),
    );
  registerRatesImport(rates, run);
  registerRatesDiff(rates, run);
  rates
    .command('schema')
    .description('print the JSON Schema of rate card files, for editors')
    .action(() =>
      run(async () => {
        await emit(`${JSON.stringify(cardJsonSchema(), null, 2)}\n`, undefined);
        return 0;
      }),
    );
}

/** A product's free quota and packs, one line each (none when it has neither). */
function allowanceText(p: DurationProduct): string[] {
  const quota = freeQuotaText(p);
  return [...(quota ? [`    free quota: ${quota}`] : []), ...p.packs.map((pack) => `    pack ${pack.id}: ${packText(p, pack)}`)];
}

function tokenPriceText(price: TokenPrice, unit: string): string {
  const classes = (['cache_read', 'cache_write', 'cache_write_1h', 'reasoning'] as const).filter((c) => price[c] !== undefined).map((c) => `, ${c} ${formatExact(price[c]!)}`).join('');
  const band = price.contextBand ? `; over ${price.contextBand.above} input tokens: input ${formatExact(price.contextBand.input)}, output ${formatExact(price.contextBand.output)}` : '';
  return `input ${formatExact(price.input)}, output ${formatExact(price.output)}${classes} / ${unit}${band}`;
}

const percent = (fraction: Decimal): string => `${formatExact(fraction.times(100))}%`;

/** How a limit scales with use, as words (empty for a fixed limit). */
function scaleText(scale: AutoScale | undefined): string {
  return scale === undefined ? '' : ` (auto-scaled on ${scale.tiers.join(' and ')}: +${percent(scale.rise)} a minute at ${percent(scale.riseAt)} use, down under ${percent(scale.decayBelow)})`;
}

function scaleJson(scale: AutoScale | undefined): object | null {
  return scale === undefined ? null : { tiers: scale.tiers, rise: percent(scale.rise), rise_at: percent(scale.riseAt), decay_below: percent(scale.decayBelow) };
}

/** A version's limits and free credits as one line (`none` when the card publishes none). */
function limitsText(limits: Limits, currency: string): string {
  const pair = (p: { free: number; paid: number } | undefined) => p && `free ${p.free}, paid ${p.paid}`;
  const parts = [
    limits.requestsPer5Minutes !== undefined && `${limits.requestsPer5Minutes} requests per 5 minutes`,
    limits.concurrency && `concurrency ${pair(limits.concurrency)}`,
    limits.newStreamsPerMinute && `new streams per minute ${pair(limits.newStreamsPerMinute)}${scaleText(limits.newStreamsPerMinute.autoScale)}`,
    limits.llmRequestsPerMinute !== undefined && `${limits.llmRequestsPerMinute} LLM requests per minute per model`,
    limits.freeCredits !== undefined && `free credits ${formatExact(limits.freeCredits)} ${currency}`,
  ].filter((p): p is string => typeof p === 'string');
  return parts.length === 0 ? 'none' : parts.join('; ');
}

function showCard(card: RateCard): string {
  const conversion = card.creditsPerUsd === undefined ? '' : ` · ${formatExact(card.creditsPerUsd)} ${card.currency} per USD`;
  const out = [`${card.name} (${card.origin}) · ${card.currency} · ${card.timezone.name} · rounding ${card.rounding.scale} ${card.rounding.mode}${conversion}`];
  if (card.description) out.push(card.description);
  for (const version of card.versions) {
    out.push('', `version ${version.label} #${version.hash}${version.source ? `: ${version.source}` : ''}`);
    out.push(`  limits: ${limitsText(version.limits, card.currency)}`);
    for (const p of version.products) {
      out.push(`  ${p.id} (${p.kind}, per ${p.unit}${p.kind !== 'llm' ? `, basis ${p.basis}, increment ${p.incrementMs / 1000} s${p.maxSessionMs ? `, max_session ${p.maxSessionMs / 1000} s` : ''}${p.minimumMs > 0 ? `, minimum ${p.minimumMs / 1000} s` : ''}` : ''})`);
      if (p.kind !== 'llm') out.push(...allowanceText(p));
      for (const [model, price] of p.models) {
        out.push(`    ${model}: ${'input' in price ? tokenPriceText(price, p.unit) : planText(price, p.unit)}`);
      }
      if (p.kind !== 'llm') for (const [addon, plan] of p.addons) out.push(`    + ${addon}: ${planText(plan, p.unit)}`);
      if (p.kind !== 'llm') for (const [model, plans] of p.modelAddons) for (const [addon, plan] of plans) out.push(`    + ${addon} on ${model}: ${planText(plan, p.unit)}`);
      if (p.kind === 'llm' && p.regionalIncrease.size > 0) out.push(`    in-region: ${[...p.regionalIncrease].map(([r, f]) => `${r} +${f.times(100).toString()}%`).join(', ')}`);
      if (p.aliases.size > 0) out.push(`    aliases: ${[...p.aliases].map(([a, m]) => `${a} → ${m}`).join(', ')}`);
      if (p.retired.size > 0) out.push(`    retired: ${[...p.retired].map(([m, d]) => `${m} from ${d}`).join(', ')}`);
    }
  }
  return `${out.join('\n')}\n`;
}

function limitsJson(limits: Limits): object {
  return {
    requests_per_5_minutes: limits.requestsPer5Minutes ?? null,
    concurrency: limits.concurrency ?? null,
    new_streams_per_minute: limits.newStreamsPerMinute === undefined ? null : { free: limits.newStreamsPerMinute.free, paid: limits.newStreamsPerMinute.paid, auto_scale: scaleJson(limits.newStreamsPerMinute.autoScale) },
    llm_requests_per_minute: limits.llmRequestsPerMinute ?? null,
    free_credits: limits.freeCredits === undefined ? null : formatExact(limits.freeCredits),
  };
}

function tokenPriceJson(price: TokenPrice): object {
  const classes = (['cache_read', 'cache_write', 'cache_write_1h', 'reasoning'] as const).filter((c) => price[c] !== undefined).map((c) => [c, formatExact(price[c]!)]);
  const band = price.contextBand ? { context_band: { above: price.contextBand.above, input: formatExact(price.contextBand.input), output: formatExact(price.contextBand.output) } } : {};
  return { input: formatExact(price.input), output: formatExact(price.output), ...Object.fromEntries(classes), ...band };
}

/** The resolved card as JSON (`rates show --format json`): every version with its limits and free credits. */
function cardToJson(card: RateCard): object {
  return {
    schema_version: SCHEMA_VERSION,
    command: 'rates show',
    name: card.name,
    origin: card.origin,
    description: card.description ?? null,
    currency: card.currency,
    timezone: card.timezone.name,
    rounding: card.rounding,
    credits_per_usd: card.creditsPerUsd === undefined ? null : formatExact(card.creditsPerUsd),
    versions: card.versions.map((v) => ({
      version: v.label,
      hash: v.hash,
      source: v.source ?? null,
      limits: limitsJson(v.limits),
      products: v.products.map((p) => ({
        id: p.id,
        kind: p.kind,
        unit: p.unit,
        ...(p.kind !== 'llm' ? { basis: p.basis, increment: p.incrementMs / 1000, max_session: p.maxSessionMs === undefined ? null : p.maxSessionMs / 1000, ...allowanceJson(p) } : { free_tier: p.freeTier }),
        models: Object.fromEntries([...p.models].map(([m, price]) => [m, 'input' in price ? tokenPriceJson(price) : planJson(price)])),
        ...(p.kind !== 'llm'
          ? {
              addons: Object.fromEntries([...p.addons].map(([a, plan]) => [a, planJson(plan)])),
              model_addons: Object.fromEntries([...p.modelAddons].map(([m, plans]) => [m, Object.fromEntries([...plans].map(([a, plan]) => [a, planJson(plan)]))])),
            }
          : { regional_increase: Object.fromEntries([...p.regionalIncrease].map(([r, f]) => [r, `${f.times(100).toString()}%`])) }),
        aliases: Object.fromEntries(p.aliases),
        retired: Object.fromEntries(p.retired),
      })),
    })),
  };
}

/** A product's minimum, free quota and packs, as the card gives them (nothing for a product without them). */
function allowanceJson(p: DurationProduct): object {
  const units = (base: number): string => formatExact(new Decimal(base).dividedBy(p.perUnit));
  return {
    ...(p.minimumMs > 0 ? { minimum: p.minimumMs / 1000 } : {}),
    ...(p.freeQuota ? { free_quota: { quantity: units(p.freeQuota.quantity), period: p.freeQuota.period, models: p.freeQuota.models ?? null } } : {}),
    ...(p.packs.length > 0 ? { packs: p.packs.map((pack) => ({ id: pack.id, quantity: units(pack.quantity), start: pack.start, expiry: pack.expiry, models: pack.models ?? null })) } : {}),
  };
}

function planJson(plan: RatePlan): unknown {
  if (plan.type === 'flat') return formatExact(plan.rate);
  if (plan.type === 'package') return { package: { size: formatExact(plan.sizeUnits), free: formatExact(plan.freeUnits), price: formatExact(plan.price), period: plan.period } };
  return { mode: plan.mode, period: plan.period, tiers: plan.tiers.map((t) => ({ up_to: t.upTo === null ? null : formatExact(t.upTo), price: formatExact(t.price), ...(t.flat === null ? {} : { flat: formatExact(t.flat) }) })) };
}
