import type { ChalkInstance } from 'chalk';
import { overCheapest, type EstimateResult } from '../estimate/index.js';
import { Decimal, formatMoney } from '../util/decimal.js';
import { writeCsv, type Cell } from './csv.js';
import { lineJson, linesTable, SCHEMA_VERSION } from './invoice.js';
import { drawTable } from './text-table.js';
import { fitLine, fitLines } from './fit.js';

const hours = (ms: number) => new Decimal(ms).dividedBy(3_600_000).toDecimalPlaces(6).toString();

/** The estimate as JSON: the usage asked, then one estimate per card in the order given. */
export function estimateJson(result: EstimateResult) {
  const { usage } = result;
  return {
    schema_version: SCHEMA_VERSION,
    command: 'estimate',
    period: usage.period,
    days: usage.period === 'day' ? 1 : usage.daysPerMonth,
    source: result.source,
    usage: {
      transcribe: usage.transcribe.map((t) => ({ hours: hours(t.ms), model: t.model ?? null, features: t.features, channels: t.channels })),
      stream: usage.stream.map((s) => ({ hours: hours(s.ms), model: s.model ?? null, sessions: s.sessions ?? null, unclosed: s.unclosed })),
      llm: usage.llm.map((l) => ({ model: l.model ?? null, input_tokens: l.inputTokens, output_tokens: l.outputTokens })),
    },
    estimates: result.estimates.map((e) => {
      const scale = e.card.rounding.scale;
      const over = overCheapest(result, e);
      return {
        card: e.card.name,
        currency: e.card.currency,
        lines: e.invoice.lines.map((l) => lineJson(l, [], scale)),
        total: formatMoney(e.invoice.total, scale),
        complete: e.complete,
        not_offered: e.notOffered,
        over_cheapest: over === null ? null : formatMoney(over, scale),
        notes: e.notes,
      };
    }),
    cheapest: result.cheapest ? { card: result.cheapest.card.name, total: formatMoney(result.cheapest.invoice.total, result.cheapest.card.rounding.scale) } : null,
  };
}

export function renderEstimateJson(result: EstimateResult): string {
  return `${JSON.stringify(estimateJson(result), null, 2)}\n`;
}

/** One row per card and line. */
export function renderEstimateCsv(result: EstimateResult): string {
  const rows: Cell[][] = [];
  for (const e of result.estimates) {
    const scale = e.card.rounding.scale;
    for (const l of e.invoice.lines) {
      const j = lineJson(l, [], scale);
      rows.push([{ text: e.card.name }, { text: j.product }, { text: j.model }, { text: j.addon }, { text: j.token_type }, { text: j.tier }, { number: j.quantity }, { text: j.unit }, { number: j.rate }, { number: j.amount }, { text: e.card.currency }]);
    }
    rows.push([{ text: e.card.name }, { text: 'TOTAL' }, ...Array.from({ length: 7 }, () => ({ text: null })), { number: formatMoney(e.invoice.total, scale) }, { text: e.card.currency }]);
  }
  return writeCsv(['card', 'product', 'model', 'addon', 'token_type', 'tier', 'quantity', 'unit', 'rate', 'amount', 'currency'], rows);
}

/** Markdown: the comparison, then each card's notes. */
export function renderEstimateMarkdown(result: EstimateResult): string {
  const out = [`## tallyman estimate: one ${result.usage.period}`, '', `Usage: ${result.source}.`, '', '| Card | Total | vs cheapest | Notes |', '| --- | ---: | ---: | --- |'];
  for (const e of result.estimates) out.push(`| ${e.card.name} | ${totalText(e)} | ${overText(result, e)} | ${[...e.notOffered.map((p) => `${p} not offered`), ...e.notes].join('; ').replaceAll('|', '\\|')} |`);
  if (result.cheapest && result.estimates.length > 1) out.push('', `**Cheapest: ${result.cheapest.card.name}** (${totalText(result.cheapest)}).`);
  return `${out.join('\n')}\n`;
}

/** Each card's lines with the tier reached, then the side-by-side totals naming the cheapest; fitted to `width` when given. */
export function renderEstimateTable(result: EstimateResult, paint: ChalkInstance, width?: number): string {
  const out = fitLine(`Estimate for one ${result.usage.period} (${result.usage.period === 'day' ? 1 : result.usage.daysPerMonth} days): ${result.source}`, width);
  for (const e of result.estimates) {
    out.push('', ...fitLines([`${e.card.name} (${e.card.currency})`], width, paint.bold));
    if (e.invoice.lines.length > 0) out.push(linesTable(e.invoice, paint, width));
    for (const p of e.notOffered) out.push(...fitLines([`not offered: ${p}`], width, paint.yellow));
    for (const n of e.notes) out.push(...fitLines([`note: ${n}`], width, paint.dim));
  }
  if (result.estimates.length > 1) {
    const table = drawTable(
      {
        head: ['Card', 'Total', 'vs cheapest'].map((h) => ({ text: h, paint: paint.bold })),
        aligns: ['left', 'right', 'right'],
        ...(width === undefined ? {} : { fit: { width, whole: [false, true, true] } }),
      },
      result.estimates.map((e) => {
        const row = [e.card.name, totalText(e), overText(result, e)];
        return e === result.cheapest ? row.map((text) => ({ text, paint: paint.green })) : row;
      }),
    );
    out.push('', table);
    if (result.cheapest) out.push(...fitLines([`Cheapest: ${result.cheapest.card.name} at ${totalText(result.cheapest)}.`], width, paint.green));
  }
  return `${out.join('\n')}\n`;
}

function totalText(e: EstimateResult['estimates'][number]): string {
  return `${formatMoney(e.invoice.total, e.card.rounding.scale)} ${e.card.currency}${e.complete ? '' : ' (incomplete)'}`;
}

function overText(result: EstimateResult, e: EstimateResult['estimates'][number]): string {
  if (e === result.cheapest) return 'cheapest';
  const over = overCheapest(result, e);
  if (over === null) return e.complete ? 'other currency' : 'not comparable';
  const base = result.cheapest!.invoice.total;
  const pct = base.isZero() ? '' : ` (+${over.dividedBy(base).times(100).toDecimalPlaces(1).toString()}%)`;
  return `+${formatMoney(over, e.card.rounding.scale)}${pct}`;
}
