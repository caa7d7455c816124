import type { SchemaElement } from 'hyparquet';
import { parseCount, secondsToMs } from '../util/quantity.js';
import { MAX_YEAR, MIN_YEAR, parseInstant, utcMs, type TimeZone } from '../util/time.js';
import { ABSENT } from './batch.js';
import { MAX_FIELD } from './limits.js';
import { parseBoolean } from './normalize.js';
import { floatText, unscaled, type ParquetValue } from './parquet-values.js';
import { REGIONS, USAGE_KINDS } from './record.js';
import type { ByteInterner } from '../util/tables.js';

/**
 * Typed Parquet cells read straight into a batch's numbers and codes, each exactly as the text path
 * (parquet-values.ts's text, then normalizeRecord) reads the same cell, or NOT_PLAIN where it would
 * not be sure: the row then goes the text path, which also says what is wrong. The exact rules are
 * the text path's own functions (secondsToMs, parseCount, parseInstant, parseBoolean, isFeatureList)
 * wherever a cell is text; typed numbers take a fast way only where it is provably the same (a
 * differential test holds the two paths to the same columns).
 */

/** A cell the typed path does not read (every plain value is finite, or NaN for an absent instant). */
export const NOT_PLAIN = Number.NEGATIVE_INFINITY;

/** Reads one cell of a column into a number (ABSENT, NaN for an absent instant, 0 for an absent code), or NOT_PLAIN. */
export type TypedCell = (cell: ParquetValue) => number;

/** How a column's cells come from hyparquet (with tallyman's parsers and decimals taken off, parquet.ts). */
type Shape = 'decimal' | 'instant' | 'local-instant' | 'boolean' | 'integer' | 'float' | 'double' | 'text' | 'other';

function shapeOf(element: SchemaElement, decimalScale: number | undefined): Shape {
  const { type, converted_type: converted, logical_type: logical } = element;
  if (decimalScale !== undefined) return 'decimal';
  // The logical type first: a writer that gives both (DuckDB does) may pair a legacy annotation, which means UTC, with a local time.
  if (logical?.type === 'TIMESTAMP') return logical.isAdjustedToUTC ? 'instant' : 'local-instant';
  if (type === 'INT96' || converted === 'TIMESTAMP_MILLIS' || converted === 'TIMESTAMP_MICROS') return 'instant';
  if (converted !== undefined && converted !== 'UTF8' && !/^U?INT_/.test(converted)) return 'other';
  if (logical !== undefined && logical.type !== 'STRING' && logical.type !== 'INTEGER' && logical.type !== 'UUID') return 'other';
  if (type === 'BOOLEAN') return 'boolean';
  if (type === 'INT32' || type === 'INT64') return 'integer';
  if (type === 'FLOAT') return 'float';
  if (type === 'DOUBLE') return 'double';
  if (type === 'BYTE_ARRAY' || logical?.type === 'UUID') return 'text';
  return 'other';
}

const absent = (cell: ParquetValue): cell is null | undefined => cell === null || cell === undefined;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** Epoch ms of the first and after the last instant a log may hold (as parseInstant reads them). */
const FIRST_MS = utcMs(MIN_YEAR, 1, 1, 0, 0, 0, 0);
const END_MS = utcMs(MAX_YEAR + 1, 1, 1, 0, 0, 0, 0);
/** Doubles below this have a spacing far under a millisecond: a whole number of ms that reads back is the shortest text's. */
const DOUBLE_FAST_SECONDS = 2 ** 33;

/** A text cell as normalizeRecord would take it: undefined when empty (absent), null when it would trim it or refuse its length. */
export function plainText(cell: string): string | undefined | null {
  const n = cell.length;
  if (n === 0) return undefined;
  if (n > MAX_FIELD) return null;
  const first = cell.charCodeAt(0);
  const last = cell.charCodeAt(n - 1);
  if (first > 32 && first < 127 && last > 32 && last < 127) return cell;
  return cell.trim() === cell ? cell : null;
}

/** A whole non-negative integer cell (INT32, INT64, unsigned), or NOT_PLAIN. */
function wholeNumber(cell: ParquetValue): number {
  if (typeof cell === 'number') return cell >= 0 ? cell : NOT_PLAIN;
  if (typeof cell === 'bigint') return cell >= 0n && cell <= MAX_SAFE ? Number(cell) : NOT_PLAIN;
  return NOT_PLAIN;
}

