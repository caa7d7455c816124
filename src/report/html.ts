import type { AuditResult } from '../audit/index.js';
import type { BalanceResult } from '../ledger/index.js';
import type { Invoice } from '../engine/index.js';
import { compareText } from '../util/compare.js';
import { daysFrom } from '../util/time.js';
import { Decimal, formatExact, formatMoney } from '../util/decimal.js';
import { auditJson } from './audit.js';
import { balanceJson, dailyBalances } from './balance.js';
import { displayQuantity, componentLabel, linesByProduct } from './format.js';
import { esc, horizontalBars, lineChart, PALETTE, stackedBars, type Marker } from './svg.js';

/**
 * Self-contained HTML reports: one file, inline CSS and SVG, nothing fetched from the network,
 * readable on a phone and printable. Every chart has a text alternative and the numbers in a table
 * under it. Like the JSON, a report holds no wall-clock time: the same input gives the same bytes.
 */

const STYLE = `
:root { color-scheme: light; --ink: #1d2430; --muted: #5b6573; --rule: #d9dee5; --band: #f4f6f9; --bad: #b3261e; --warn: #8a5a00; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
main { max-width: 980px; margin: 0 auto; padding: 16px; }
h1 { font-size: 1.5rem; margin: 0 0 4px; }
h2 { font-size: 1.15rem; margin: 28px 0 8px; border-bottom: 1px solid var(--rule); padding-bottom: 4px; }
.meta { color: var(--muted); margin: 0 0 12px; }
.kpis { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; padding: 0; list-style: none; }
.kpis li { background: var(--band); border-radius: 6px; padding: 8px 12px; min-width: 150px; }
.kpis b { display: block; font-size: 1.25rem; font-variant-numeric: tabular-nums; }
figure { margin: 12px 0; }
figcaption { color: var(--muted); font-size: 0.9rem; margin-top: 4px; }
svg.chart { width: 100%; height: auto; display: block; }
svg .grid { stroke: var(--rule); stroke-width: 1; }
svg .axis { stroke: var(--muted); stroke-width: 1; }
svg .tick, svg .label, svg .note { font-size: 11px; fill: var(--muted); }
svg .label { fill: var(--ink); }
svg .line { fill: none; stroke: #4e79a7; stroke-width: 2; }
svg .line.projected { stroke-dasharray: 5 4; }
svg .point { fill: #4e79a7; }
svg .point.projected { fill: #fff; stroke: #4e79a7; stroke-width: 1.5; }
svg .marker-autopay path, svg .marker-topup path, svg .marker-grant path { fill: #59a14f; }
svg .marker-expire path { fill: #e15759; }
svg .marker-addon path { fill: #edc948; }
svg .blocked line { stroke: var(--bad); stroke-width: 2; stroke-dasharray: 3 3; }
svg .blocked text { fill: var(--bad); font-size: 11px; }
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
.blocked-note { color: var(--bad); font-weight: 600; }
footer { color: var(--muted); font-size: 0.8rem; margin-top: 32px; }
@media (max-width: 600px) {
  body { font-size: 14px; }
  main { padding: 10px; }
  .kpis li { min-width: 0; flex: 1 1 40%; }
  th, td { padding: 3px 5px; }
}
@media print {
  @page { margin: 14mm; }
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  figure, .kpis, tr { break-inside: avoid; }
  thead { display: table-header-group; }
  .scroll { overflow: visible; }
  a { color: inherit; text-decoration: none; }
}
`;

