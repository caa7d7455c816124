import type { ChalkInstance } from 'chalk';
import type { Comparison, DiffResult, LineDiff } from '../diff/index.js';
import type { Decimal } from '../util/decimal.js';
import { writeCsv, type Cell } from './csv.js';
import { SCHEMA_VERSION } from './invoice.js';
import { drawTable, type TableCell } from './text-table.js';
import { fitLine, fitLines } from './fit.js';

const text = (d: Decimal | null): string | null => (d === null ? null : d.toFixed(Math.max(2, d.decimalPlaces())));
const signed = (d: Decimal): string => `${d.isPositive() && !d.isZero() ? '+' : ''}${text(d)}`;
const pct = (d: Decimal | null): string => (d === null ? '—' : `${signed(d)}%`);

function label(line: LineDiff, dims: string[]): string {
  const f = line.fields;
  return [f.product, f.model, f.addon ?? f.token_type, f.tier, ...dims.map((d) => f[d])].filter((p) => p !== null && p !== undefined).join(' · ');
}

/** The diff as JSON: every line with its status, and the totals. */
export function diffJson(result: DiffResult) {
  return {
    schema_version: SCHEMA_VERSION,
    command: 'diff',
    old: result.oldPath,
    new: result.newPath,
    fail_above: result.threshold ? `${result.threshold.value.toString()}${result.threshold.type === 'percent' ? '%' : ''}` : null,
    failed: result.failed,
    comparisons: result.comparisons.map((c) => ({
      old_card: c.oldCard,
      new_card: c.newCard,
      currency: c.currency,
      lines: c.lines.map((l) => ({ ...l.fields, status: l.status, old: text(l.old), new: text(l.new), change: text(l.change), change_percent: l.percent === null ? null : l.percent.toString() })),
      total: { old: text(c.total.old), new: text(c.total.new), change: text(c.total.change), change_percent: c.total.percent === null ? null : c.total.percent.toString() },
    })),
  };
}

export function renderDiffJson(result: DiffResult): string {
  return `${JSON.stringify(diffJson(result), null, 2)}\n`;
}

export function renderDiffCsv(result: DiffResult): string {
  const rows: Cell[][] = [];
  for (const c of result.comparisons) {
    for (const l of c.lines) {
      rows.push([{ text: c.newCard }, { text: label(l, c.dims) }, { text: l.status }, num(l.old), num(l.new), num(l.change), l.percent === null ? { text: null } : { number: l.percent.toString() }]);
    }
    rows.push([{ text: c.newCard }, { text: 'TOTAL' }, { text: null }, num(c.total.old), num(c.total.new), num(c.total.change), c.total.percent === null ? { text: null } : { number: c.total.percent.toString() }]);
  }
  return writeCsv(['card', 'line', 'status', 'old', 'new', 'change', 'change_percent'], rows);
}

function num(d: Decimal | null): Cell {
  return d === null ? { text: null } : { number: text(d)! };
}

export function renderDiffMarkdown(result: DiffResult): string {
  const out = [`## tallyman diff`, ''];
  for (const c of result.comparisons) {
    out.push(`**${c.oldCard === c.newCard ? c.newCard : `${c.oldCard} → ${c.newCard}`}**: ${text(c.total.old)} → ${text(c.total.new)} ${c.currency} (${signed(c.total.change)}, ${pct(c.total.percent)})`, '');
    const changed = c.lines.filter((l) => l.status !== 'unchanged');
    if (changed.length > 0) {
      out.push('| Line | Status | Old | New | Change | % |', '| --- | --- | ---: | ---: | ---: | ---: |');
      for (const l of changed) out.push(`| ${label(l, c.dims).replaceAll('|', '\\|')} | ${l.status} | ${text(l.old) ?? '—'} | ${text(l.new) ?? '—'} | ${signed(l.change)} | ${pct(l.percent)} |`);
      out.push('');
    }
  }
  if (result.threshold) out.push(result.failed ? `❌ over the --fail-above budget` : `✅ within the --fail-above budget`);
  return `${out.join('\n')}\n`;
}

/** Changed lines first-class, unchanged ones dimmed, then the total and the budget verdict; fitted to `width` when given. */
export function renderDiffTable(result: DiffResult, paint: ChalkInstance, width?: number): string {
  const out: string[] = [];
  for (const c of result.comparisons) out.push(comparisonTable(c, paint, width));
  if (result.threshold) {
    const budget = `${result.threshold.value.toString()}${result.threshold.type === 'percent' ? '%' : ''}`;
    out.push(...(result.failed ? fitLines([`FAIL: the total grew by more than ${budget}`], width, paint.red) : fitLines([`ok: within ${budget}`], width, paint.green)));
  }
  return `${out.join('\n')}\n`;
}

function comparisonTable(c: Comparison, paint: ChalkInstance, width: number | undefined): string {
  const tone: Record<string, (s: string) => string> = { added: paint.green, removed: paint.red, changed: paint.yellow, unchanged: paint.dim };
  const rows: (string | TableCell)[][] = c.lines.map((l) => [label(l, c.dims), { text: l.status, paint: tone[l.status]! }, text(l.old) ?? '—', text(l.new) ?? '—', signed(l.change), pct(l.percent)]);
  rows.push([{ span: 2, text: `TOTAL (${c.currency})`, paint: paint.bold }, text(c.total.old)!, text(c.total.new)!, { text: signed(c.total.change), paint: paint.bold }, pct(c.total.percent)]);
  const table = drawTable({
    head: ['Line', 'Status', 'Old', 'New', 'Change', '%'].map((h) => ({ text: h, paint: paint.bold })),
    aligns: ['left', 'left', 'right', 'right', 'right', 'right'],
    ...(width === undefined ? { widths: [40, 11, 11, 11, 12, 10], wrap: 'words' as const } : { fit: { width, whole: [false, true, true, true, true, true] } }),
  }, rows);
  return `${fitLine(c.oldCard === c.newCard ? c.newCard : `${c.oldCard} → ${c.newCard}`, width).join('\n')}\n${table}`;
}