/** A decimal cell's unscaled value as a safe non-negative number, or NOT_PLAIN. */
function unscaledNumber(cell: ParquetValue): number {
  return wholeNumber(cell instanceof Uint8Array ? unscaled(cell) : cell);
}

/** Durations in seconds to whole ms, a part millisecond rounded up (as secondsToMs reads the cell's text). */
export function secondsCell(element: SchemaElement, decimalScale: number | undefined): TypedCell {
  switch (shapeOf(element, decimalScale)) {
    case 'decimal': {
      const scale = decimalScale!;
      if (scale > 18) return (cell) => (absent(cell) ? ABSENT : NOT_PLAIN);
      const up = scale <= 3 ? 10 ** (3 - scale) : 1;
      const down = scale > 3 ? 10 ** (scale - 3) : 1;
      return (cell) => {
        if (absent(cell)) return ABSENT;
        const n = unscaledNumber(cell);
        if (n === NOT_PLAIN) return NOT_PLAIN;
        if (down === 1) {
          const ms = n * up;
          return Number.isSafeInteger(ms) ? ms : NOT_PLAIN;
        }
        const rest = n % down;
        return (n - rest) / down + (rest > 0 ? 1 : 0);
      };
    }
    case 'integer':
      return (cell) => {
        if (absent(cell)) return ABSENT;
        const n = wholeNumber(cell);
        return n !== NOT_PLAIN && Number.isSafeInteger(n * 1000) ? n * 1000 : NOT_PLAIN;
      };
    case 'double':
    case 'float': {
      const single = element.type === 'FLOAT';
      return (cell) => {
        if (absent(cell)) return ABSENT;
        const v = cell as number;
        if (!(v >= 0) || !Number.isFinite(v)) return NOT_PLAIN;
        if (!single && v < DOUBLE_FAST_SECONDS) {
          const ms = Math.round(v * 1000);
          if (ms / 1000 === v) return ms + 0;
        }
        return secondsToMs(floatText(v, single, '', 0, '')) ?? NOT_PLAIN;
      };
    }
    case 'text':
      return fromText(secondsToMs);
    default:
      return (cell) => (absent(cell) ? ABSENT : NOT_PLAIN);
  }
}

/**
 * A text cell read by the text path's own parser: `missing` for no value (null or blank), NOT_PLAIN
 * for text the text path must judge, or what `parse` makes of it (NOT_PLAIN where it makes nothing).
 */
function fromText(parse: (text: string) => number | undefined, missing: number = ABSENT): TypedCell {
  return (cell) => {
    if (absent(cell)) return missing;
    const text = plainText(cell as string);
    return text === undefined ? missing : text === null ? NOT_PLAIN : (parse(text) ?? NOT_PLAIN);
  };
}

/** Whole counts (tokens, channels) as parseCount reads the cell's text. */
export function countCell(element: SchemaElement, decimalScale: number | undefined): TypedCell {
  switch (shapeOf(element, decimalScale)) {
    case 'decimal':
      // A scale above 0 always writes a point (`12.00`), which a count refuses.
      if (decimalScale! !== 0) return (cell) => (absent(cell) ? ABSENT : NOT_PLAIN);
      return (cell) => (absent(cell) ? ABSENT : unscaledNumber(cell));
    case 'integer':
      return (cell) => (absent(cell) ? ABSENT : wholeNumber(cell));
    case 'double':
      // An integral double below 2^53 prints as its digits.
      return (cell) => (absent(cell) ? ABSENT : Number.isSafeInteger(cell) && (cell as number) >= 0 ? (cell as number) + 0 : NOT_PLAIN);
    case 'float':
      return (cell) => (absent(cell) ? ABSENT : Number.isFinite(cell) ? (parseCount(floatText(cell as number, true, '', 0, '')) ?? NOT_PLAIN) : NOT_PLAIN);
    case 'text':
      return fromText(parseCount);
    default:
      return (cell) => (absent(cell) ? ABSENT : NOT_PLAIN);
  }
}

