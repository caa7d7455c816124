import { basename } from 'node:path';
import type { Invoice, Warning } from '../pricing/invoice.js';
import { formatMoney } from '../util/decimal.js';
import { formatInstant, type TimeZone } from '../util/time.js';
import { usedVersions } from './invoice.js';
import { esc, CHART_WIDTH } from './svg.js';
import { FONT_SIZE } from './svg-text.js';

/**
 * The frame of every HTML report: style, the heading with where the numbers come from (input files,
 * rate card and version, period in local days of the zone they were cut in), the banner of what costs
 * money, tables and the footer. Nothing here reads a clock or an absolute path: the same input gives
 * the same bytes.
 */

const STYLE = `
:root { color-scheme: light; --ink: #1d2430; --muted: #5b6573; --rule: #d9dee5; --band: #f4f6f9; --bad: #b3261e; --bad-band: #fcefee; --warn: #8a5a00; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
main { max-width: 980px; margin: 0 auto; padding: 16px; }
h1 { font-size: 1.5rem; margin: 0 0 4px; }
h2 { font-size: 1.15rem; margin: 28px 0 8px; border-bottom: 1px solid var(--rule); padding-bottom: 4px; }
.meta { color: var(--muted); margin: 0 0 12px; }
.provenance { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 2px 12px; margin: 4px 0 12px; color: var(--muted); font-size: 0.9rem; }
.provenance dt { font-weight: 600; }
.provenance dd { margin: 0; overflow-wrap: break-word; min-width: 0; }
.alert { border: 2px solid var(--bad); border-left-width: 6px; background: var(--bad-band); border-radius: 6px; padding: 10px 14px; margin: 12px 0; }
.alert h2 { color: var(--bad); margin: 0 0 6px; padding: 0; border: 0; font-size: 1.1rem; }
.alert ul { margin: 0; padding-left: 20px; }
.alert li { margin: 4px 0; }
.alert .amount { font-weight: 600; white-space: nowrap; }
.alert code { color: var(--muted); font-size: 0.85em; }
.kpis { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; padding: 0; list-style: none; }
.kpis li { background: var(--band); border-radius: 6px; padding: 8px 12px; min-width: 150px; }
.kpis b { display: block; font-size: 1.25rem; font-variant-numeric: tabular-nums; }
figure { margin: 12px 0; }
figcaption { color: var(--muted); font-size: 0.9rem; margin-top: 4px; }
.chart-box { overflow-x: auto; }
svg.chart { width: 100%; min-width: ${CHART_WIDTH}px; height: auto; display: block; }
svg text { font-size: ${FONT_SIZE}px; fill: var(--muted); }
svg .grid { stroke: var(--rule); stroke-width: 1; }
svg .axis { stroke: var(--muted); stroke-width: 1; }
svg .label { fill: var(--ink); }
svg .line { fill: none; stroke: #4e79a7; stroke-width: 2; }
svg .line.projected { stroke-dasharray: 5 4; }
svg .point { fill: #4e79a7; }
svg .point.projected { fill: #fff; stroke: #4e79a7; stroke-width: 1.5; }
svg .marker-autopay path, svg .marker-topup path, svg .marker-grant path { fill: #59a14f; }
svg .marker-expire path { fill: #e15759; }
svg .marker-addon path { fill: #c9a227; }
svg .blocked line { stroke: var(--bad); stroke-width: 2; stroke-dasharray: 3 3; }
svg .blocked text { fill: var(--bad); }
.legend { list-style: none; padding: 0; margin: 6px 0 0; display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 0.9rem; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 6px; border-radius: 2px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--rule); vertical-align: top; }
th { background: var(--band); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.total td { font-weight: 600; border-top: 2px solid var(--ink); }
tr.subtotal td { color: var(--muted); }
.warnings { padding-left: 20px; }
.warnings li { margin: 4px 0; }
.sev-error { color: var(--bad); font-weight: 600; }
.sev-warning { color: var(--warn); font-weight: 600; }
footer { color: var(--muted); font-size: 0.8rem; margin-top: 32px; }
@media (max-width: 600px) {
  body { font-size: 14px; }
  main { padding: 10px; }
  .kpis li { min-width: 0; flex: 1 1 40%; }
  th, td { padding: 3px 5px; }
}
@media print {
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  figure, .kpis, .alert, tr { break-inside: avoid; }
  thead { display: table-header-group; }
  .scroll, .chart-box { overflow: visible; }
  svg.chart { min-width: 0; }
  a { color: inherit; text-decoration: none; }
}
`;

