import type { RateCard } from '../rates/card.js';
import { Decimal } from '../util/decimal.js';
import { UsageError, type SourceRef } from '../util/errors.js';
import { orderBy } from '../util/columns.js';
import { nextDay, nextMonth, parseDay, type TimeZone } from '../util/time.js';
import type { Account } from './account.js';
import { Book, type LedgerEvent } from './book.js';
import type { LedgerCollector } from './collector.js';

/**
 * The ledger's one rounding point: each record's cost (a repeating decimal as often as not: 1 s at
 * 0.15/h) is rounded to 12 decimal places, half-even, so that balances add up exactly from there on.
 */
export const LEDGER_SCALE = 12;

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
  /** The cost of a quantity of each `rates` entry of the collector. */
  rates: ((quantity: number) => Decimal)[];
  from: number | undefined;
  projectionDays: number;
  dailySpend: Decimal | undefined;
}

/** Replays the billed records in completion order against an account, then projects it forward. */
export function replay(c: LedgerCollector, options: ReplayOptions): Ledger {
  const { account, zone } = options;
  const model = account.monthlyCredits !== undefined ? 'credits' : 'prepaid';
  if (model === 'credits' && account.autopay) throw new UsageError('autopay is for prepaid balances; a monthly-credit plan tops up instead (--topup)');
  const topupCredits = model === 'credits' ? topupSize(account, options.card) : new Decimal(0);
  const first = c.first ?? options.from;
  if (first === undefined) throw new UsageError('the log has no dated records to build a ledger from');
  const startAt = model === 'credits' ? zone.startOfDay(`${zone.monthKey(options.from ?? first)}-01`) : Math.min(options.from ?? first, first);
  const book = new Book(account.balance);
  const state = new State(book, account, model, topupCredits);
  if (account.freeCredits.greaterThan(0)) book.credit(startAt, 'grant', account.freeCredits, undefined, 'free tier credit (never expires)');

  let month = model === 'credits' ? zone.monthKey(startAt) : '';
  const monthStart = (key: string) => zone.startOfDay(`${key}-01`);
  const months = (until: number) => {
    while (model === 'credits' && monthStart(month) <= until) {
      state.startMonth(monthStart(month), month, zone);
      month = nextMonth(month);
    }
  };

  const order = orderBy(c.completed.length, (i) => c.completed.at(i));
  let demand = new Decimal(0);
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    const at = c.completed.at(i);
    months(at);
    let exact = new Decimal(0);
    const end = c.firstItem.at(i) + c.itemCount.at(i);
    for (let j = c.firstItem.at(i); j < end; j++) exact = exact.plus(options.rates[c.itemRate.at(j)]!(c.itemQuantity.at(j)));
    const cost = exact.toDecimalPlaces(LEDGER_SCALE, Decimal.ROUND_HALF_EVEN);
    demand = demand.plus(cost);
    if (c.refusedByTier.at(i) === 1) state.refuseByTier(cost);
    else state.charge(at, cost, zone.dayKey(at), c.ref(i));
  }
  book.flush();
  const endBalance = book.balance;

  const lastDay = zone.dayKey(c.last ?? startAt);
  const days = c.first === undefined ? 1 : parseDay(lastDay) - parseDay(zone.dayKey(c.first)) + 1;
  const dailySpend = options.dailySpend ?? demand.dividedBy(days).toDecimalPlaces(LEDGER_SCALE, Decimal.ROUND_HALF_EVEN);
  book.projected = true;
  const entries: { date: string; balance: Decimal }[] = [];
  let day = lastDay;
  for (let d = 0; d < options.projectionDays; d++) {
    day = nextDay(day);
    const dayStart = zone.startOfDay(day);
    months(dayStart);
    state.chargeDay(dayStart, dailySpend, day, zone.startOfDay(nextDay(day)) - dayStart);
    book.flush();
    entries.push({ date: day, balance: book.balance });
  }
  return {
    model, startBalance: account.balance, startAt, events: book.events, endBalance,
    blocked: state.blocked, refused: state.refused, refusedByTier: state.refusedByTier, demand, days,
    projection: { days: options.projectionDays, dailySpend, source: options.dailySpend ? '--daily-spend' : 'log average', entries },
  };
}

