import type { AuditResult } from '../audit/index.js';
import type { BalanceResult } from '../ledger/index.js';
import type { Invoice } from '../engine/index.js';
import { BLOCKED_MESSAGE } from '../ledger/replay.js';
import { compareText } from '../util/compare.js';
import { daysFrom } from '../util/time.js';
import { Decimal, formatExact, formatMoney } from '../util/decimal.js';
import { auditJson } from './audit.js';
import { balanceJson, dailyBalances } from './balance.js';
import { displayQuantity, componentLabel, linesByProduct } from './format.js';
import { alertBanner, figure, kpis, localTime, notesList, page, provenanceOf, spanRow, splitWarnings, table, type Row } from './html-page.js';
import { horizontalBars, lineChart, PALETTE, stackedBars } from './svg.js';

/**
 * Self-contained HTML reports: one file, inline CSS and SVG, nothing fetched from the network,
 * readable on a phone and printable. Every chart has a text alternative and the numbers in a table
 * under it. Like the JSON, a report holds no wall-clock time: the same input gives the same bytes.
 */

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
  return figure(chart, `${desc} Each invoice line is shared out over the days of its usage in proportion to its quantity, so the days add up to the invoice exactly.`, 'Daily spend chart')
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
  const { alerts, notes } = splitWarnings(invoice);
  return page(`Invoice · ${card.name}`, provenanceOf('invoice', invoice), alertBanner(alerts), [
    kpis([['Total', money(invoice.total)], ['Records billed', String(tally.billed)], ['Free (failed)', String(tally.free)], ['Unclosed sessions', String(tally.unclosed.count)]]),
    '<h2>Daily spend</h2>',
    dailyFigure(invoice, 'daily-spend'),
    '<h2>Invoice lines</h2>',
    invoice.lines.length > 0 ? table(lineHead, lineRows) : '<p class="meta">No billable usage.</p>',
    notesList(notes),
  ]);
}

/** Audit findings that cost money without an invoice warning of their own: the banner names them too. */
const MONEY_FINDINGS: Record<string, string> = {
  NEGATIVE_BALANCE: 'API access blocked: the balance reached 0 with no autopay',
  FREE_TIER_LLM: 'LLM gateway calls refused on the free tier',
};

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
  const chart = codes.length === 0 ? '<p class="meta">No findings.</p>' : figure(horizontalBars({
    id: 'findings-by-code',
    title: `Money at stake by finding code (${currency}; the count beside each bar)`,
    desc,
    rows: codes.map((c) => ({ label: c.code, value: new Decimal(c.amount ?? 0), note: `${c.count} finding(s) · ${stake(c.amount)}`, colour: colour(c.severity) })),
  }), `${desc} Bar length: the money at stake; red: errors, orange: warnings, blue: information.`, 'Findings by code chart');
  const codeRows: Row[] = codes.map((c) => ({ cells: [c.code, c.severity, String(c.count), c.amount ?? '—'] }));
  codeRows.push({ cells: ['Total', '', String(view.summary.findings), view.summary.money_at_stake ?? '—'], className: 'total' });
  const findingRows = view.findings.map((f) => ({ cells: [f.severity, f.code, f.file === null ? '' : `${f.file}:${f.line ?? ''}`, f.id ?? '', f.at ?? '', f.amount ?? '', f.message] }));
  const { alerts, notes } = splitWarnings(result.invoice);
  for (const c of result.codes) {
    const title = MONEY_FINDINGS[c.code];
    if (title === undefined) continue;
    const first = result.findings.find((f) => f.code === c.code);
    alerts.push({ title, code: c.code, message: `${c.count} finding(s)${first ? `; the first: ${first.message}` : ''}`, amount: c.amount === null ? null : `${formatMoney(c.amount, result.invoice.card.rounding.scale)} ${currency}` });
  }
  return page(`Audit · ${view.card.name}`, provenanceOf('audit', result.invoice, [['Tier', `${view.tier} (its limits apply)`]]), alertBanner(alerts), [
    kpis([['Findings', String(view.summary.findings)], ['Money at stake', `${view.summary.money_at_stake ?? '0'} ${currency}`], ['Invoice total', `${view.summary.invoice_total} ${currency}`], ['Avoidable streaming', `${view.summary.streaming.avoidable} ${currency}`]]),
    '<h2>Findings by code</h2>',
    chart,
    codes.length === 0 ? '' : table([{ text: 'Code' }, { text: 'Severity' }, { text: 'Count', num: true }, { text: `At stake ${currency}`, num: true }], codeRows),
    '<h2>Findings</h2>',
    view.findings.length === 0 ? '<p class="meta">None.</p>' : table([{ text: 'Severity' }, { text: 'Code' }, { text: 'Where' }, { text: 'Id' }, { text: 'At' }, { text: currency, num: true }, { text: 'Message' }], findingRows),
    view.summary.omitted > 0 ? `<p class="meta">${view.summary.omitted} more finding(s) are counted above but not listed.</p>` : '',
    notesList(notes),
  ]);
}