/** Where a report's numbers come from, shown under its heading (and at the foot of every printed page). */
export interface Provenance {
  /** Label and text of each line, in order. */
  items: [string, string][];
  /** One line of it for the foot of printed pages. */
  short: string;
}

/** A CSS string literal (for `content:`): quotes and backslashes escaped, nothing that could end the style element. */
function cssString(text: string): string {
  return `"${text.replace(/[\\"]/g, '\\$&').replace(/[\r\n\f]/g, ' ').replace(/</g, '\\3c ')}"`;
}

/** A whole page: heading, provenance, banner, body and footer. */
export function page(title: string, provenance: Provenance, banner: string, body: string[]): string {
  const margin = 'font: 7pt system-ui, sans-serif; color: #5b6573;';
  const printed = `@page { margin: 14mm; @bottom-left { content: ${cssString(provenance.short)}; ${margin} } @bottom-right { content: counter(page) " / " counter(pages); ${margin} } }`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}${printed}
</style>
</head>
<body>
<main>
<h1>${esc(title)}</h1>
<dl class="provenance">${provenance.items.map(([label, text]) => `<dt>${esc(label)}</dt><dd>${esc(text)}</dd>`).join('')}</dl>
${banner}
${body.join('\n')}
<footer>Made by tallyman from the input files and the rate card named above. Amounts are exact decimals rounded once per line; nothing on this page was fetched from the network.</footer>
</main>
</body>
</html>
`;
}

/** Input files named in a report: base names as given (the same on every machine), the first few when there are many. */
export function sourceNames(sources: readonly string[], most = 10): string {
  if (sources.length === 0) return 'none';
  const names = sources.slice(0, most).map((s) => (s === '-' ? 'standard input' : basename(s)));
  return sources.length > most ? `${names.join(', ')} and ${sources.length - most} more` : names.join(', ');
}

/** An instant as local date and time in a zone, to the minute: `2026-05-06 16:00`. */
export function localTime(at: number, zone: TimeZone): string {
  return formatInstant(at + zone.offsetMs(at)).slice(0, 16).replace('T', ' ');
}

/**
 * The invoice's period in local days of the zone its days were cut in: the bounds asked for (a bound
 * within a day with its time), else the days of the first and last record.
 */
export function localPeriod(invoice: Invoice): string {
  const { zone, bounds, tally } = invoice;
  const startsDay = (at: number): boolean => zone.startOfDay(zone.dayKey(at)) === at;
  const from = bounds.from !== undefined ? (startsDay(bounds.from) ? zone.dayKey(bounds.from) : localTime(bounds.from, zone))
    : tally.first !== undefined ? zone.dayKey(tally.first) : undefined;
  const to = bounds.to !== undefined ? (startsDay(bounds.to) ? zone.dayKey(bounds.to - 1) : `before ${localTime(bounds.to, zone)}`)
    : tally.last !== undefined ? zone.dayKey(tally.last) : undefined;
  const source = bounds.from !== undefined || bounds.to !== undefined ? 'as asked' : 'first to last record';
  const days = from === undefined && to === undefined ? 'no dated records' : from === to ? from! : `${from ?? '…'} to ${to ?? '…'}`;
  return `${days} · local days in ${zone.name} (${source})`;
}

/** The provenance of a report on an invoice's run, with lines of its own after the common ones. */
export function provenanceOf(kind: string, invoice: Invoice, extra: [string, string][] = []): Provenance {
  const { card } = invoice;
  const versions = usedVersions(invoice);
  const version = versions.length === 0 ? 'no line priced' : versions.map((v) => `${v.label} (#${v.hash})`).join(', ');
  const origin = card.origin === 'built-in' ? 'built-in' : basename(card.origin);
  const files = sourceNames(invoice.sources);
  const period = localPeriod(invoice);
  return {
    items: [['Input', files], ['Rate card', `${card.name} (${origin}) · version ${version}`], ['Period', period], ['Currency', card.currency], ...extra],
    short: `tallyman ${kind} · ${sourceNames(invoice.sources, 3)} · ${card.name} ${versions.map((v) => v.label).join(', ')} · ${period}`,
  };
}

