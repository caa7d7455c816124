import type { Command } from 'commander';
import { loadCard, builtinCardNames } from '../rates/load.js';
import { cardJsonSchema } from '../rates/schema.js';
import type { RateCard, RatePlan, TokenPrice } from '../rates/card.js';
import { formatExact } from '../util/decimal.js';
import { emit } from '../util/output.js';
import { tierLabel } from '../pricing/tiers.js';

/** `tallyman rates list|show|validate|schema`. */
export function registerRates(program: Command, run: (action: () => Promise<number>) => Promise<void>): void {
  const rates = program.command('rates').description('list, show, validate rate cards, and print their JSON Schema');
  rates
    .command('list')
    .description('list the built-in rate cards')
    .action(() =>
      run(async () => {
        const lines = builtinCardNames().map((name) => {
          const card = loadCard(name);
          const latest = card.versions[card.versions.length - 1]!;
          return `${name.padEnd(16)} ${card.currency.padEnd(8)} ${String(card.versions.length).padStart(2)} version(s), latest ${latest.label} #${latest.hash}  ${card.description ?? ''}`;
        });
        await emit(`${lines.join('\n')}\n`, undefined);
        return 0;
      }),
    );
  rates
    .command('show')
    .description('print a rate card resolved: every version, product, model, add-on and tier')
    .argument('<card>', 'built-in name or card file')
    .option('--json', 'print the resolved card as JSON', false)
    .action((spec: string, flags: { json: boolean }) =>
      run(async () => {
        const card = loadCard(spec);
        await emit(flags.json ? `${JSON.stringify(cardToJson(card), null, 2)}\n` : showCard(card), undefined);
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

function planText(plan: RatePlan, unit: string): string {
  if (plan.type === 'flat') return `${formatExact(plan.rate)} / ${unit}`;
  return `${plan.mode} tiers per ${plan.period}: ${plan.tiers.map((t, i) => `${tierLabel(plan.tiers, i, unit)} @ ${formatExact(t.price)}`).join('; ')}`;
}

function tokenPriceText(price: TokenPrice, unit: string): string {
  const classes = (['cache_read', 'cache_write', 'cache_write_1h', 'reasoning'] as const).filter((c) => price[c] !== undefined).map((c) => `, ${c} ${formatExact(price[c]!)}`).join('');
  const band = price.contextBand ? `; over ${price.contextBand.above} input tokens: input ${formatExact(price.contextBand.input)}, output ${formatExact(price.contextBand.output)}` : '';
  return `input ${formatExact(price.input)}, output ${formatExact(price.output)}${classes} / ${unit}${band}`;
}

function showCard(card: RateCard): string {
  const out = [`${card.name} (${card.origin}) · ${card.currency} · ${card.timezone.name} · rounding ${card.rounding.scale} ${card.rounding.mode}`];
  if (card.description) out.push(card.description);
  for (const version of card.versions) {
    out.push('', `version ${version.label} #${version.hash}${version.source ? `: ${version.source}` : ''}`);
    for (const p of version.products) {
      out.push(`  ${p.id} (${p.kind}, per ${p.unit}${p.kind !== 'llm' ? `, basis ${p.basis}, increment ${p.incrementMs / 1000} s${p.maxSessionMs ? `, max_session ${p.maxSessionMs / 1000} s` : ''}` : ''})`);
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

function cardToJson(card: RateCard): object {
  return {
    name: card.name,
    origin: card.origin,
    currency: card.currency,
    timezone: card.timezone.name,
    rounding: card.rounding,
    versions: card.versions.map((v) => ({
      version: v.label,
      hash: v.hash,
      source: v.source ?? null,
      products: v.products.map((p) => ({
        id: p.id,
        kind: p.kind,
        unit: p.unit,
        models: Object.fromEntries([...p.models].map(([m, price]) => [m, 'input' in price ? { input: formatExact(price.input), output: formatExact(price.output) } : planJson(price)])),
        ...(p.kind !== 'llm' ? { addons: Object.fromEntries([...p.addons].map(([a, plan]) => [a, planJson(plan)])) } : {}),
        aliases: Object.fromEntries(p.aliases),
        retired: Object.fromEntries(p.retired),
      })),
    })),
  };
}

function planJson(plan: RatePlan): unknown {
  if (plan.type === 'flat') return formatExact(plan.rate);
  return { mode: plan.mode, period: plan.period, tiers: plan.tiers.map((t) => ({ up_to: t.upTo === null ? null : formatExact(t.upTo), price: formatExact(t.price) })) };
}
