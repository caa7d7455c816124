import type { RateCard } from '../rates/card.js';
import type { Decimal } from '../util/decimal.js';
import { UsageError, type SourceRef } from '../util/errors.js';
import { accountUnits, State, topupSize } from './state.js';
import { nthInOrder } from '../util/columns.js';
import { nextDay, nextMonth, parseDay, type TimeZone } from '../util/time.js';
import type { Account } from './account.js';
import { Book, type LedgerEvent } from './book.js';
import type { LedgerCollector } from './collector.js';
import { Costs, type Rate, type Units } from './costs.js';
import { fromUnits, roundHalfEven, toUnits } from './units.js';

export { LEDGER_SCALE } from './units.js';

/** The provider's error text once the API is blocked. */
export const BLOCKED_MESSAGE = '{"error": "Your current account balance is negative. Please top up to continue using the API."}';

/** A ledger of the log and its projection. All amounts exact; renderers round them. */
export interface Ledger {
  model: 'prepaid' | 'credits';
  startBalance: Decimal;
  /** The first instant the ledger covers. */
  startAt: number;
  events: LedgerEvent[];
  endBalance: Decimal;
  blocked: { at: number; ref: SourceRef | undefined; projected: boolean } | undefined;
  /** Usage after the block, which the provider would have refused. */
  refused: { count: number; amount: Decimal };
  /** Usage the free tier refuses (LLM gateway), reported and not charged. */
  refusedByTier: { count: number; amount: Decimal };
  /** Usage demanded by the log (charged or refused), and the calendar days it spans. */
  demand: Decimal;
  days: number;
  projection: Projection;
}

export interface Projection {
  days: number;
  dailySpend: Decimal;
  source: 'log average' | '--daily-spend';
  entries: { date: string; balance: Decimal }[];
}

export interface ReplayOptions {
  card: RateCard;
  zone: TimeZone;
  account: Account;
  /** The price per base unit of each `rates` entry of the collector. */
  rates: readonly Rate[];
  from: number | undefined;
  projectionDays: number;
  dailySpend: Decimal | undefined;
  /** Take each record's usage from the book by itself, not summed between rules (the tests' reference). */
  recordByRecord?: boolean;
}

