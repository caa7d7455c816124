import { Decimal } from '../util/decimal.js';
import { UsageError } from '../util/errors.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };
const COUNT_SCALE: Record<string, number> = { '': 1, k: 1000, K: 1000, m: 1_000_000, M: 1_000_000, b: 1_000_000_000, B: 1_000_000_000 };

/**
 * Parses a duration into whole milliseconds: `90s`, `45m`, `1.5h`, `01:30:00` (or `90:00` as
 * minutes:seconds). A fraction of a millisecond is rounded up. Anything else is a usage error.
 */
export function parseDuration(text: string, what: string): number {
  const t = text.trim();
  const unit = /^(\d+(?:\.\d+)?)(s|m|h)$/.exec(t);
  if (unit) return toWholeMs(new Decimal(unit[1]!).times(UNIT_MS[unit[2]!]!), text, what);
  // HH:MM:SS (minutes below 60) or MM:SS (any number of minutes); seconds below 60.
  const clock = /^(?:(\d+):([0-5]?\d)|(\d+)):([0-5]\d(?:\.\d+)?)$/.exec(t);
  if (clock) {
    const [, h, m, minutesOnly, sec] = clock;
    const ms = new Decimal(h ?? 0).times(3_600_000).plus(new Decimal(m ?? minutesOnly!).times(60_000)).plus(new Decimal(sec!).times(1000));
    return toWholeMs(ms, text, what);
  }
  throw new UsageError(`${what} "${text}" is not a duration: write 90s, 45m, 1.5h or 01:30:00`);
}

/** Parses a count: `1200`, `200k`, `5M`, `1.5M` (a whole number once scaled). */
export function parseCountText(text: string, what: string): number {
  const match = /^(\d+(?:\.\d+)?)([kKmMbB]?)$/.exec(text.trim());
  if (match) {
    const value = new Decimal(match[1]!).times(COUNT_SCALE[match[2]!]!);
    if (value.isInteger() && value.lessThanOrEqualTo(Number.MAX_SAFE_INTEGER)) return value.toNumber();
  }
  throw new UsageError(`${what} "${text}" is not a count: write 1200, 200k or 5M (a whole number once scaled)`);
}

function toWholeMs(ms: Decimal, text: string, what: string): number {
  const whole = ms.ceil();
  if (whole.greaterThan(Number.MAX_SAFE_INTEGER)) throw new UsageError(`${what} "${text}" is too long`);
  return whole.toNumber();
}
