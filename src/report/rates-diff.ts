import type { ChalkInstance } from 'chalk';
import type { CardDiffResult, CardSide } from '../diff/cards.js';
import { formatMoney, type Decimal } from '../util/decimal.js';
import { writeCsv, type Cell } from './csv.js';
import { fitLine } from './fit.js';
import { SCHEMA_VERSION } from './schema-version.js';
import { drawTable, type TableCell } from './text-table.js';

const sideName = (s: CardSide) => `${s.spec} (${s.card.name} ${s.version.label} #${s.version.hash})`;
const signed = (d: Decimal, scale: number) => `${d.isPositive() && !d.isZero() ? '+' : ''}${formatMoney(d, scale)}`;
const lineLabel = (l: { product: string; model: string; component: string | null }) => [l.product, l.model, l.component].filter((p) => p !== null).join(' · ');

/** `rates diff` as JSON: both sides, every change, and the log under each where one was given. */
export function renderRatesDiffJson(r: CardDiffResult): string {
  const side = (s: CardSide) => ({ spec: s.spec, card: s.card.name, version: s.version.label, hash: s.version.hash });
  const log = r.log && {
    files: r.log.files, currency: r.log.currency,
    lines: r.log.lines.map((l) => ({ product: l.product, model: l.model, component: l.component, a: formatMoney(l.a, r.log!.scale), b: formatMoney(l.b, r.log!.scale), difference: formatMoney(l.difference, r.log!.scale) })),
    total: { a: formatMoney(r.log.totalA, r.log.scale), b: formatMoney(r.log.totalB, r.log.scale), difference: formatMoney(r.log.difference, r.log.scale) },
  };
  return `${JSON.stringify({ schema_version: SCHEMA_VERSION, command: 'rates diff', a: side(r.a), b: side(r.b), changes: r.changes, log }, null, 2)}\n`;
}

/** `rates diff` as CSV: one row per change (`section` change), then one per log line (`section` log: before, after and change are amounts). */
export function renderRatesDiffCsv(r: CardDiffResult): string {
  const t = (s: string | null): Cell => ({ text: s });
  const rows: Cell[][] = r.changes.map((c) => [t('change'), t(c.product), t(c.model), t(c.item), t(c.before), t(c.after), t(c.change)]);
  if (r.log) {
    const scale = r.log.scale;
    for (const l of r.log.lines) rows.push([t('log'), t(l.product), t(l.model), t(l.component), { number: formatMoney(l.a, scale) }, { number: formatMoney(l.b, scale) }, { number: formatMoney(l.difference, scale) }]);
    rows.push([t('log'), t('TOTAL'), t(null), t(null), { number: formatMoney(r.log.totalA, scale) }, { number: formatMoney(r.log.totalB, scale) }, { number: formatMoney(r.log.difference, scale) }]);
  }
  return writeCsv(['section', 'product', 'model', 'item', 'before', 'after', 'change'], rows);
}

/** `rates diff` as Markdown: the changes, then the log under each card. */
export function renderRatesDiffMarkdown(r: CardDiffResult): string {
  const cell = (s: string | null) => (s ?? '').replaceAll('|', '\\|');
  const out = [`## tallyman rates diff: ${cell(sideName(r.a))} → ${cell(sideName(r.b))}`, ''];
  if (r.changes.length === 0) out.push('No differences.');
  else {
    out.push('| Product | Model | Item | A | B | Change |', '| --- | --- | --- | --- | --- | --- |');
    for (const c of r.changes) out.push(`| ${cell(c.product)} | ${cell(c.model)} | ${cell(c.item)} | ${cell(c.before)} | ${cell(c.after)} | ${c.change} |`);
  }
  if (r.log) {
    const scale = r.log.scale;
    out.push('', `The log under each (${r.log.currency}):`, '', '| Line | A | B | Difference |', '| --- | ---: | ---: | ---: |');
    for (const l of r.log.lines) out.push(`| ${cell(lineLabel(l))} | ${formatMoney(l.a, scale)} | ${formatMoney(l.b, scale)} | ${signed(l.difference, scale)} |`);
    out.push(`| **TOTAL** | ${formatMoney(r.log.totalA, scale)} | ${formatMoney(r.log.totalB, scale)} | **${signed(r.log.difference, scale)}** |`);
  }
  return `${out.join('\n')}\n`;
}

/** `rates diff` as tables for people: the changes, then the log under each card. */
export function renderRatesDiffTable(r: CardDiffResult, paint: ChalkInstance, width?: number): string {
  const head = (names: string[]) => names.map((h) => ({ text: h, paint: paint.bold }));
  const parts = [...fitLine(`Rates diff · A ${sideName(r.a)} → B ${sideName(r.b)}`, width)];
  if (r.changes.length === 0) parts.push('No differences between the two versions.');
  else {
    const tone = { added: paint.green, removed: paint.red, changed: paint.yellow };
    parts.push(drawTable({
      head: head(['Product', 'Model', 'Item', 'A', 'B', 'Change']),
      aligns: ['left', 'left', 'left', 'left', 'left', 'left'],
      ...(width === undefined ? { widths: [13, 30, 26, 28, 28, 9], wrap: 'words' as const } : { fit: { width, whole: [false, false, false, false, false, true] } }),
    }, r.changes.map((c) => [c.product, c.model ?? '', c.item, c.before ?? '—', c.after ?? '—', { text: c.change, paint: tone[c.change] }])));
  }
  if (r.log) {
    const scale = r.log.scale;
    const rows: (string | TableCell)[][] = r.log.lines.map((l) => [lineLabel(l), formatMoney(l.a, scale), formatMoney(l.b, scale), signed(l.difference, scale)]);
    rows.push([{ text: `TOTAL (${r.log.currency})`, paint: paint.bold }, formatMoney(r.log.totalA, scale), formatMoney(r.log.totalB, scale), { text: signed(r.log.difference, scale), paint: paint.bold }]);
    parts.push(`The log (${r.log.files.join(', ')}) under each:`, drawTable({
      head: head(['Line', 'A', 'B', 'Difference']),
      aligns: ['left', 'right', 'right', 'right'],
      ...(width === undefined ? { widths: [48, 12, 12, 12], wrap: 'words' as const } : { fit: { width, whole: [false, true, true, true] } }),
    }, rows));
  }
  return `${parts.join('\n')}\n`;
}
