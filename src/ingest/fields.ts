import { daysInMonth, MAX_YEAR, MIN_YEAR, utcMs } from '../util/time.js';
import { USAGE_KINDS } from './record.js';

/**
 * Field values read straight from ASCII bytes, each exactly as normalizeRecord reads the same text,
 * or INVALID (NaN for instants) where it would not be sure: then the record path reads the text and
 * says what is wrong. The byte scanners' folds use these; a differential test holds them to it.
 */

const KIND_BYTES = USAGE_KINDS.map((kind) => Buffer.from(kind, 'latin1'));

/** ASCII bytes as text. */
export function latin1(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
}

/** A value the fold does not read: the record path will say what is wrong with it (or read it). */
export const INVALID = -2;

/** The index of the usage kind the bytes name (transcript 0, stream 1, llm 2), or -1. */
export function kindOf(b: Uint8Array, start: number, end: number): number {
  for (let k = 0; k < KIND_BYTES.length; k++) {
    const text = KIND_BYTES[k]!;
    if (end - start !== text.length) continue;
    let i = 0;
    while (i < text.length && b[start + i] === text[i]) i++;
    if (i === text.length) return k;
  }
  return -1;
}

/** Whether the bytes are exactly `text` (ASCII). */
export function equalsText(b: Uint8Array, start: number, end: number, text: string): boolean {
  if (end - start !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (b[start + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** A whole number of at most 15 digits (as parseCount), or INVALID. */
export function integer(b: Uint8Array, start: number, end: number): number {
  if (end - start > 15) return INVALID;
  let value = 0;
  for (let i = start; i < end; i++) {
    const d = b[i]! - 48;
    if (d < 0 || d > 9) return INVALID;
    value = value * 10 + d;
  }
  return value;
}

const FRACTION_MS = [100, 10, 1];

/** Decimal seconds (`12`, `12.5`) to whole milliseconds, a part millisecond rounded up (as secondsToMs), or INVALID. */
export function seconds(b: Uint8Array, start: number, end: number): number {
  let i = start;
  let whole = 0;
  while (i < end && b[i]! >= 48 && b[i]! <= 57) whole = whole * 10 + (b[i++]! - 48);
  if (i === start || i - start > 12) return INVALID;
  let ms = whole * 1000;
  if (i === end) return ms;
  if (b[i] !== 46 || i + 1 === end) return INVALID;
  let beyond = false;
  for (let k = 0, j = i + 1; j < end; j++, k++) {
    const d = b[j]! - 48;
    if (d < 0 || d > 9) return INVALID;
    if (k < 3) ms += d * FRACTION_MS[k]!;
    else if (d !== 0) beyond = true;
  }
  return beyond ? ms + 1 : ms;
}

/** `true`/`1` → 1, `false`/`0` → 0 (any case), else INVALID. */
export function trueOrFalse(b: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if (length === 1) return b[start] === 49 ? 1 : b[start] === 48 ? 0 : INVALID;
  const lower = (i: number): number => b[start + i]! | 0x20;
  if (length === 4 && lower(0) === 116 && lower(1) === 114 && lower(2) === 117 && lower(3) === 101) return 1;
  if (length === 5 && lower(0) === 102 && lower(1) === 97 && lower(2) === 108 && lower(3) === 115 && lower(4) === 101) return 0;
  return INVALID;
}

function digits2(b: Uint8Array, i: number): number {
  const x = b[i]! - 48;
  const y = b[i + 1]! - 48;
  return x >= 0 && x <= 9 && y >= 0 && y <= 9 ? x * 10 + y : -1;
}

/** `YYYY-MM-DDTHH:MM:SS[.fff]Z` to epoch ms (as parseInstant reads it), or NaN for any other text. */
export function utcInstant(b: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if ((n !== 20 && n !== 24) || b[end - 1] !== 90) return Number.NaN;
  const p = start;
  if (b[p + 4] !== 45 || b[p + 7] !== 45 || b[p + 10] !== 84 || b[p + 13] !== 58 || b[p + 16] !== 58) return Number.NaN;
  const c = digits2(b, p);
  const y2 = digits2(b, p + 2);
  const mo = digits2(b, p + 5);
  const d = digits2(b, p + 8);
  const h = digits2(b, p + 11);
  const mi = digits2(b, p + 14);
  const sec = digits2(b, p + 17);
  if (c < 0 || y2 < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return Number.NaN;
  const y = c * 100 + y2;
  if (y < MIN_YEAR || y > MAX_YEAR) return Number.NaN;
  if (d > daysInMonth(y, mo)) return Number.NaN;
  let ms = 0;
  if (n === 24) {
    if (b[p + 19] !== 46) return Number.NaN;
    const m1 = digits2(b, p + 20);
    const m2 = b[p + 22]! - 48;
    if (m1 < 0 || m2 < 0 || m2 > 9) return Number.NaN;
    ms = m1 * 10 + m2;
  }
  return utcMs(y, mo, d, h, mi, sec, ms);
}
