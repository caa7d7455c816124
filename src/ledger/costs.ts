import type { Decimal } from '../util/decimal.js';
import type { LedgerCollector } from './collector.js';
import { fractionOf, roundHalfEven, UNIT } from './units.js';

/** A price per base unit as an exact fraction (`RateBook.fraction`). */
export interface Rate {
  numerator: Decimal;
  denominator: Decimal;
}

/**
 * Each record's cost in ledger units, exactly and with BigInt only: every rate is an integer
 * multiplier over one divisor common to all rates, so a record's cost is Σ quantity × multiplier,
 * divided and rounded half-even once (the ledger's one rounding point).
 */
export class Costs {
  private readonly multipliers: bigint[];
  private readonly divisor: bigint;

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
  }

  /** Record `i`'s cost in ledger units, rounded half-even. */
  of(c: LedgerCollector, i: number): bigint {
    const first = c.firstItem.at(i);
    const end = first + c.itemCount(i);
    let sum = first < end ? BigInt(c.itemQuantity.at(first)) * this.multipliers[c.itemRate.at(first)]! : 0n;
    for (let j = first + 1; j < end; j++) sum += BigInt(c.itemQuantity.at(j)) * this.multipliers[c.itemRate.at(j)]!;
    return this.divisor === 1n ? sum : roundHalfEven(sum, this.divisor);
  }
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}
