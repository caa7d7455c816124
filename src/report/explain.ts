import type { Explanation, ItemFacts, SliceFacts } from '../explain/index.js';
import type { InvoiceLine } from '../pricing/invoice.js';
import { Decimal, formatExact, formatMoney } from '../util/decimal.js';
import { baseOf, groupThousands } from './format.js';
import { lineJson } from './invoice.js';
import { SCHEMA_VERSION } from './schema-version.js';

const SHORT: Record<string, string> = { hour: 'h', minute: 'min', second: 's', request: 'req' };

/** A quantity of base units in the item's unit: `1.5 h`, `120,000 tok`, `201 req`. */
function units(item: Pick<ItemFacts, 'baseUnit' | 'perUnit' | 'unit'>, base: number): string {
  if (item.baseUnit === 'token') return `${groupThousands(String(base))} tok`;
  if (item.baseUnit === 'request') return `${groupThousands(String(base))} req`;
  return `${groupThousands(new Decimal(base).dividedBy(item.perUnit).toDecimalPlaces(6, Decimal.ROUND_HALF_UP).toString())} ${SHORT[item.unit] ?? item.unit}`;
}

function seconds(ms: number | null): string {
  return ms === null ? '—' : `${new Decimal(ms).dividedBy(1000).toString()} s`;
}

/** A slice's arithmetic: `300 h × 1.2 = 360`, `flat fee 50`, `2 packages × 5 = 10`. */
function sliceText(item: ItemFacts, s: SliceFacts): string {
  if (s.kind === 'flat') return `${s.label}: ${formatExact(s.amount)}`;
  if (s.kind === 'package') return `${s.label}: ${units(item, s.quantity)} start ${s.packages} package(s) × ${formatExact(s.price)} = ${formatExact(s.amount)}`;
  return `${s.label}: ${units(item, s.quantity)} × ${formatExact(s.price)} = ${formatExact(s.amount)}`;
}

const SHARING: Record<string, string> = {
  lines: 'one line per slice',
  'one-rate': 'every part at the one rate',
  proportional: 'the charge allocated to the lines in proportion to quantity (largest remainder, in minor units)',
  chronological: 'each part charged the slices it filled, in time order; other dimensions in proportion to quantity',
};

function lineText(e: Explanation, l: InvoiceLine): string {
  const scale = e.rounding.scale;
  const where = [l.tier, ...l.dims].filter((d) => d !== null && d !== '').join(' · ');
  const item = { baseUnit: l.baseUnit, perUnit: l.perUnit, unit: l.unit };
  return `  line${where ? ` ${where}` : ''}: ${units(item, l.baseQuantity)} at ${formatExact(l.rate)} → ${formatExact(l.amountExact)} exact → ${formatMoney(l.amount, scale)} (${e.rounding.mode}, ${scale} decimals)`;
}

