import type { Decimal } from '../util/decimal.js';
import { fromUnits } from './units.js';

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
  /** Ledger units left. */
  remaining: bigint;
  /** Instant the lot expires; undefined: never. */
  expiresAt: number | undefined;
}

/**
 * The balance as lots of credit, used oldest first (soonest expiry first, lots that never expire
 * last), and a deficit when usage goes past them. Usage of a day is merged into one event until
 * another kind of event comes. Amounts are ledger units (BigInt), exact; nothing is created or lost.
 * Events hold Decimals.
 */
export class Book {
  readonly events: LedgerEvent[] = [];
  /** Ledger units held in lots, less the deficit: lots exist only while there is no deficit, so the deficit is −balance when negative. */
  private units: bigint;
  /** In the order they are used: by expiry (never last), then as granted. Empty lots are dropped. */
  private readonly lots: Lot[] = [];
  /** The day's usage so far: it is the fall of the balance since `from`, as nothing else moves the balance before a flush. */
  private pending: { at: number; day: string; from: bigint } | undefined;
  projected = false;

  constructor(start: bigint) {
    this.units = start;
    if (start > 0n) this.add({ remaining: start, expiresAt: undefined });
  }

  /** The balance in ledger units, kept as it moves (never summed). */
  get balance(): bigint {
    return this.units;
  }

  /** Adds credit (a grant, an autopay charge, a top-up); it pays off any deficit first. */
  credit(at: number, type: EventType, amount: bigint, expiresAt?: number, note?: string): void {
    this.flush();
    const left = this.units < 0n ? amount + this.units : amount;
    if (left > 0n) this.add({ remaining: left, expiresAt });
    this.units += amount;
    this.record(at, type, amount, note);
  }

  /** Takes usage or an add-on from the oldest credit first; past the last credit it becomes a deficit. */
  debit(at: number, type: 'usage' | 'addon', amount: bigint, day: string, note?: string): void {
    if (type === 'addon' || (this.pending && this.pending.day !== day)) this.flush();
    if (type === 'usage') {
      if (this.pending) this.pending.at = at;
      else this.pending = { at, day, from: this.units };
    }
    this.take(amount);
    if (type === 'addon') this.record(at, type, -amount, note);
  }

  /** Removes what is left of lots that expire at or before `at`; returns the units expired. */
  expire(at: number): bigint {
    this.flush();
    let expired = 0n;
    for (let i = this.lots.length - 1; i >= 0; i--) {
      const lot = this.lots[i]!;
      if (lot.expiresAt !== undefined && lot.expiresAt <= at) {
        expired += lot.remaining;
        this.lots.splice(i, 1);
      }
    }
    this.units -= expired;
    if (expired > 0n) this.record(at, 'expire', -expired);
    return expired;
  }

  /** Closes the day's usage event. */
  flush(): void {
    if (!this.pending) return;
    const { at, from } = this.pending;
    this.pending = undefined;
    this.record(at, 'usage', this.units - from);
  }

  /** Places a lot after every lot used before it: those expiring no later, and all earlier lots if it never expires. */
  private add(lot: Lot): void {
    const key = lot.expiresAt ?? Infinity;
    let i = this.lots.length;
    while (i > 0 && (this.lots[i - 1]!.expiresAt ?? Infinity) > key) i--;
    this.lots.splice(i, 0, lot);
  }

  private take(amount: bigint): void {
    this.units -= amount;
    let left = amount;
    while (left > 0n && this.lots.length > 0) {
      const lot = this.lots[0]!;
      if (lot.remaining > left) {
        lot.remaining -= left;
        return;
      }
      left -= lot.remaining;
      this.lots.shift();
    }
  }

  private record(at: number, type: EventType, amount: bigint, note?: string): void {
    this.events.push({ at, type, amount: fromUnits(amount), balance: fromUnits(this.balance), projected: this.projected, note });
  }
}
