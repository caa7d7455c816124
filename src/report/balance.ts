import type { ChalkInstance } from 'chalk';
import type { BalanceResult } from '../ledger/index.js';
import type { LedgerEvent } from '../ledger/book.js';
import { BLOCKED_MESSAGE } from '../ledger/replay.js';
import { Decimal, formatMoney, roundMoney } from '../util/decimal.js';
import { compareText } from '../util/compare.js';
import { daysFrom, formatInstant } from '../util/time.js';
import { blockName, blocksOf, lineChart } from './terminal.js';
import { fitLine, fitLines } from './fit.js';
import { writeCsv, type Cell } from './csv.js';
import { reportHeader } from './invoice.js';
import { drawTable } from './text-table.js';

/** Events as printed: each balance rounded, each amount the difference of printed balances, so they add up. */
interface ShownEvent {
  event: LedgerEvent;
  amount: Decimal;
  balance: Decimal;
}

function shown(result: BalanceResult): { events: ShownEvent[]; start: Decimal; totals: Record<string, Decimal>; counts: Record<string, number> } {
  const { scale, mode } = result.invoice.card.rounding;
  const round = (d: Decimal) => roundMoney(d, scale, mode);
  const start = round(result.ledger.startBalance);
  let previous = start;
  const totals: Record<string, Decimal> = {};
  const counts: Record<string, number> = {};
  const events = result.ledger.events.map((event) => {
    const balance = round(event.balance);
    const amount = balance.minus(previous);
    previous = balance;
    if (!event.projected) {
      totals[event.type] = (totals[event.type] ?? new Decimal(0)).plus(amount);
      counts[event.type] = (counts[event.type] ?? 0) + 1;
    }
    return { event, amount, balance };
  });
  return { events, start, totals, counts };
}

/** The balance as the JSON of SPEC §4. */
export function balanceJson(result: BalanceResult) {
  const view = shown(result);
  const scale = result.invoice.card.rounding.scale;
  const m = (d: Decimal) => formatMoney(d, scale);
  const { head, tail } = balanceParts(result, view);
  return {
    ...head,
    events: view.events.map((e) => ({ at: formatInstant(e.event.at), type: e.event.type, amount: m(e.amount), balance: m(e.balance), projected: e.event.projected, note: e.event.note ?? null })),
    ...tail,
  };
}

/** The balance's JSON before and after its events: what the summary lines print, without an object per event. */
function balanceParts(result: BalanceResult, view: ReturnType<typeof shown>) {
  const { ledger, account, invoice } = result;
  const { scale, mode } = invoice.card.rounding;
  const m = (d: Decimal) => formatMoney(d, scale);
  const r = (d: Decimal) => m(roundMoney(d, scale, mode));
  const total = (type: string) => m(view.totals[type] ?? new Decimal(0));
  const projected = view.events.filter((e) => e.event.projected);
  const next = (type: string) => {
    const e = projected.find((p) => p.event.type === type);
    return e ? { at: formatInstant(e.event.at), amount: m(e.amount) } : null;
  };
  const head = {
    ...reportHeader('balance', invoice),
    model: ledger.model,
    account: {
      tier: account.tier,
      balance: r(account.balance),
      free_credits: r(account.freeCredits),
      autopay: account.autopay ? { below: r(account.autopay.below), to: r(account.autopay.to), inclusive: account.autopay.inclusive } : null,
      monthly_credits: account.monthlyCredits ? r(account.monthlyCredits) : null,
      rollover_months: account.rolloverMonths,
      addons: account.addons.map((a) => ({ name: a.name, credits: r(a.credits) })),
      topup: r(account.topupUsd),
      credits_per_usd: account.creditsPerUsd?.toString() ?? null,
    },
    start_balance: m(view.start),
  };
  const tail = {
    end_balance: r(ledger.endBalance),
    blocked_at: ledger.blocked ? formatInstant(ledger.blocked.at) : null,
    blocked: ledger.blocked
      ? { at: formatInstant(ledger.blocked.at), projected: ledger.blocked.projected, file: ledger.blocked.ref?.file ?? null, line: ledger.blocked.ref?.line ?? null, message: BLOCKED_MESSAGE }
      : null,
    refused: { count: ledger.refused.count, amount: r(ledger.refused.amount) },
    refused_by_tier: { count: ledger.refusedByTier.count, amount: r(ledger.refusedByTier.amount) },
    totals: { usage: total('usage'), grants: total('grant'), addons: total('addon'), autopay: total('autopay'), topups: total('topup'), expired: total('expire') },
    expired_total: m((view.totals.expire ?? new Decimal(0)).negated()),
    autopay: { count: view.counts.autopay ?? 0, total: total('autopay') },
    topups: { count: view.counts.topup ?? 0, total: total('topup') },
    projection: ledger.projection.entries.map((p) => ({ date: p.date, balance: r(p.balance) })),
    projection_summary: {
      days: ledger.projection.days,
      daily_spend: r(ledger.projection.dailySpend),
      daily_spend_source: ledger.projection.source,
      next_autopay: next('autopay'),
      next_topup: next('topup'),
      blocked_at: ledger.blocked?.projected ? formatInstant(ledger.blocked.at) : null,
      expiring: m(projected.filter((e) => e.event.type === 'expire').reduce((s, e) => s.minus(e.amount), new Decimal(0))),
    },
  };
  return { head, tail };
}