/** One line of the banner: what costs money or makes the total differ from the provider's bill. */
export interface Alert {
  title: string;
  code: string;
  message: string;
  amount: string | null;
}

/**
 * Invoice warnings that cost money (sessions billed at the cap) or make the total differ from the
 * provider's bill (usage priced at zero, at a default model or base rate, without its region, records
 * skipped): these go into the banner at the top of a report, the others into its notes at the end.
 */
const MONEY_WARNINGS: Record<string, string> = {
  UNCLOSED_SESSION: 'Streaming sessions never closed, billed at the cap',
  SESSION_AT_CAP: 'Streaming sessions billed at the maximum length',
  UNPRICED: 'Usage the rate card does not price, counted at zero',
  SKIPPED_INVALID: 'Invalid records skipped, not billed here',
  DEFAULT_MODEL: 'Records without a model, priced at the default model',
  TOKEN_CLASS_AT_BASE_RATE: 'Token classes the card does not price, billed at a base rate',
  NO_REGION: 'LLM requests without a region, priced as global routing',
};

/** The invoice's warnings split into the banner's alerts and the notes at the end. */
export function splitWarnings(invoice: Invoice): { alerts: Alert[]; notes: Warning[] } {
  const alerts: Alert[] = [];
  const notes: Warning[] = [];
  for (const w of invoice.warnings) {
    const title = MONEY_WARNINGS[w.code];
    if (title === undefined) notes.push(w);
    else alerts.push({ title, code: w.code, message: w.message, amount: w.amount === null ? null : `${formatMoney(w.amount, invoice.card.rounding.scale)} ${invoice.card.currency}` });
  }
  return { alerts, notes };
}

/** The banner at the top of a report (nothing when there is nothing to say). */
export function alertBanner(alerts: readonly Alert[]): string {
  if (alerts.length === 0) return '';
  const items = alerts.map((a) => `<li><b>${esc(a.title)}</b>${a.amount === null ? '' : ` · <span class="amount">${esc(a.amount)}</span>`}<br>${esc(a.message)} <code>${esc(a.code)}</code></li>`);
  return `<section class="alert" role="alert" aria-labelledby="alert-title"><h2 id="alert-title">Costs money: check before paying</h2><ul>${items.join('')}</ul></section>`;
}

/** The warnings that are not in the banner, at the end of a report. */
export function notesList(notes: readonly Warning[]): string {
  if (notes.length === 0) return '';
  return `<h2>Notes</h2><ul class="warnings">${notes.map((w) => `<li><span class="sev-warning">${esc(w.code)}</span> ${esc(w.message)}</li>`).join('')}</ul>`;
}

/** A table row's cells, and its class. */
export interface Row {
  cells: string[];
  className?: string;
}

/** A total or subtotal row: the label first, the amount last, the columns between empty. */
export function spanRow(label: string, amount: string, width: number, className: string): Row {
  return { cells: [label, ...Array.from({ length: width - 2 }, () => ''), amount], className };
}

/** A table that scrolls sideways in its box when wider than the page. */
export function table(head: { text: string; num?: boolean }[], rows: Row[], caption?: string): string {
  const th = head.map((h) => `<th${h.num ? ' class="num"' : ''} scope="col">${esc(h.text)}</th>`).join('');
  const tr = rows.map((r) => `<tr${r.className ? ` class="${r.className}"` : ''}>${r.cells.map((c, i) => `<td${head[i]?.num ? ' class="num"' : ''}>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<div class="scroll"><table>${caption ? `<caption class="meta">${esc(caption)}</caption>` : ''}<thead><tr>${th}</tr></thead><tbody>\n${tr}\n</tbody></table></div>`;
}

/** The key figures, in boxes. */
export function kpis(items: [string, string][]): string {
  return `<ul class="kpis">${items.map(([label, value]) => `<li>${esc(label)}<b>${esc(value)}</b></li>`).join('')}</ul>`;
}

/** A chart with its caption, in a box that scrolls sideways where the page is narrower than the chart. */
export function figure(chart: string, caption: string, label: string): string {
  return `<figure><div class="chart-box" role="region" aria-label="${esc(label)}" tabindex="0">${chart}</div><figcaption>${esc(caption)}</figcaption></figure>`;
}
