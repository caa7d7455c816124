import type { RateCard } from '../rates/card.js';
import type { Decimal } from '../util/decimal.js';
import { UsageError, type SourceRef } from '../util/errors.js';
import { nthInOrder } from '../util/columns.js';
import { nextDay, nextMonth, parseDay, type TimeZone } from '../util/time.js';
import type { Account } from './account.js';
import { Book, type LedgerEvent } from './book.js';
import type { LedgerCollector } from './collector.js';
import { Costs, type Rate } from './costs.js';
import { ceilDiv, fromUnits, roundHalfEven, toUnits } from './units.js';

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
  const state = new State(book, account, units, model, () => topupSize(account, options.card));
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
  let demand = 0n;
  const charge = (i: number, cost: bigint, at: number, day: string): void => {
    demand += cost;
    if (c.refusedByTier(i)) state.refuseByTier(cost);
    else state.charge(at, cost, day, i);
  };
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
      const records = Uint32Array.from({ length: end - k }, (_, j) => nth(k + j));
      const charges = cheapestFirst(c, costs, records);
      for (let j = 0; j < records.length; j++) charge(records[j]!, charges[j]!, at, day);
    }
    k = end;
  }
  book.flush();
  const endBalance = book.balance;

  const lastDay = zone.dayKey(c.last ?? startAt);
  const days = c.first === undefined ? 1 : parseDay(lastDay) - parseDay(zone.dayKey(c.first)) + 1;
  const dailySpend = options.dailySpend === undefined ? roundHalfEven(demand, BigInt(days)) : toUnits(options.dailySpend, '--daily-spend');
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
    blocked, refused: refused(state.refused), refusedByTier: refused(state.refusedByTier), demand: fromUnits(demand), days,
    projection: { days: options.projectionDays, dailySpend: options.dailySpend ?? fromUnits(dailySpend), source: options.dailySpend ? '--daily-spend' : 'log average', entries },
  };
}

/**
 * Puts records that complete at the same instant cheapest first (in place): which of them the
 * balance pays for before a block or an autopay never depends on the order of the log's lines
 * (records of equal cost at one instant move the ledger alike). Returns their costs in that order.
 */