export function renderBalanceJson(result: BalanceResult): string {
  return `${JSON.stringify(balanceJson(result), null, 2)}\n`;
}

/** Events (log and projected) and the projected daily balances, one row each. */
export function renderBalanceCsv(result: BalanceResult): string {
  const scale = result.invoice.card.rounding.scale;
  const rows: Cell[][] = shown(result).events.map((e) => [
    { text: formatInstant(e.event.at) }, { text: e.event.type }, { number: formatMoney(e.amount, scale) }, { number: formatMoney(e.balance, scale) },
    { text: String(e.event.projected) }, { text: e.event.note ?? null },
  ]);
  for (const p of result.ledger.projection.entries) {
    rows.push([{ text: p.date }, { text: 'projection' }, { text: null }, { number: formatMoney(roundMoney(p.balance, scale, result.invoice.card.rounding.mode), scale) }, { text: 'true' }, { text: null }]);
  }
  return writeCsv(['at', 'type', 'amount', 'balance', 'projected', 'note'], rows);
}

function summaryLines(result: BalanceResult, view: ReturnType<typeof shown>): string[] {
  const { head, tail } = balanceParts(result, view);
  const j = { ...head, ...tail };
  const c = j.currency;
  const lines = [
    `Start ${j.start_balance} ${c} · usage ${j.totals.usage} · grants ${j.totals.grants} · add-ons ${j.totals.addons} · autopay ${j.autopay.total} (${j.autopay.count}×) · top-ups ${j.topups.total} (${j.topups.count}×) · expired ${j.totals.expired} → end ${j.end_balance} ${c}`,
  ];
  if (j.refused_by_tier.count > 0) lines.push(`${j.refused_by_tier.count} LLM gateway call(s) (${j.refused_by_tier.amount} ${c}) refused on the free tier: reported, not charged.`);
  if (j.blocked) {
    const where = j.blocked.file ? ` at ${j.blocked.file}:${j.blocked.line}` : '';
    lines.push(`BLOCKED ${j.blocked.projected ? '(projected) ' : ''}at ${j.blocked.at}${where}: the balance reached 0 with no autopay; the API answers ${BLOCKED_MESSAGE}`);
    if (!j.blocked.projected) lines.push(`${j.refused.count} request(s) after it would have been refused (${j.refused.amount} ${c}).`);
  }
  const p = j.projection_summary;
  if (p.days > 0) {
    const parts = [`Projection over ${p.days} day(s) at ${p.daily_spend} ${c}/day (${p.daily_spend_source})`];
    if (p.next_autopay) parts.push(`next autopay ${p.next_autopay.at} (+${p.next_autopay.amount})`);
    if (p.next_topup) parts.push(`next top-up ${p.next_topup.at} (+${p.next_topup.amount})`);
    if (j.blocked?.projected) parts.push(`blocks ${j.blocked.at}`);
    if (p.expiring !== formatMoney(new Decimal(0), result.invoice.card.rounding.scale)) parts.push(`expiring unused: ${p.expiring} ${c}`);
    lines.push(`${parts.join(' · ')}.`);
  }
  return lines;
}

