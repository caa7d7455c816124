import { Decimal as DecimalJs } from 'decimal.js';

/** The one Decimal type of tallyman: 40 significant digits, never exponent notation in output. */
export const Decimal = DecimalJs.clone({ precision: 40, rounding: DecimalJs.ROUND_HALF_EVEN, toExpNeg: -40, toExpPos: 40 });
export type Decimal = InstanceType<typeof Decimal>;

const DECIMAL_PATTERN = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;
const LOOSE_DECIMAL_PATTERN = /^-?\d+(?:\.\d+)?$/;

/**
 * A Decimal to hold for long (an invoice line's amounts): a copy whose digits fill an array of
 * their own length. decimal.js grows its digit arrays as it computes and leaves them with room to
 * spare: 600,000 lines held 70 MB of it. The value is the same.
 */
export function compact(value: Decimal): Decimal {
  return new Decimal(value);
}

/** Parses a plain decimal string (`12`, `0.37`, `-1.5`) into a Decimal, or returns undefined. No hex, exponents, `_` or NaN. */
export function parseDecimal(text: string, { allowLeadingZeros = true } = {}): Decimal | undefined {
  const pattern = allowLeadingZeros ? LOOSE_DECIMAL_PATTERN : DECIMAL_PATTERN;
  return pattern.test(text) ? new Decimal(text) : undefined;
}

/** Rounding modes a card may name, mapped to decimal.js constants. */
export const ROUNDING_MODES = {
  'half-up': DecimalJs.ROUND_HALF_UP,
  'half-even': DecimalJs.ROUND_HALF_EVEN,
  up: DecimalJs.ROUND_UP,
  down: DecimalJs.ROUND_DOWN,
} as const;
export type RoundingMode = keyof typeof ROUNDING_MODES;

/** The single rounding point of tallyman: an exact amount to `scale` decimals with a named mode. */
export function roundMoney(exact: Decimal, scale: number, mode: RoundingMode): Decimal {
  const rounded = exact.toDecimalPlaces(scale, ROUNDING_MODES[mode]);
  return rounded.isZero() ? new Decimal(0) : rounded;
}

/** Formats money with exactly `scale` decimals and no negative zero. */
export function formatMoney(value: Decimal, scale: number): string {
  return (value.isZero() ? new Decimal(0) : value).toFixed(scale);
}

/** Formats an exact value without trailing zeros (at most 40 significant digits). */
export function formatExact(value: Decimal): string {
  return (value.isZero() ? new Decimal(0) : value).toString();
}