function cheapestFirst(c: LedgerCollector, costs: Costs, records: Uint32Array): bigint[] {
  const charges = Array.from(records, (i) => costs.of(c, i));
  // An insertion sort, stable: the records of one instant are few.
  for (let k = 1; k < records.length; k++) {
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
  return charges;
}

/** The account's amounts in ledger units: each refused with its setting's name when finer than the ledger counts. */
function accountUnits(account: Account) {
  return {
    balance: toUnits(account.balance, 'balance (--balance)'),
    freeCredits: toUnits(account.freeCredits, 'free_credits'),
    autopay: account.autopay && { below: toUnits(account.autopay.below, 'autopay below (--autopay)'), to: toUnits(account.autopay.to, 'autopay to (--autopay)'), inclusive: account.autopay.inclusive },
    monthlyCredits: account.monthlyCredits && toUnits(account.monthlyCredits, 'monthly_credits (--monthly-credits)'),
    addons: account.addons.map((a) => ({ name: a.name, credits: toUnits(a.credits, `add-on ${a.name} (--addon)`) })),
  };
}
type AccountUnits = ReturnType<typeof accountUnits>;

/**
 * Credits a top-up adds, in ledger units: `topup` USD × `credits_per_usd` (1 on a USD card). Asked
 * for only when a top-up is due: a plan whose credits never run out needs no conversion.
 */
function topupSize(account: Account, card: RateCard): bigint {
  if (account.creditsPerUsd) return toUnits(account.topupUsd.times(account.creditsPerUsd), 'a top-up (topup × credits_per_usd)');
  if (card.currency === 'USD') return toUnits(account.topupUsd, 'topup (--topup)');
  throw new UsageError(`card ${card.name} is priced in ${card.currency} and a ${account.topupUsd} USD top-up is due: give credits_per_usd (--credits-per-usd, the account file or the card) so it can be counted, or --topup 0`);
}

/** The rules that move the balance: blocking, autopay, top-ups and the monthly cycle. Amounts are ledger units. */
class State {
  /** When the balance first reached 0 or below, and the record (its collector index) that took it there. */
  blocked: { at: number; record: number | undefined; projected: boolean } | undefined;
  readonly refused = { count: 0, amount: 0n };
  readonly refusedByTier = { count: 0, amount: 0n };

  constructor(
    private readonly book: Book,
    private readonly account: Account,
    private readonly units: AccountUnits,
    private readonly model: 'prepaid' | 'credits',
    private readonly topupSize: () => bigint,
  ) {}

  /** Credits one top-up adds, found when the first one is due. */
  private topupCredits: bigint | undefined;

  refuseByTier(cost: bigint): void {
    this.refusedByTier.count++;
    this.refusedByTier.amount += cost;
  }

  /** Charges one record at its completion; after a block, usage is refused instead. */
  charge(at: number, cost: bigint, day: string, record: number): void {
    if (this.blocked) {
      this.refused.count++;
      this.refused.amount += cost;
      return;
    }
    this.topUpFor(at, cost);
    const before = this.book.balance;
    this.book.debit(at, 'usage', cost, day);
    this.afterDebit(at, record, before, cost, undefined);
  }

  /** A projected day of usage, spread evenly over the day (so a block falls at the right hour). */
  chargeDay(dayStart: number, cost: bigint, day: string, dayMs: number): void {
    if (this.blocked || cost === 0n) return;
    this.topUpFor(dayStart, cost);
    const before = this.book.balance;
    this.book.debit(dayStart, 'usage', cost, day);
    this.afterDebit(dayStart, undefined, before, cost, dayMs);
  }

  /** Expiry, the month's grant, and the month's add-ons, in that order. */
  startMonth(at: number, month: string, zone: TimeZone): void {
    this.book.expire(at);
    const monthly = this.units.monthlyCredits!;
    let expiry = month;
    for (let i = 0; i <= this.account.rolloverMonths; i++) expiry = nextMonth(expiry);
    if (monthly > 0n) this.book.credit(at, 'grant', monthly, zone.startOfDay(`${expiry}-01`), `monthly credits of ${month}, usable until ${expiry}-01`);
    for (const addon of this.units.addons) {
      this.topUpFor(at, addon.credits);
      const before = this.book.balance;
      this.book.debit(at, 'addon', addon.credits, '', addon.name);
      this.afterDebit(at, undefined, before, addon.credits, undefined);
    }
  }

  /** Credit plans: top up before a deduction that would leave nothing (as many top-ups as it takes). */
  private topUpFor(at: number, cost: bigint): void {
    if (this.model !== 'credits' || this.account.topupUsd.isZero() || this.book.balance - cost > 0n) return;
    this.topupCredits ??= this.topupSize();
    if (this.topupCredits === 0n) return;
    while (this.book.balance - cost <= 0n) {
      this.book.credit(at, 'topup', this.topupCredits, undefined, `automatic top-up of ${this.account.topupUsd} USD`);
    }
  }

  private afterDebit(at: number, record: number | undefined, before: bigint, cost: bigint, dayMs: number | undefined): void {
    const balance = this.book.balance;
    const autopay = this.units.autopay;
    if (this.model === 'prepaid' && autopay) {
      if (balance < autopay.below || (autopay.inclusive && balance === autopay.below)) {
        this.book.credit(at, 'autopay', autopay.to - balance, undefined, `below ${this.account.autopay!.below}: refill to ${this.account.autopay!.to}`);
      }
      return;
    }
    if (balance <= 0n && !this.blocked) {
      // Within a projected day, the balance reaches zero in proportion to the day's spend: at ⌈before × day / cost⌉.
      const offset = dayMs === undefined || before <= 0n ? 0 : Number(ceilDiv(before * BigInt(dayMs), cost));
      this.blocked = { at: at + offset, record, projected: this.book.projected };
    }
  }
}