/** Markdown: the summary and the events. */
export function renderBalanceMarkdown(result: BalanceResult): string {
  const scale = result.invoice.card.rounding.scale;
  const view = shown(result);
  const out = [`## tallyman balance: ${result.invoice.card.name} (${result.ledger.model})`, '', ...summaryLines(result, view).map((l) => `- ${l}`), '', '| At | Type | Amount | Balance | Note |', '| --- | --- | ---: | ---: | --- |'];
  for (const e of view.events) {
    out.push(`| ${formatInstant(e.event.at)}${e.event.projected ? ' (projected)' : ''} | ${e.event.type} | ${formatMoney(e.amount, scale)} | ${formatMoney(e.balance, scale)} | ${(e.event.note ?? '').replaceAll('|', '\\|')} |`);
  }
  return `${out.join('\n')}\n`;
}

/**
 * A table of the events, the summary, and on a terminal a chart of the balance over time: within
 * 100 columns, or fitted to `width` when given (the instants then break between date and time).
 */
export function renderBalanceTable(result: BalanceResult, paint: ChalkInstance, width?: number): string {
  const scale = result.invoice.card.rounding.scale;
  const tone: Record<string, (s: string) => string> = { usage: (s) => s, grant: paint.green, topup: paint.green, autopay: paint.green, addon: paint.yellow, expire: paint.red };
  const view = shown(result);
  const events = view.events;
  const logEvents = events.filter((e) => !e.event.projected);
  const at = (e: ShownEvent): string => (width === undefined ? formatInstant(e.event.at) : formatInstant(e.event.at).replace('T', ' '));
  const table = drawTable({
    head: ['At', 'Type', 'Amount', 'Balance', 'Note'].map((h) => ({ text: h, paint: paint.bold })),
    aligns: ['left', 'left', 'right', 'right', 'left'],
    ...(width === undefined ? { widths: [22, 9, 12, 12, 39], wrap: 'words' as const } : { fit: { width, whole: [true, true, true, true, false] } }),
  }, logEvents.map((e) => [at(e), { text: e.event.type, paint: tone[e.event.type]! }, formatMoney(e.amount, scale), formatMoney(e.balance, scale), e.event.note ?? '']));
  const out = [...fitLine(`Balance · card ${result.invoice.card.name} · ${result.ledger.model} · ${result.invoice.card.currency}`, width), logEvents.length > 0 ? table : '(no events in the log)'];
  const projectedEvents = events.filter((e) => e.event.projected && e.event.type !== 'usage');
  if (projectedEvents.length > 0) {
    const projected = projectedEvents.slice(0, 8).map((e) => `${formatInstant(e.event.at).slice(0, 10)} ${e.event.type} ${formatMoney(e.amount, scale)}`);
    out.push(...fitLines([`Projected: ${projected.join(' · ')}${projectedEvents.length > 8 ? ' · …' : ''}`], width, paint.dim));
  }
  for (const line of summaryLines(result, view)) out.push(...fitLines([line], width, line.startsWith('BLOCKED') ? paint.red : (l) => l));
  if (paint.level > 0) out.push('', chart(result, paint, width));
  return `${out.join('\n')}\n`;
}

/** A day's closing balance (printed money), whether it is projected, and its events other than usage. */
export interface DayBalance {
  balance: string;
  projected: boolean;
  events: string[];
}