/** Credits a top-up adds: `topup` USD × `credits_per_usd` (1 on a USD card). */
function topupSize(account: Account, card: RateCard): Decimal {
  if (account.topupUsd.isZero()) return new Decimal(0);
  if (account.creditsPerUsd) return account.topupUsd.times(account.creditsPerUsd);
  if (card.currency === 'USD') return account.topupUsd;
  throw new UsageError(`card ${card.name} is priced in ${card.currency}: give credits_per_usd (--credits-per-usd) so a ${account.topupUsd} USD top-up can be counted, or --topup 0`);
}

/** The rules that move the balance: blocking, autopay, top-ups and the monthly cycle. */
class State {
  blocked: Ledger['blocked'];
  readonly refused = { count: 0, amount: new Decimal(0) };
  readonly refusedByTier = { count: 0, amount: new Decimal(0) };

  constructor(
    private readonly book: Book,
    private readonly account: Account,
    private readonly model: 'prepaid' | 'credits',
    private readonly topupCredits: Decimal,
  ) {}

  refuseByTier(cost: Decimal): void {
    this.refusedByTier.count++;
    this.refusedByTier.amount = this.refusedByTier.amount.plus(cost);
  }

  /** Charges one record at its completion; after a block, usage is refused instead. */
  charge(at: number, cost: Decimal, day: string, ref: SourceRef | undefined): void {
    if (this.blocked) {
      this.refused.count++;
      this.refused.amount = this.refused.amount.plus(cost);
      return;
    }
    this.topUpFor(at, cost);
    const before = this.book.balance;
    this.book.debit(at, 'usage', cost, day);
    this.afterDebit(at, ref, before, cost, undefined);
  }

  /** A projected day of usage, spread evenly over the day (so a block falls at the right hour). */
  chargeDay(dayStart: number, cost: Decimal, day: string, dayMs: number): void {
    if (this.blocked || cost.isZero()) return;
    this.topUpFor(dayStart, cost);
    const before = this.book.balance;
    this.book.debit(dayStart, 'usage', cost, day);
    this.afterDebit(dayStart, undefined, before, cost, dayMs);
  }

  /** Expiry, the month's grant, and the month's add-ons, in that order. */
  startMonth(at: number, month: string, zone: TimeZone): void {
    this.book.expire(at);
    const monthly = this.account.monthlyCredits!;
    let expiry = month;
    for (let i = 0; i <= this.account.rolloverMonths; i++) expiry = nextMonth(expiry);
    if (monthly.greaterThan(0)) this.book.credit(at, 'grant', monthly, zone.startOfDay(`${expiry}-01`), `monthly credits of ${month}, usable until ${expiry}-01`);
    for (const addon of this.account.addons) {
      this.topUpFor(at, addon.credits);
      const before = this.book.balance;
      this.book.debit(at, 'addon', addon.credits, '', addon.name);
      this.afterDebit(at, undefined, before, addon.credits, undefined);
    }
  }

  /** Credit plans: top up before a deduction that would leave nothing (as many top-ups as it takes). */
  private topUpFor(at: number, cost: Decimal): void {
    if (this.model !== 'credits' || this.topupCredits.isZero()) return;
    while (this.book.balance.minus(cost).lessThanOrEqualTo(0)) {
      this.book.credit(at, 'topup', this.topupCredits, undefined, `automatic top-up of ${this.account.topupUsd} USD`);
    }
  }

  private afterDebit(at: number, ref: SourceRef | undefined, before: Decimal, cost: Decimal, dayMs: number | undefined): void {
    const balance = this.book.balance;
    const autopay = this.account.autopay;
    if (this.model === 'prepaid' && autopay) {
      if (balance.lessThan(autopay.below) || (autopay.inclusive && balance.equals(autopay.below))) {
        this.book.credit(at, 'autopay', autopay.to.minus(balance), undefined, `below ${autopay.below}: refill to ${autopay.to}`);
      }
      return;
    }
    if (balance.lessThanOrEqualTo(0) && !this.blocked) {
      // Within a projected day, the balance reaches zero in proportion to the day's spend.
      const offset = dayMs === undefined || before.lessThanOrEqualTo(0) ? 0 : before.dividedBy(cost).times(dayMs).ceil().toNumber();
      this.blocked = { at: at + offset, ref, projected: this.book.projected };
    }
  }
}
