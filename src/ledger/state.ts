import type { RateCard } from '../rates/card.js';
import { UsageError } from '../util/errors.js';
import { nextMonth, type TimeZone } from '../util/time.js';
import type { Account } from './account.js';
import type { Book } from './book.js';
import type { Units } from './costs.js';
import { ceilDiv, toUnits } from './units.js';

/** The account's amounts in ledger units: each refused with its setting's name when finer than the ledger counts. */
export function accountUnits(account: Account) {
  return {
    balance: toUnits(account.balance, 'balance (--balance)'),
    freeCredits: toUnits(account.freeCredits, 'free_credits'),
    autopay: account.autopay && { below: toUnits(account.autopay.below, 'autopay below (--autopay)'), to: toUnits(account.autopay.to, 'autopay to (--autopay)'), inclusive: account.autopay.inclusive },
    monthlyCredits: account.monthlyCredits && toUnits(account.monthlyCredits, 'monthly_credits (--monthly-credits)'),
    addons: account.addons.map((a) => ({ name: a.name, credits: toUnits(a.credits, `add-on ${a.name} (--addon)`) })),
  };
}
type AccountUnits = ReturnType<typeof accountUnits>;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Credits a top-up adds, in ledger units: `topup` USD × `credits_per_usd` (1 on a USD card). Asked
 * for only when a top-up is due: a plan whose credits never run out needs no conversion.
 */
export function topupSize(account: Account, card: RateCard): bigint {
  if (account.creditsPerUsd) return toUnits(account.topupUsd.times(account.creditsPerUsd), 'a top-up (topup × credits_per_usd)');
  if (card.currency === 'USD') return toUnits(account.topupUsd, 'topup (--topup)');
  throw new UsageError(`card ${card.name} is priced in ${card.currency} and a ${account.topupUsd} USD top-up is due: give credits_per_usd (--credits-per-usd, the account file or the card) so it can be counted, or --topup 0`);
}

/**
 * The rules that move the balance: blocking, autopay, top-ups and the monthly cycle. Amounts are
 * ledger units. A record's usage that leaves the balance short of every threshold (`room`) is
 * summed, in float arithmetic while exact, and taken from the book at once when a rule may fire,
 * the day changes or another event comes (`settle`): the book is the same as record by record.
 */
export class State {
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
    /** Whether usage between rules is summed (else each record is its own debit). */
    private readonly sums = true,
  ) {}

  /** Credits one top-up adds, found when the first one is due. */
  private topupCredits: bigint | undefined;

  refuseByTier(cost: bigint): void {
    this.refusedByTier.count++;
    this.refusedByTier.amount += cost;
  }

  /** Usage charged and not yet taken from the book (of day `owedDay`, the last at `owedAt`), while `owing`. */
  private owed = 0;
  private owedAt = 0;
  private owedDay = '';
  private owing = false;
  /** How far the balance may fall below the book's with no rule firing, found at each charge a rule may see. */
  private room = 0;

  /** Charges one record at its completion; after a block, usage is refused instead. */
  charge(at: number, cost: Units, day: string, record: number): void {
    if (this.sums && typeof cost === 'number' && day === this.owedDay && cost >= 0 && this.owed + cost < this.room) {
      this.owed += cost;
      this.owedAt = at;
      this.owing = true;
      return;
    }
    this.settle();
    const units = BigInt(cost);
    if (this.blocked) {
      this.refused.count++;
      this.refused.amount += units;
      return;
    }
    this.topUpFor(at, units);
    const before = this.book.balance;
    this.book.debit(at, 'usage', units, day);
    this.afterDebit(at, record, before, units, undefined);
    this.owedDay = day;
    this.room = this.roomLeft();
  }

  /** Takes the usage summed since the last rule could fire from the book, as one debit of its day. */
  settle(): void {
    if (!this.owing) return;
    this.book.debit(this.owedAt, 'usage', BigInt(this.owed), this.owedDay);
    this.owed = 0;
    this.owing = false;
  }

  /**
   * Ledger units the balance may still fall (strictly less) with no rule of `topUpFor` and
   * `afterDebit` firing: a prepaid balance with autopay stays above its threshold; any other stays
   * above 0 (a block, or a credit plan's top-up before a deduction that would leave nothing).
   * None once blocked. At most 2^53 − 1, so that sums under it stay exact.
   */
  private roomLeft(): number {
    if (this.blocked) return 0;
    const autopay = this.model === 'prepaid' ? this.units.autopay : undefined;
    const room = this.book.balance - (autopay ? autopay.below : 0n);
    return room <= 0n ? 0 : room >= MAX_SAFE ? Number.MAX_SAFE_INTEGER : Number(room);
  }

  /** A projected day of usage, spread evenly over the day (so a block falls at the right hour). */
  chargeDay(dayStart: number, cost: bigint, day: string, dayMs: number): void {
    this.settle();
    this.owedDay = '';
    if (this.blocked || cost === 0n) return;
    this.topUpFor(dayStart, cost);
    const before = this.book.balance;
    this.book.debit(dayStart, 'usage', cost, day);
    this.afterDebit(dayStart, undefined, before, cost, dayMs);
  }

  /** Expiry, the month's grant, and the month's add-ons, in that order. */
  startMonth(at: number, month: string, zone: TimeZone): void {
    this.settle();
    this.owedDay = ''; // the next charge sees the month's balance
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