/** The explanation as text for people: the record, its plan, then each item's periods, slices, lines and rounding. */
export function renderExplainText(e: Explanation): string {
  const out: string[] = [];
  const r = e.record;
  if (r !== null) {
    const plan = r.plan;
    const version = e.card.versions[plan.version];
    out.push(`Record ${r.file}:${r.line}${r.id === null ? '' : ` · id ${r.id}`} · ${r.kind} · ${plan.model} · ${r.timestamp ?? 'undated'} · ${r.outcome}`);
    out.push(`Card ${e.card.name}, version ${version?.label ?? '-'} #${version?.hash ?? '-'} · ${e.card.currency}`);
    if (!plan.llm && plan.priced) {
      const rules = [
        plan.perRequest ? 'priced per request' : plan.session ? 'billed on session time' : 'billed on audio',
        `increment ${seconds(plan.incrementMs)}`,
        `minimum ${plan.minimumMs > 0 ? seconds(plan.minimumMs) : 'none'}`,
        `channels ${plan.items[0]?.multiply ? 'multiply' : 'ignored'}`,
        `cap ${plan.capMs >= 0 ? seconds(plan.capMs) : 'none'}`,
      ];
      out.push(`Plan: product ${plan.product}, ${rules.join(', ')}`);
      if (!plan.perRequest) out.push(`Measured: audio ${seconds(r.audioMs)}, session ${seconds(r.sessionMs)}${plan.session ? (r.closed ? ' (closed)' : ' (never closed: billed the cap)') : ''}, ${r.channels} channel(s) → ${seconds(r.billedMs)} before the increment`);
    } else if (plan.priced) {
      out.push(`Plan: product ${plan.product}, tokens${plan.bandAbove >= 0 ? `, context band above ${plan.bandAbove} input tokens` : ''}`);
    } else {
      out.push(`Not priced: ${plan.reason}`);
    }
  }
  for (const item of e.items) {
    out.push('');
    out.push(`${item.product} ${item.model} ${item.component} (version ${item.version} #${item.hash})${item.quantity === null ? '' : `: this record ${units(item, item.quantity)}`}`);
    for (const p of item.periods) {
      const covered = p.covered > 0 ? ` (after ${units(item, p.covered)} covered by free quotas and packs)` : '';
      out.push(`  period ${p.period || '(whole log)'}: total ${units(item, p.total)}${covered}, charge ${formatExact(p.charge)}; ${SHARING[p.sharing]}`);
      for (const g of p.groups) {
        if (p.groups.length > 1) out.push(`    ${g.time}: ${units(item, g.quantity)}`);
        for (const s of g.slices) out.push(`${p.groups.length > 1 ? '      ' : '    '}${sliceText(item, s)}`);
      }
    }
    for (const l of item.lines) out.push(lineText(e, l));
    if (item.share !== null) {
      const p = item.periods[0];
      const c = item.coverage;
      const paidOf = c === null ? '' : ` × ${units(item, c.paid)} paid of ${units(item, c.paid + c.covered)} on ${c.scope} (${units(item, c.covered)} covered by free quotas and packs)`;
      out.push(p === undefined
        ? `  this record: ${units(item, item.quantity!)} × ${formatExact(item.rate ?? item.lines.find((l) => l.slice === null)?.rate ?? new Decimal(0))}${paidOf} = ${formatExact(item.share)}`
        : p.groups.length > 1
          ? `  this record: ${formatExact(item.share)} (its share of its part's charge, in proportion to quantity${c === null ? '' : `, over ${units(item, c.paid + c.covered)} of which ${units(item, c.covered)} covered by free quotas and packs`})`
          : `  this record: ${units(item, item.quantity!)} of ${units(item, p.total + p.covered)} × ${formatExact(p.charge)} = ${formatExact(item.share)} (its share of the period's charge, in proportion to quantity)`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** The explanation as JSON: the record, and each item with its periods, slices and lines. */
export function renderExplainJson(e: Explanation): string {
  const scale = e.rounding.scale;
  const r = e.record;
  const plan = r?.plan;
  const json = {
    schema_version: SCHEMA_VERSION,
    card: { name: e.card.name, currency: e.card.currency, rounding: { scale, mode: e.rounding.mode } },
    record: r === null || plan === undefined ? null : {
      file: r.file, line: r.line, id: r.id, kind: r.kind, model: plan.model, timestamp: r.timestamp, outcome: r.outcome,
      card_version: e.card.versions[plan.version]?.label ?? null, card_hash: e.card.versions[plan.version]?.hash ?? null,
      plan: { product: plan.product, priced: plan.priced, reason: plan.reason || null, per_request: plan.perRequest, session: plan.session,
        increment_seconds: plan.incrementMs / 1000, minimum_seconds: plan.minimumMs / 1000, channels: plan.items[0]?.multiply ? 'multiply' : 'ignore', cap_seconds: plan.capMs >= 0 ? plan.capMs / 1000 : null },
      audio_seconds: r.audioMs === null ? null : r.audioMs / 1000, session_seconds: r.sessionMs === null ? null : r.sessionMs / 1000,
      closed: r.closed, channels: r.channels, billed_seconds: r.billedMs / 1000,
    },
    items: e.items.map((item) => {
      // Every quantity in one base unit, as the lines' base_quantity: seconds (exact, from ms), requests or tokens, as strings.
      const base = (n: number): string => baseOf(n, item.baseUnit).value;
      return {
        product: item.product, model: item.model, component: item.component, card_version: item.version, card_hash: item.hash,
        unit: item.unit, base_unit: baseOf(0, item.baseUnit).unit, base_quantity: item.quantity === null ? null : base(item.quantity),
        periods: item.periods.map((p) => ({
          period: p.period || null, total: base(p.total), covered: base(p.covered), sharing: p.sharing, charge_exact: formatExact(p.charge),
          parts: p.groups.map((g) => ({ time: g.time || null, quantity: base(g.quantity), slices: g.slices.map((s) => ({ label: s.label, kind: s.kind, quantity: base(s.quantity), packages: s.packages, price: formatExact(s.price), amount_exact: formatExact(s.amount) })) })),
        })),
        lines: item.lines.map((l) => ({ ...lineJson(l, [], scale), dims: l.dims })),
        share_exact: item.share === null ? null : formatExact(item.share),
      };
    }),
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}
