import { Decimal } from '../util/decimal.js';
import { UsageError } from '../util/errors.js';

/**
 * The ledger's one rounding point: each record's cost (a repeating decimal as often as not: 1 s at
 * 0.15/h) is rounded to 12 decimal places, half-even, so that balances add up exactly from there on.
 * The ledger counts in units of 10^-LEDGER_SCALE, as BigInt.
 */
export const LEDGER_SCALE = 12;

/** One currency unit (or credit) in ledger units. */
export const UNIT = 10n ** BigInt(LEDGER_SCALE);

/** A decimal as an exact fraction: an integer over a power of ten. */
export function fractionOf(value: Decimal): { numerator: bigint; denominator: bigint } {
  const [whole, fraction = ''] = value.toFixed().split('.') as [string, string?];
  return { numerator: BigInt(whole + fraction), denominator: 10n ** BigInt(fraction.length) };
}

/** An account amount in ledger units; one with more than 12 decimals is refused, naming its setting. */
export function toUnits(value: Decimal, setting: string): bigint {
  if (value.decimalPlaces() > LEDGER_SCALE) {
    throw new UsageError(`${setting} ${value.toFixed()} has more than ${LEDGER_SCALE} decimals, finer than the ledger counts: give at most ${LEDGER_SCALE}`);
  }
  const { numerator, denominator } = fractionOf(value);
  return (numerator * UNIT) / denominator;
}

/** Ledger units as an exact Decimal (where an event or a result field is recorded). */
export function fromUnits(units: bigint): Decimal {
  const digits = (units < 0n ? -units : units).toString().padStart(LEDGER_SCALE + 1, '0');
  return new Decimal(`${units < 0n ? '-' : ''}${digits.slice(0, -LEDGER_SCALE)}.${digits.slice(-LEDGER_SCALE)}`);
}

/** numerator / denominator rounded half-even to an integer (denominator > 0). */
export function roundHalfEven(numerator: bigint, denominator: bigint): bigint {
  let quotient = numerator / denominator;
  let remainder = numerator % denominator;
  if (remainder < 0n) {
    quotient -= 1n;
    remainder += denominator;
  }
  const twice = remainder * 2n;
  return twice > denominator || (twice === denominator && (quotient & 1n) === 1n) ? quotient + 1n : quotient;
}

/** numerator / denominator rounded up (both positive). */
export function ceilDiv(numerator: bigint, denominator: bigint): bigint {
  return (numerator + denominator - 1n) / denominator;
}
