import { Decimal } from '../util/decimal.js';

export type EventType = 'usage' | 'grant' | 'addon' | 'autopay' | 'topup' | 'expire';

/** One ledger event: a signed exact amount and the exact balance after it. */
export interface LedgerEvent {
  at: number;
  type: EventType;
  amount: Decimal;
  balance: Decimal;
  projected: boolean;
  note: string | undefined;
}

interface Lot {
  remaining: Decimal;
  /** Instant the lot expires; undefined: never. */
  expiresAt: number | undefined;
  seq: number;
}

/**
 * The balance as lots of credit, used oldest first (soonest expiry first, lots that never expire
 * last), and a deficit when usage goes past them. Usage of a day is merged into one event until
 * another kind of event comes. Every amount is exact; nothing is created or lost.
 */
export class Book {
  readonly events: LedgerEvent[] = [];
  private readonly lots: Lot[] = [];
  private deficit = new Decimal(0);
  private seq = 0;
  private pending: { at: number; day: string; amount: Decimal } | undefined;
  projected = false;

  constructor(start: Decimal) {
    if (start.isNegative()) this.deficit = start.negated();
    else if (!start.isZero()) this.lots.push({ remaining: start, expiresAt: undefined, seq: this.seq++ });
  }

  get balance(): Decimal {
    return this.lots.reduce((sum, lot) => sum.plus(lot.remaining), new Decimal(0)).minus(this.deficit);
  }

  /** Adds credit (a grant, an autopay charge, a top-up); it pays off any deficit first. */
  credit(at: number, type: EventType, amount: Decimal, expiresAt?: number, note?: string): void {
    this.flush();
    let left = amount;
    if (this.deficit.greaterThan(0)) {
      const paid = Decimal.min(this.deficit, left);
      this.deficit = this.deficit.minus(paid);
      left = left.minus(paid);
    }
    if (left.greaterThan(0)) this.lots.push({ remaining: left, expiresAt, seq: this.seq++ });
    this.record(at, type, amount, note);
  }

  /** Takes usage or an add-on from the oldest credit first; past the last credit it becomes a deficit. */
  debit(at: number, type: 'usage' | 'addon', amount: Decimal, day: string, note?: string): void {
    if (type === 'addon' || (this.pending && this.pending.day !== day)) this.flush();
    this.take(amount);
    if (type === 'addon') {
      this.record(at, type, amount.negated(), note);
      return;
    }
    if (this.pending) {
      this.pending.amount = this.pending.amount.plus(amount);
      this.pending.at = at;
    } else {
      this.pending = { at, day, amount };
    }
  }

  /** Removes what is left of lots that expire at or before `at`; returns the amount expired. */
  expire(at: number): Decimal {
    this.flush();
    let expired = new Decimal(0);
    for (const lot of this.lots) {
      if (lot.expiresAt !== undefined && lot.expiresAt <= at && lot.remaining.greaterThan(0)) {
        expired = expired.plus(lot.remaining);
        lot.remaining = new Decimal(0);
      }
    }
    if (expired.greaterThan(0)) this.record(at, 'expire', expired.negated());
    return expired;
  }

  /** Closes the day's usage event. */
  flush(): void {
    if (!this.pending) return;
    const { at, amount } = this.pending;
    this.pending = undefined;
    this.record(at, 'usage', amount.negated());
  }

  private take(amount: Decimal): void {
    let left = amount;
    const order = this.lots.length < 2 ? this.lots : [...this.lots].sort((a, b) => (a.expiresAt ?? Infinity) - (b.expiresAt ?? Infinity) || a.seq - b.seq);
    for (const lot of order) {
      if (left.isZero()) break;
      const used = Decimal.min(lot.remaining, left);
      lot.remaining = lot.remaining.minus(used);
      left = left.minus(used);
    }
    this.deficit = this.deficit.plus(left);
    for (let i = this.lots.length - 1; i >= 0; i--) if (this.lots[i]!.remaining.isZero()) this.lots.splice(i, 1);
  }

  private record(at: number, type: EventType, amount: Decimal, note?: string): void {
    this.events.push({ at, type, amount, balance: this.balance, projected: this.projected, note });
  }
}
