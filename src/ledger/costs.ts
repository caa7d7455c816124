import type { Decimal } from '../util/decimal.js';
import type { LedgerCollector } from './collector.js';
import { fractionOf, roundHalfEven, UNIT } from './units.js';

/** A price per base unit as an exact fraction (`RateBook.fraction`). */
export interface Rate {
  numerator: Decimal;
  denominator: Decimal;
}

/** An exact whole number of ledger units: a number while it is a safe integer (most records), else a bigint. */
export type Units = number | bigint;

/**
 * Each record's cost in ledger units, exactly: every rate is an integer multiplier over one divisor
 * common to all rates, so a record's cost is Σ quantity × multiplier, divided and rounded half-even
 * once (the ledger's one rounding point). While every product and sum is an integer below 2^53 (a
 * record of up to some thousands of USD) the sum is taken in float arithmetic, which is exact there
 * and costs a fraction of BigInt's; past it, with BigInt.
 */
export class Costs {
  private readonly multipliers: bigint[];
  private readonly divisor: bigint;
  /** The multipliers and the divisor as numbers, where each is below 2^53 (NaN where not). */
  private readonly small: number[];
  private readonly smallDivisor: number;

  constructor(rates: readonly Rate[]) {
    // (a / 10^i) / (b / 10^j) a base unit is a × 10^j × UNIT / (b × 10^i) ledger units.
    const fractions = rates.map((rate) => {
      const price = fractionOf(rate.numerator);
      const unit = fractionOf(rate.denominator);
      const multiplier = price.numerator * unit.denominator * UNIT;
      const divisor = unit.numerator * price.denominator;
      const common = gcd(multiplier, divisor);
      return { multiplier: multiplier / common, divisor: divisor / common };
    });
    this.divisor = fractions.reduce((lcm, f) => (lcm / gcd(lcm, f.divisor)) * f.divisor, 1n);
    this.multipliers = fractions.map((f) => f.multiplier * (this.divisor / f.divisor));
    const asNumber = (n: bigint): number => (n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : Number.NaN);
    this.small = this.multipliers.map(asNumber);
    this.smallDivisor = asNumber(this.divisor);
  }

  /** Record `i`'s cost in ledger units, rounded half-even: a number where it is a safe integer. */
  of(c: LedgerCollector, i: number): Units {
    const first = c.firstItem.at(i);
    const end = first + c.itemCount(i);
    let sum = 0;
    for (let j = first; j < end; j++) sum += c.itemQuantity.at(j) * this.small[c.itemRate.at(j)]!;
    // A NaN multiplier, a product or a sum past 2^53 (none of them is then a safe integer): BigInt.
    if (!Number.isSafeInteger(sum) || Number.isNaN(this.smallDivisor)) return this.exact(c, first, end);
    const divisor = this.smallDivisor;
    const remainder = sum % divisor;
    const quotient = (sum - remainder) / divisor;
    const twice = remainder * 2;
    return twice > divisor || (twice === divisor && quotient % 2 === 1) ? quotient + 1 : quotient;
  }

  private exact(c: LedgerCollector, first: number, end: number): bigint {
    let sum = 0n;
    for (let j = first; j < end; j++) sum += BigInt(c.itemQuantity.at(j)) * this.multipliers[c.itemRate.at(j)]!;
    return this.divisor === 1n ? sum : roundHalfEven(sum, this.divisor);
  }
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}