/** Replays the billed records in completion order against an account, then projects it forward. */
export function replay(c: LedgerCollector, options: ReplayOptions): Ledger {
  const { account, zone } = options;
  const model = account.monthlyCredits !== undefined ? 'credits' : 'prepaid';
  if (model === 'credits' && account.autopay) throw new UsageError('autopay is for prepaid balances; a monthly-credit plan tops up instead (--topup)');
  const first = c.first ?? options.from;
  if (first === undefined) throw new UsageError('the log has no dated records to build a ledger from');
  const startAt = model === 'credits' ? zone.startOfDay(`${zone.monthKey(options.from ?? first)}-01`) : Math.min(options.from ?? first, first);
  const units = accountUnits(account);
  const book = new Book(units.balance);
  const state = new State(book, account, units, model, () => topupSize(account, options.card), options.recordByRecord !== true);
  if (units.freeCredits > 0n) book.credit(startAt, 'grant', units.freeCredits, undefined, 'free tier credit (never expires)');

  let month = model === 'credits' ? zone.monthKey(startAt) : '';
  const monthStart = (key: string) => zone.startOfDay(`${key}-01`);
  let monthAt = model === 'credits' ? monthStart(month) : Infinity;
  const months = (until: number) => {
    while (monthAt <= until) {
      state.startMonth(monthAt, month, zone);
      month = nextMonth(month);
      monthAt = monthStart(month);
    }
  };

  const costs = new Costs(options.rates);
  const nth = nthInOrder(c.completed.length, (i) => c.completed.at(i), c.completed.ascending);
  const n = c.completed.length;
  const demand = new Sum();
  const charge = (i: number, cost: Units, at: number, day: string): void => {
    demand.add(cost);
    if (c.refusedByTier(i)) state.refuseByTier(BigInt(cost));
    else state.charge(at, cost, day, i);
  };
  // The records of one instant and their costs (reused).
  const group: number[] = [];
  const charges: Units[] = [];
  // Records come in time order: the local day is found again only when one passes its end.
  let day = '';
  let dayFrom = Infinity;
  let dayTo = -Infinity;
  for (let k = 0; k < n; ) {
    const at = c.completed.at(nth(k));
    months(at);
    if (at < dayFrom || at >= dayTo) {
      day = zone.dayKey(at);
      dayFrom = zone.startOfDay(day);
      dayTo = zone.startOfDay(nextDay(day));
    }
    let end = k + 1;
    while (end < n && c.completed.at(nth(end)) === at) end++;
    if (end - k === 1) {
      charge(nth(k), costs.of(c, nth(k)), at, day);
    } else {
      const count = end - k;
      for (let j = 0; j < count; j++) charges[j] = costs.of(c, (group[j] = nth(k + j)));
      cheapestFirst(group, charges, count);
      for (let j = 0; j < count; j++) charge(group[j]!, charges[j]!, at, day);
    }
    k = end;
  }
  state.settle();
  book.flush();
  const endBalance = book.balance;

  const lastDay = zone.dayKey(c.last ?? startAt);
  const days = c.first === undefined ? 1 : parseDay(lastDay) - parseDay(zone.dayKey(c.first)) + 1;
  const dailySpend = options.dailySpend === undefined ? roundHalfEven(demand.total, BigInt(days)) : toUnits(options.dailySpend, '--daily-spend');
  book.projected = true;
  const entries: { date: string; balance: Decimal }[] = [];
  let projected = lastDay;
  for (let d = 0; d < options.projectionDays; d++) {
    projected = nextDay(projected);
    const dayStart = zone.startOfDay(projected);
    months(dayStart);
    state.chargeDay(dayStart, dailySpend, projected, zone.startOfDay(nextDay(projected)) - dayStart);
    book.flush();
    entries.push({ date: projected, balance: fromUnits(book.balance) });
  }
  const refused = (r: { count: number; amount: bigint }) => ({ count: r.count, amount: fromUnits(r.amount) });
  const blocked = state.blocked && { at: state.blocked.at, ref: state.blocked.record === undefined ? undefined : c.ref(state.blocked.record), projected: state.blocked.projected };
  return {
    model, startBalance: account.balance, startAt, events: book.events, endBalance: fromUnits(endBalance),
    blocked, refused: refused(state.refused), refusedByTier: refused(state.refusedByTier), demand: fromUnits(demand.total), days,
    projection: { days: options.projectionDays, dailySpend: options.dailySpend ?? fromUnits(dailySpend), source: options.dailySpend ? '--daily-spend' : 'log average', entries },
  };
}

/**
 * Puts the first `count` records that complete at the same instant cheapest first, with their
 * costs (in place): which of them the balance pays for before a block or an autopay never depends on
 * the order of the log's lines (records of equal cost at one instant move the ledger alike).
 */
function cheapestFirst(records: number[], charges: Units[], count: number): void {
  // An insertion sort, stable: the records of one instant are few.
  for (let k = 1; k < count; k++) {
    const record = records[k]!;
    const cost = charges[k]!;
    let j = k;
    for (; j > 0 && charges[j - 1]! > cost; j--) {
      records[j] = records[j - 1]!;
      charges[j] = charges[j - 1]!;
    }
    records[j] = record;
    charges[j] = cost;
  }
}

/** A sum of ledger units, in float arithmetic while it is a safe integer (exact there), in BigInt past it. */
class Sum {
  private small = 0;
  private big = 0n;

  add(units: Units): void {
    const next = typeof units === 'number' ? this.small + units : Number.NaN;
    if (Number.isSafeInteger(next)) this.small = next;
    else this.big += BigInt(units);
  }

  get total(): bigint {
    return this.big + BigInt(this.small);
  }
}

