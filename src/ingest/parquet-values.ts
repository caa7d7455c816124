import type { SchemaElement } from 'hyparquet';
import { InputError, UsageError } from '../util/errors.js';

/**
 * A Parquet cell as hyparquet hands it over with tallyman's parsers (parquet.ts): text, a number,
 * a bigint (INT64, an unscaled decimal), a boolean, bytes (a FIXED_LEN_BYTE_ARRAY decimal), a day
 * count (DATE), or null.
 */
export type ParquetValue = string | number | bigint | boolean | Uint8Array | { days: number } | null | undefined;

/** Turns one column's cells into the text a CSV would hold (undefined: absent), for normalizeRecord. */
export type CellText = (value: ParquetValue, line: number) => string | undefined;

/**
 * The text reader of a column by its physical and logical type, so that a typed Parquet log is read
 * exactly as its CSV: integers and decimals exactly (an INT64 is a bigint, a DECIMAL its unscaled
 * integer and scale), a binary float as the shortest decimal that is the same float (what a CSV
 * export prints; `0.1` stays 0.1 s, never 0.1000000000000000055), booleans as `true`/`false`,
 * instants as ISO 8601 to the millisecond (with `Z` when the column is adjusted to UTC; local wall
 * times without, read in `--input-tz` as a CSV value without an offset is), dates as `YYYY-MM-DD`.
 * A column of a type that holds no canonical value is refused before any row is read.
 */
export function parquetText(element: SchemaElement, decimalScale: number | undefined, file: string): CellText {
  const { type, converted_type: converted, logical_type: logical } = element;
  const field = element.name;
  if (decimalScale !== undefined) return (v) => (v === null || v === undefined ? undefined : decimalText(unscaled(v), decimalScale));
  if (converted === 'DATE' || logical?.type === 'DATE') return (v) => (v === null || v === undefined ? undefined : dateText((v as { days: number }).days));
  const timestamp = type === 'INT96' || converted === 'TIMESTAMP_MILLIS' || converted === 'TIMESTAMP_MICROS' || logical?.type === 'TIMESTAMP';
  if (timestamp) {
    // INT96 (Spark, Impala) and the legacy converted types are UTC; the logical type says.
    const utc = logical?.type === 'TIMESTAMP' ? logical.isAdjustedToUTC : true;
    return (v) => (v === null || v === undefined ? undefined : instantText(v as number, utc));
  }
  if (converted === 'TIME_MILLIS' || converted === 'TIME_MICROS' || logical?.type === 'TIME' || converted === 'INTERVAL') {
    return unsupported(file, field, 'a time of day or an interval, not an instant');
  }
  switch (type) {
    case 'BOOLEAN':
      return (v) => (v === null || v === undefined ? undefined : v ? 'true' : 'false');
    case 'INT32':
    case 'INT64':
      return (v) => (v === null || v === undefined ? undefined : String(v));
    case 'FLOAT':
      return (v, line) => (v === null || v === undefined ? undefined : floatText(v as number, true, file, line, field));
    case 'DOUBLE':
      return (v, line) => (v === null || v === undefined ? undefined : floatText(v as number, false, file, line, field));
    case 'BYTE_ARRAY':
      return (v) => (v === null || v === undefined ? undefined : (v as string));
    default:
      if (logical?.type === 'UUID') return (v) => (v === null || v === undefined ? undefined : (v as string));
      return unsupported(file, field, `${type ?? 'a group'} without a type tallyman reads`);
  }
}

function unsupported(file: string, field: string, what: string): never {
  throw new UsageError(`${file}: column "${field}" is ${what}; write it as text, a number, a boolean, a DATE or a TIMESTAMP`);
}

/** The unscaled integer of a decimal cell: INT32, INT64, or big-endian two's complement bytes. */
export function unscaled(value: ParquetValue): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(value);
  const bytes = value as Uint8Array;
  let n = 0n;
  for (const byte of bytes) n = (n << 8n) | BigInt(byte);
  return bytes.length > 0 && bytes[0]! >= 0x80 ? n - (1n << BigInt(bytes.length * 8)) : n;
}

/** An unscaled integer and a scale as exact decimal text: 12345 and 2 → `123.45`. */
export function decimalText(unscaledValue: bigint, scale: number): string {
  const negative = unscaledValue < 0n;
  const digits = (negative ? -unscaledValue : unscaledValue).toString();
  if (scale <= 0) return `${negative ? '-' : ''}${digits}${'0'.repeat(-scale)}`;
  const padded = digits.padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
}

/**
 * A float as the shortest decimal that reads back as the same value (of its own width: a FLOAT is
 * 32 bits, whose 0.1 widened to a double would print as 0.10000000149011612), written out without
 * an exponent. Not a finite number: an error naming the field.
 */
export function floatText(value: number, single: boolean, file: string, line: number, field: string): string {
  if (!Number.isFinite(value)) throw new InputError({ file, line }, field, `${value} is not a number`, 'write a finite number');
  let text = String(value);
  if (single) {
    for (let digits = 1; digits <= 9; digits++) {
      const candidate = Number(value.toPrecision(digits));
      if (Math.fround(candidate) === value) {
        text = String(candidate);
        break;
      }
    }
  }
  return plain(text);
}

/** `1e-7` → `0.0000001`, `1.5e+21` → `1500000000000000000000`; text without an exponent unchanged. */
function plain(text: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!match) return text;
  const [, sign, whole, fraction = '', exponentText] = match;
  const exponent = Number(exponentText);
  const digits = whole! + fraction;
  const point = whole!.length + exponent;
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`.replace(/0+$/, '');
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** Epoch milliseconds as ISO 8601 text, `Z` when the column is UTC; out of range: text the validation refuses with its reason. */
function instantText(ms: number, utc: boolean): string {
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) return `${ms} ms from 1970`;
  const text = date.toISOString();
  return utc ? text : text.slice(0, -1);
}

/** Days since 1970-01-01 as `YYYY-MM-DD`. */
function dateText(days: number): string {
  return instantText(days * 86_400_000, true).slice(0, 10);
}