/**
 * The balance at the end of every calendar day from the first event to the end of the projection
 * (a day without events keeps the balance before it), the events that mark days (autopay, top-up,
 * grant, add-on, expiry) and the day API access is blocked: what the charts draw.
 */
export function dailyBalances(result: BalanceResult, view = balanceJson(result)): {
  days: string[];
  byDay: Map<string, DayBalance>;
  markers: { index: number; kind: string; label: string }[];
  blockedIndex: number | undefined;
} {
  const zone = result.invoice.zone;
  const currency = view.currency;
  const dayOf = (i: number): string => zone.dayKey(result.ledger.events[i]!.at);
  const byDay = new Map<string, DayBalance>();
  view.events.forEach((e, i) => {
    const day = dayOf(i);
    const entry = byDay.get(day) ?? { balance: e.balance, projected: e.projected, events: [] };
    entry.balance = e.balance;
    entry.projected = entry.projected && e.projected;
    if (e.type !== 'usage') entry.events.push(`${e.type} ${e.amount}`);
    byDay.set(day, entry);
  });
  for (const p of view.projection) {
    const entry = byDay.get(p.date) ?? { balance: p.balance, projected: true, events: [] };
    entry.balance = p.balance;
    byDay.set(p.date, entry);
  }
  const known = [...byDay.keys()].sort(compareText);
  const days = daysFrom(known[0], known[known.length - 1]);
  days.forEach((day, i) => {
    if (byDay.has(day)) return;
    const before = byDay.get(days[i - 1]!)!;
    byDay.set(day, { balance: before.balance, projected: before.projected, events: [] });
  });
  const indexOf = new Map(days.map((day, i) => [day, i]));
  const markers: { index: number; kind: string; label: string }[] = [];
  view.events.forEach((e, i) => {
    if (e.type === 'usage') return;
    const index = indexOf.get(dayOf(i));
    if (index !== undefined) markers.push({ index, kind: e.type, label: `${e.projected ? 'projected ' : ''}${e.type} ${e.amount} ${currency} at ${e.at}` });
  });
  return { days, byDay, markers, blockedIndex: result.ledger.blocked ? indexOf.get(zone.dayKey(result.ledger.blocked.at)) : undefined };
}

/**
 * The balance over the log and the projection as a line chart, with event markers (display only):
 * at the end of each day, or of each week or month on a long period, so that it fits `width`.
 */
function chart(result: BalanceResult, paint: ChalkInstance, width: number | undefined): string {
  const { days, byDay, markers, blockedIndex } = dailyBalances(result);
  if (days.length < 2) return '';
  // The chart's axis labels are the balances it spans, rounded to whole units.
  const balances = days.map((day) => new Decimal(byDay.get(day)!.balance));
  const labelWidth = Math.max(...[Decimal.min(...balances), Decimal.max(...balances)].map((b) => b.toFixed(0).length));
  const grouped = blocksOf(days, width === undefined ? CHART_COLUMNS : Math.min(CHART_COLUMNS, width - labelWidth - 2));
  const marks = grouped.blocks.map(({ from, to }) => {
    const within = (i: number): boolean => i >= from && i < to;
    if (blockedIndex !== undefined && within(blockedIndex)) return paint.red('✖');
    const kinds = markers.filter((m) => within(m.index)).map((m) => m.kind);
    if (kinds.includes('expire')) return paint.red('▼');
    if (kinds.some((k) => k === 'autopay' || k === 'topup' || k === 'grant')) return paint.green('▲');
    return ' ';
  });
  const legend = `▲ autopay, top-up or grant   ▼ expiry   ✖ blocked   (balance at the end of each ${blockName(grouped)}; projected after the log)`;
  const values = grouped.blocks.map(({ to }) => balances[to - 1]!);
  return [lineChart(values, { markers: marks, first: days[0]!, last: days[days.length - 1]!, paint }), ...fitLines([legend], width, paint.dim)].join('\n');
}

/** Columns of the balance chart at most. */
const CHART_COLUMNS = 72;