/** `terminated`: 1, 0, ABSENT, as parseBoolean reads the cell's text (`true`/`false`, `1`/`0`). */
export function booleanCell(element: SchemaElement, decimalScale: number | undefined): TypedCell {
  const bit = (b: boolean | undefined): number => (b === undefined ? NOT_PLAIN : b ? 1 : 0);
  switch (shapeOf(element, decimalScale)) {
    case 'boolean':
      return (cell) => (absent(cell) ? ABSENT : cell ? 1 : 0);
    case 'integer':
    case 'double':
      return (cell) => {
        if (absent(cell)) return ABSENT;
        const n = typeof cell === 'bigint' ? wholeNumber(cell) : (cell as number);
        return n === 0 || n === 1 ? n + 0 : NOT_PLAIN;
      };
    case 'text':
      return fromText((text) => bit(parseBoolean(text)));
    default:
      return (cell) => (absent(cell) ? ABSENT : NOT_PLAIN);
  }
}

/** Instants in epoch ms (NaN: absent): a UTC timestamp as it is, a local one read in the input zone, text as parseInstant reads it. */
export function instantCell(element: SchemaElement, decimalScale: number | undefined, zone: TimeZone): TypedCell {
  switch (shapeOf(element, decimalScale)) {
    case 'instant':
      return (cell) => (absent(cell) ? Number.NaN : (cell as number) >= FIRST_MS && (cell as number) < END_MS ? (cell as number) : NOT_PLAIN);
    case 'local-instant':
      // A wall time: its text has no offset, which parseInstant reads in the input zone.
      return (cell) => (absent(cell) ? Number.NaN : (cell as number) >= FIRST_MS && (cell as number) < END_MS ? zone.fromLocal(cell as number) : NOT_PLAIN);
    case 'text':
      return fromText((text) => parseInstant(text, zone), Number.NaN);
    default:
      return (cell) => (absent(cell) ? Number.NaN : NOT_PLAIN);
  }
}

/** Text of a text column as normalizeRecord takes it (undefined: absent; null: not plain); integers as their digits. */
export function textCell(element: SchemaElement, decimalScale: number | undefined): (cell: ParquetValue) => string | undefined | null {
  switch (shapeOf(element, decimalScale)) {
    case 'text':
      return (cell) => (absent(cell) ? undefined : plainText(cell as string));
    case 'integer':
      return (cell) => (absent(cell) ? undefined : String(cell));
    default:
      return (cell) => (absent(cell) ? undefined : null);
  }
}

/**
 * The code in `strings` of a text column's cells (0: absent), or NOT_PLAIN; each distinct text is
 * judged and interned once (`accept`: whether a plain text is also a valid value, as a features list).
 */
export function codeCell(element: SchemaElement, decimalScale: number | undefined, strings: ByteInterner, accept?: (text: string) => boolean): TypedCell {
  const text = textCell(element, decimalScale);
  const codes = new Map<string, number>();
  return (cell) => {
    if (absent(cell)) return 0;
    const key = typeof cell === 'string' ? cell : String(cell);
    let code = codes.get(key);
    if (code === undefined) {
      const plain = text(cell);
      code = plain === undefined ? 0 : plain === null || (accept && !accept(plain)) ? NOT_PLAIN : strings.ofText(plain);
      codes.set(key, code);
    }
    return code;
  };
}

/** A code of a few known texts, exactly as written (a kind, a status, a region), or NOT_PLAIN; `none` when absent. */
export function choiceCell(element: SchemaElement, decimalScale: number | undefined, choices: readonly (string | undefined)[], none: number): TypedCell {
  const text = textCell(element, decimalScale);
  return (cell) => {
    if (absent(cell)) return none;
    const plain = text(cell);
    if (plain === undefined) return none;
    const code = plain === null ? -1 : choices.indexOf(plain);
    return code < 0 ? NOT_PLAIN : code;
  };
}

/** Kinds by their code (USAGE_KINDS), statuses (0 completed, 1 error), regions by their code (REGIONS). */
export const KIND_CHOICES = USAGE_KINDS;
export const STATUS_CHOICES = ['completed', 'error'];
export const REGION_CHOICES = REGIONS;
