/** Strict parsers for exact integer quantities: milliseconds and token counts. Never `Number()` on user text. */

const SECONDS_PATTERN = /^(\d+)(?:\.(\d+))?$/;
const INTEGER_PATTERN = /^\d+$/;

/**
 * Parses non-negative decimal seconds (`12`, `12.5`, `0.0004`) into whole milliseconds,
 * rounding a fraction of a millisecond up. Returns undefined for anything else.
 */
export function secondsToMs(text: string): number | undefined {
  const match = SECONDS_PATTERN.exec(text);
  if (!match) return undefined;
  const whole = match[1]!;
  const fraction = match[2] ?? '';
  const head = (fraction + '000').slice(0, 3);
  const rest = fraction.slice(3);
  let ms = Number(whole) * 1000 + Number(head);
  if (/[1-9]/.test(rest)) ms += 1;
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** Parses a non-negative integer count (tokens, channels). Returns undefined for decimals, signs, or values past 2^53. */
export function parseCount(text: string): number | undefined {
  if (!INTEGER_PATTERN.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}