/** `balance --format html`. */
export function renderBalanceHtml(result: BalanceResult): string {
  const view = balanceJson(result);
  const currency = view.currency;
  const zone = result.invoice.zone;
  const { days, byDay, markers, blockedIndex } = dailyBalances(result, view);
  const values = days.map((d) => new Decimal(byDay.get(d)!.balance));
  const firstProjected = days.findIndex((d) => byDay.get(d)!.projected);
  const projectedFrom = firstProjected === -1 ? days.length : firstProjected;
  const count = (kind: string): number => markers.filter((m) => m.kind === kind).length;
  const blocked = result.ledger.blocked;
  const blockedAt = blocked ? `${localTime(blocked.at, zone)} (${zone.name})` : 'no';
  const desc = days.length === 0
    ? 'No balance to chart.'
    : `Balance at the end of each day from ${days[0]} to ${days[days.length - 1]}${projectedFrom < days.length ? ` (projected from ${days[projectedFrom]})` : ''}: from ${view.start_balance} to ${byDay.get(days[days.length - 1]!)!.balance} ${currency}; ${count('autopay')} autopay, ${count('topup')} top-up, ${count('grant')} grant, ${count('addon')} add-on and ${count('expire')} expiry event(s)${blocked ? `; API access blocked on ${blockedIndex === undefined ? blockedAt : days[blockedIndex]}` : ''}.`;
  const chart = days.length === 0 ? '<p class="meta">No balance to chart.</p>' : figure(lineChart({
    id: 'balance-over-time', title: `Balance over time (${currency})`, desc, categories: days, values, projectedFrom, markers, blockedAt: blockedIndex,
  }), `${desc} Solid: the log; dashed: the projection. The rows under the chart mark each kind of event on its day (▲ money or credits in, ■ add-ons, ▼ expiries); a mark that stands for several close events says how many in its tooltip, and the table under it lists every one.`, 'Balance chart');
  const dayRows: Row[] = days.map((d) => {
    const e = byDay.get(d)!;
    return { cells: [d, e.projected ? 'projected' : 'log', e.balance, e.events.join('; ')] };
  });
  const { alerts, notes } = splitWarnings(result.invoice);
  if (view.blocked) {
    const where = view.blocked.file ? ` (${view.blocked.file}:${view.blocked.line})` : '';
    const refused = view.blocked.projected ? '' : ` ${view.refused.count} later request(s) would be refused.`;
    alerts.unshift({
      title: `API access ${view.blocked.projected ? 'would be blocked' : 'was blocked'} at ${blockedAt}`,
      code: 'NEGATIVE_BALANCE',
      message: `the balance ${view.blocked.projected ? 'reaches' : 'reached'} 0 or below with no autopay${where}; the API then answers ${BLOCKED_MESSAGE}.${refused}`,
      amount: view.blocked.projected ? null : `${view.refused.amount} ${currency}`,
    });
  }
  if (view.refused_by_tier.count > 0) {
    alerts.push({ title: 'LLM gateway calls refused on the free tier', code: 'FREE_TIER_LLM', message: `${view.refused_by_tier.count} call(s) reported, not charged.`, amount: `${view.refused_by_tier.amount} ${currency}` });
  }
  const projection = view.projection_summary;
  const lastProjected = view.projection[view.projection.length - 1];
  const extra: [string, string][] = [
    ['Account', `${view.model} · start balance ${view.start_balance} ${currency}`],
    ['Projection', projection.days === 0 || lastProjected === undefined ? 'none' : `${projection.days} day(s) to ${lastProjected.date} at ${projection.daily_spend} ${currency} a day (${projection.daily_spend_source})`],
  ];
  return page(`Balance · ${view.card.name}`, provenanceOf('balance', result.invoice, extra), alertBanner(alerts), [
    kpis([['Start balance', `${view.start_balance} ${currency}`], ['End balance', `${view.end_balance} ${currency}`], ['Usage', `${view.totals.usage} ${currency}`], ['Blocked', blockedAt]]),
    '<h2>Balance over time</h2>',
    chart,
    table([{ text: 'Day' }, { text: 'Source' }, { text: `Balance ${currency}`, num: true }, { text: 'Events' }], dayRows),
    notesList(notes),
  ]);
}
