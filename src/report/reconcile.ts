import type { ChalkInstance } from 'chalk';
import type { ReconcileLine, ReconcileResult } from '../reconcile/index.js';
import { formatMoney, type Decimal } from '../util/decimal.js';
import { writeCsv, type Cell } from './csv.js';
import { reportHeader } from './invoice.js';
import { drawTable } from './text-table.js';
import { fitLine } from './fit.js';

const m = (r: ReconcileResult, d: Decimal) => formatMoney(d, r.invoice.card.rounding.scale);
const when = (l: ReconcileLine) => l.date ?? l.month ?? 'period';

export function reconcileJson(result: ReconcileResult) {
  const count = (s: string) => result.lines.filter((l) => l.status === s).length;
  return {
    ...reportHeader('reconcile', result.invoice),
    tolerance: m(result, result.tolerance),
    summary: {
      lines: result.lines.length, match: count('match'), mismatch: count('mismatch'), missing: count('missing'), extra: count('extra'), double: count('double'),
      over_billed: m(result, result.overBilled), under_billed: m(result, result.underBilled),
    },
    lines: result.lines.map((l) => ({
      product: l.product, model: l.model, addon: l.addon, date: l.date, month: l.month,
      computed: m(result, l.computed), billed: m(result, l.billed), difference: m(result, l.difference), status: l.status, reason: l.reason,
      file: l.source?.file ?? null, line: l.source?.line ?? null,
    })),
  };
}

export function renderReconcileJson(result: ReconcileResult): string {
  return `${JSON.stringify(reconcileJson(result), null, 2)}\n`;
}

export function renderReconcileCsv(result: ReconcileResult): string {
  const rows: Cell[][] = result.lines.map((l) => [
    { text: l.product }, { text: l.model }, { text: l.addon }, { text: l.date ?? l.month },
    { number: m(result, l.computed) }, { number: m(result, l.billed) }, { number: m(result, l.difference) }, { text: l.status }, { text: l.reason },
  ]);
  return writeCsv(['product', 'model', 'addon', 'period', 'computed', 'billed', 'difference', 'status', 'reason'], rows);
}

export function renderReconcileMarkdown(result: ReconcileResult): string {
  const esc = (s: string) => s.replaceAll('|', '\\|');
  const out = ['## tallyman reconcile', '', '| Product | Model | Add-on | Period | Computed | Billed | Difference | Status | Why |', '| --- | --- | --- | --- | ---: | ---: | ---: | --- | --- |'];
  for (const l of result.lines) out.push(`| ${l.product} | ${l.model} | ${l.addon ?? ''} | ${when(l)} | ${m(result, l.computed)} | ${m(result, l.billed)} | ${m(result, l.difference)} | ${l.status} | ${esc(l.reason ?? '')} |`);
  out.push('', summary(result));
  return `${out.join('\n')}\n`;
}

/** The lines side by side, then each line that is not a match with its likely cause, then the summary; fitted to `width` when given. */
export function renderReconcileTable(result: ReconcileResult, paint: ChalkInstance, width?: number): string {
  const tone: Record<string, (s: string) => string> = { match: paint.green, mismatch: paint.red, missing: paint.red, extra: paint.yellow, double: paint.red };
  const table = drawTable({
    head: ['Line', 'Computed', 'Billed', 'Diff', 'Status'].map((h) => ({ text: h, paint: paint.bold })),
    aligns: ['left', 'right', 'right', 'right', 'left'],
    ...(width === undefined ? { widths: [44, 11, 11, 11, 10], wrap: 'words' as const } : { fit: { width, whole: [false, true, true, true, true] } }),
  }, result.lines.map((l) => [[l.product, l.model, l.addon, when(l)].filter(Boolean).join(' · '), m(result, l.computed), m(result, l.billed), m(result, l.difference), { text: l.status, paint: tone[l.status]! }]));
  const out = [...fitLine(`Reconcile · card ${result.invoice.card.name} · tolerance ${m(result, result.tolerance)} ${result.invoice.card.currency}`, width), table];
  for (const l of result.lines.filter((x) => x.status !== 'match')) {
    const lines = fitLine(`${l.status} ${[l.product, l.model, l.addon, when(l)].filter(Boolean).join(' · ')}${l.source ? ` (${l.source.file}:${l.source.line})` : ''}: ${l.reason}`, width);
    // The status word, painted, starts the first line.
    out.push(tone[l.status]!(l.status) + lines[0]!.slice(l.status.length), ...lines.slice(1));
  }
  out.push(...fitLine(summary(result), width));
  return `${out.join('\n')}\n`;
}

function summary(result: ReconcileResult): string {
  const bad = result.lines.filter((l) => l.status !== 'match').length;
  const cur = result.invoice.card.currency;
  return `${result.lines.length - bad} of ${result.lines.length} line(s) match; billed above the log: ${m(result, result.overBilled)} ${cur}; below it: ${m(result, result.underBilled)} ${cur}.`;
}