function page(title: string, meta: string, body: string[]): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${esc(title)}</h1>
<p class="meta">${esc(meta)}</p>
${body.join('\n')}
<footer>Made by tallyman from the usage log and the rate card named above. Amounts are exact decimals rounded once per line; nothing on this page was fetched from the network.</footer>
</main>
</body>
</html>
`;
}

interface Row {
  cells: string[];
  className?: string;
}

/** A total or subtotal row: the label first, the amount last, the columns between empty. */
function spanRow(label: string, amount: string, width: number, className: string): Row {
  return { cells: [label, ...Array.from({ length: width - 2 }, () => ''), amount], className };
}

function table(head: { text: string; num?: boolean }[], rows: Row[], caption?: string): string {
  const th = head.map((h) => `<th${h.num ? ' class="num"' : ''} scope="col">${esc(h.text)}</th>`).join('');
  const tr = rows.map((r) => `<tr${r.className ? ` class="${r.className}"` : ''}>${r.cells.map((c, i) => `<td${head[i]?.num ? ' class="num"' : ''}>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<div class="scroll"><table>${caption ? `<caption class="meta">${esc(caption)}</caption>` : ''}<thead><tr>${th}</tr></thead><tbody>\n${tr}\n</tbody></table></div>`;
}

function kpis(items: [string, string][]): string {
  return `<ul class="kpis">${items.map(([label, value]) => `<li>${esc(label)}<b>${esc(value)}</b></li>`).join('')}</ul>`;
}

function warningList(warnings: { code: string; message: string }[]): string {
  if (warnings.length === 0) return '';
  return `<h2>Warnings</h2><ul class="warnings">${warnings.map((w) => `<li><span class="sev-warning">${esc(w.code)}</span> ${esc(w.message)}</li>`).join('')}</ul>`;
}

function periodOf(period: { from: string | null; to: string | null }): string {
  return period.from === null && period.to === null ? 'whole log' : `${period.from ?? '…'} to ${period.to ?? '…'}`;
}

/** The daily spend of an invoice, stacked by product, with its table and text alternative. */
function dailyFigure(invoice: Invoice, id: string): string {
  const daily = invoice.daily ?? [];
  const scale = invoice.card.rounding.scale;
  const currency = invoice.card.currency;
  if (daily.length === 0) return '<p class="meta">No priced usage to chart.</p>';
  const order = new Map(invoice.subtotals.map((s, i) => [s.product, i]));
  const products = [...new Set(daily.map((d) => d.product))].sort((a, b) => (order.get(a) ?? 99) - (order.get(b) ?? 99) || compareText(a, b));
  // Every calendar day from the first to the last gets a place, so that time runs evenly; undated usage comes last.
  const dated = daily.filter((d) => d.day !== null).map((d) => d.day!).sort(compareText);
  const days = daysFrom(dated[0], dated[dated.length - 1]);
  if (daily.some((d) => d.day === null)) days.push('undated');
  const byCell = new Map(daily.map((d) => [`${d.day ?? 'undated'}\u0000${d.product}`, d.amount]));
  const amount = (product: string, day: string): Decimal => byCell.get(`${day}\u0000${product}`) ?? new Decimal(0);
  const values = products.map((p) => days.map((d) => amount(p, d)));
  const dayTotals = days.map((_, i) => values.reduce((sum, row) => sum.plus(row[i]!), new Decimal(0)));
  const money = (d: Decimal): string => formatMoney(d, scale);
  const highest = dayTotals.reduce((best, t, i) => (t.gt(dayTotals[best]!) ? i : best), 0);
  const desc = `Daily spend from ${days[0]} to ${days[days.length - 1]} (${days.length} day(s)), stacked by product (${products.join(', ')}): ${money(invoice.total)} ${currency} in all; the highest day is ${days[highest]} at ${money(dayTotals[highest]!)} ${currency}.`;
  const chart = stackedBars({ id, title: `Daily spend by product (${currency})`, desc, categories: days, series: products, values });
  const rows: Row[] = days.map((day, i) => ({ cells: [day, ...products.map((p) => money(amount(p, day))), money(dayTotals[i]!)] }));
  rows.push({ cells: ['Total', ...products.map((_, s) => money(values[s]!.reduce((a, b) => a.plus(b), new Decimal(0)))), money(invoice.total)], className: 'total' });
  return `<figure>${chart}<figcaption>${esc(desc)} Each invoice line is shared out over the days of its usage in proportion to its quantity, so the days add up to the invoice exactly.</figcaption></figure>`
    + table([{ text: 'Day' }, ...products.map((p) => ({ text: p, num: true })), { text: `Total ${currency}`, num: true }], rows);
}

/** `invoice --format html`. */
export function renderInvoiceHtml(invoice: Invoice): string {
  const { card, tally } = invoice;
  const scale = card.rounding.scale;
  const money = (d: Decimal): string => `${formatMoney(d, scale)} ${card.currency}`;
  const lineHead = [{ text: 'Product' }, { text: 'Model' }, { text: 'Add-on / tokens' }, { text: 'Tier' }, ...invoice.groupBy.map((g) => ({ text: g })), { text: 'Quantity', num: true }, { text: 'Rate', num: true }, { text: card.currency, num: true }];
  const lineRows: Row[] = [];
  const groups = linesByProduct(invoice.lines);
  for (const subtotal of invoice.subtotals) {
    for (const i of groups.get(subtotal.product) ?? []) {
      const l = invoice.lines[i]!;
      lineRows.push({ cells: [l.product, l.model, componentLabel(l), l.tier ?? '', ...l.dims.map((d) => d ?? '—'), displayQuantity(l), formatExact(l.rate), formatMoney(l.amount, scale)] });
    }
    if (invoice.subtotals.length > 1) lineRows.push(spanRow(`subtotal ${subtotal.product}`, formatMoney(subtotal.amount, scale), lineHead.length, 'subtotal'));
  }
  lineRows.push(spanRow('TOTAL', formatMoney(invoice.total, scale), lineHead.length, 'total'));
  return page(`Invoice · ${card.name}`, `Card ${card.name} (${card.origin}) · ${periodOf(invoice.period)} · days cut in ${card.timezone.name} · ${card.currency}`, [
    kpis([['Total', money(invoice.total)], ['Records billed', String(tally.billed)], ['Free (failed)', String(tally.free)], ['Unclosed sessions', String(tally.unclosed.count)]]),
    '<h2>Daily spend</h2>',
    dailyFigure(invoice, 'daily-spend'),
    '<h2>Invoice lines</h2>',
    invoice.lines.length > 0 ? table(lineHead, lineRows) : '<p class="meta">No billable usage.</p>',
    warningList(invoice.warnings),
  ]);
}

/** `audit --format html`. */
export function renderAuditHtml(result: AuditResult): string {
  const view = auditJson(result);
  const currency = view.currency;
  const codes = view.summary.codes;
  const colour = (severity: string): string => (severity === 'error' ? '#e15759' : severity === 'warning' ? '#f28e2b' : PALETTE[0]!);
  const stake = (amount: string | null): string => (amount === null ? 'no money at stake' : `${amount} ${currency} at stake`);
  const desc = codes.length === 0
    ? 'No findings.'
    : `Findings by code: ${codes.map((c) => `${c.code} (${c.severity}) ${c.count}, ${stake(c.amount)}`).join('; ')}. Money at stake in all: ${view.summary.money_at_stake ?? '0'} ${currency}.`;
  const chart = codes.length === 0 ? '<p class="meta">No findings.</p>' : `<figure>${horizontalBars({
    id: 'findings-by-code',
    title: `Money at stake by finding code (${currency}; the count beside each bar)`,
    desc,
    rows: codes.map((c) => ({ label: c.code, value: new Decimal(c.amount ?? 0), note: `${c.count} finding(s) · ${stake(c.amount)}`, colour: colour(c.severity) })),
  })}<figcaption>${esc(desc)} Bar length: the money at stake; red: errors, orange: warnings, blue: information.</figcaption></figure>`;
  const codeRows: Row[] = codes.map((c) => ({ cells: [c.code, c.severity, String(c.count), c.amount ?? '—'] }));
  codeRows.push({ cells: ['Total', '', String(view.summary.findings), view.summary.money_at_stake ?? '—'], className: 'total' });
  const findingRows = view.findings.map((f) => ({ cells: [f.severity, f.code, f.file === null ? '' : `${f.file}:${f.line ?? ''}`, f.id ?? '', f.at ?? '', f.amount ?? '', f.message] }));
  return page(`Audit · ${view.card.name}`, `Card ${view.card.name} · ${periodOf(view.period)} · ${view.timezone} · ${currency}`, [
    kpis([['Findings', String(view.summary.findings)], ['Money at stake', `${view.summary.money_at_stake ?? '0'} ${currency}`], ['Invoice total', `${view.summary.invoice_total} ${currency}`], ['Avoidable streaming', `${view.summary.streaming.avoidable} ${currency}`]]),
    '<h2>Findings by code</h2>',
    chart,
    codes.length === 0 ? '' : table([{ text: 'Code' }, { text: 'Severity' }, { text: 'Count', num: true }, { text: `At stake ${currency}`, num: true }], codeRows),
    '<h2>Findings</h2>',
    view.findings.length === 0 ? '<p class="meta">None.</p>' : table([{ text: 'Severity' }, { text: 'Code' }, { text: 'Where' }, { text: 'Id' }, { text: 'At' }, { text: currency, num: true }, { text: 'Message' }], findingRows),
    view.summary.omitted > 0 ? `<p class="meta">${view.summary.omitted} more finding(s) are counted above but not listed.</p>` : '',
  ]);
}

/** Markers a chart draws one by one, at most; past them it draws one a day and kind. */
const MAX_MARKERS = 1000;

/**
 * The markers of the balance chart: every event's, up to MAX_MARKERS (a 720-pixel chart is full long
 * before); past that, one for each day and kind, its label saying how many events it stands for.
 */
function chartMarkers(markers: Marker[], days: readonly string[]): Marker[] {
  if (markers.length <= MAX_MARKERS) return markers;
  const byDayAndKind = new Map<string, { marker: Marker; count: number }>();
  for (const marker of markers) {
    const key = `${marker.index}\u0000${marker.kind}`;
    const seen = byDayAndKind.get(key);
    if (seen) seen.count++;
    else byDayAndKind.set(key, { marker, count: 1 });
  }
  return [...byDayAndKind.values()].map(({ marker, count }) => (count === 1 ? marker : { ...marker, label: `${count} ${marker.kind} events on ${days[marker.index]}` }));
}

/** `balance --format html`. */
export function renderBalanceHtml(result: BalanceResult): string {
  const view = balanceJson(result);
  const currency = view.currency;
  const { days, byDay, markers, blockedIndex } = dailyBalances(result, view);
  const values = days.map((d) => new Decimal(byDay.get(d)!.balance));
  const firstProjected = days.findIndex((d) => byDay.get(d)!.projected);
  const projectedFrom = firstProjected === -1 ? days.length : firstProjected;
  const drawn = chartMarkers(markers, days);
  const count = (kind: string): number => drawn.filter((m) => m.kind === kind).length;
  const desc = days.length === 0
    ? 'No balance to chart.'
    : `Balance at the end of each day from ${days[0]} to ${days[days.length - 1]}${projectedFrom < days.length ? ` (projected from ${days[projectedFrom]})` : ''}: from ${view.start_balance} to ${byDay.get(days[days.length - 1]!)!.balance} ${currency}; ${count('autopay')} autopay, ${count('topup')} top-up, ${count('grant')} grant and ${count('expire')} expiry marker(s)${view.blocked ? `; API access blocked on ${blockedIndex === undefined ? view.blocked.at : days[blockedIndex]}` : ''}.`;
  const merged = drawn.length < markers.length ? ` Its ${markers.length} events are more than a chart can show one by one: it marks each day and kind once, and the table under it lists every event.` : '';
  const chart = days.length === 0 ? '<p class="meta">No balance to chart.</p>' : `<figure>${lineChart({
    id: 'balance-over-time', title: `Balance over time (${currency})`, desc, categories: days, values, projectedFrom, markers: drawn, blockedAt: blockedIndex,
  })}<figcaption>${esc(desc)} Solid: the log; dashed: the projection. Triangles mark autopay, top-ups, grants and expiries.${esc(merged)}</figcaption></figure>`;
  const dayRows: Row[] = days.map((d) => {
    const e = byDay.get(d)!;
    return { cells: [d, e.projected ? 'projected' : 'log', e.balance, e.events.join('; ')] };
  });
  return page(`Balance · ${view.card.name}`, `Card ${view.card.name} · ${view.model} account · ${periodOf(view.period)} · ${view.timezone} · ${currency}`, [
    kpis([['Start balance', `${view.start_balance} ${currency}`], ['End balance', `${view.end_balance} ${currency}`], ['Usage', `${view.totals.usage} ${currency}`], ['Blocked', view.blocked ? view.blocked.at : 'no']]),
    view.blocked ? `<p class="blocked-note">API access ${view.blocked.projected ? 'would be' : 'was'} blocked at ${esc(view.blocked.at)}: ${esc(view.blocked.message)}</p>` : '',
    '<h2>Balance over time</h2>',
    chart,
    table([{ text: 'Day' }, { text: 'Source' }, { text: `Balance ${currency}`, num: true }, { text: 'Events' }], dayRows),
  ]);
}
