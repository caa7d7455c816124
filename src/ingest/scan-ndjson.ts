import { tooLongLine } from './json.js';
import { MAX_FIELD, MAX_JSON_VALUE } from './limits.js';
import { openSource } from './open.js';
import { FileWindow } from './window.js';
import { CANONICAL_FIELDS } from './record.js';

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const OPEN = 123;
const CLOSE = 125;
const LF = 10;
const CR = 13;

/** What the NDJSON byte scanner does with its lines. */
export interface LineSink {
  /**
   * A flat canonical object (`{"kind":…}` with only strings, plain numbers, booleans and nulls):
   * canonical field i's value spans `bytes[starts[i], ends[i])` (empty when absent or null). False
   * sends the line the record way instead.
   */
  flat(bytes: Uint8Array, starts: Int32Array, ends: Int32Array, line: number): boolean;
  /** Any other line, for the record path (JSON.parse and the native shapes): its bytes without the line break. */
  other(bytes: Uint8Array, start: number, end: number, line: number): void;
  progress?(bytes: number): void;
  /** Called before the buffer the rows point into is reused: anything kept from it must be read now. */
  flush?(): void;
}

/** Canonical fields whose value may be a JSON number (read as the same decimal text). */
const NUMERIC = new Set(['audio_duration', 'channels', 'session_duration', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'cache_write_1h_tokens', 'reasoning_tokens']);
const KEYS = CANONICAL_FIELDS.map((name) => Buffer.from(name, 'latin1'));
const NUMERIC_AT = CANONICAL_FIELDS.map((name) => NUMERIC.has(name));
const KIND_AT = CANONICAL_FIELDS.indexOf('kind');

/**
 * Reads an NDJSON file through one reused buffer. The lines machines write (JSON.stringify of a flat
 * object with a `kind`) are read as byte ranges per canonical field, without JSON.parse or an object;
 * every other line (whitespace, escapes, non-ASCII, nesting, native shapes, anything JSON.parse would
 * refuse) goes to `other`, in order, for the record path to read and judge.
 */
export async function scanNdjsonFile(path: string, sink: LineSink): Promise<void> {
  const source = await openSource(path);
  try {
    const window = new FileWindow(source);
    let line = 1;
    const starts = new Int32Array(KEYS.length);
    const ends = new Int32Array(KEYS.length);
    for (;;) {
      let pos = await window.read(sink.progress);
      const { buffer, filled, eof } = window;
      const bytes: Uint8Array = buffer;
      while (pos < filled) {
        let end = buffer.indexOf(LF, pos);
        if (end === -1 || end >= filled) {
          if (!eof && filled - pos <= MAX_LINE_BYTES) break;
          end = filled;
        }
        const next = end + 1;
        const body = end > pos && bytes[end - 1] === CR ? end - 1 : end;
        if (body - pos > MAX_LINE_BYTES) throw tooLongLine(path, line);
        if (!blank(bytes, pos, body)) {
          // A line longer than a field may be goes the record way, which checks each field's length.
          const plain = body - pos <= MAX_FIELD && flat(bytes, pos, body, starts, ends);
          if (!(plain && sink.flat(bytes, starts, ends, line))) sink.other(bytes, pos, body, line);
        }
        line++;
        pos = next;
      }
      if (eof && pos >= filled) return;
      sink.flush?.();
      window.keep(pos);
    }
  } finally {
    await source.close();
  }
}

/**
 * A line past this many bytes is past MAX_JSON_VALUE characters whatever it holds (a character is at
 * most 3 UTF-8 bytes a UTF-16 unit), and is refused unread; a shorter one is judged by the record way.
 */
const MAX_LINE_BYTES = 3 * MAX_JSON_VALUE;

/** Only ASCII whitespace (a line the record path would skip; other blank-looking lines go there). */
function blank(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c !== 32 && c !== 9 && c !== 13 && c !== 11 && c !== 12) return false;
  }
  return true;
}

/** The canonical fields by the length of their key, so that a key is compared with a few names only. */
const BY_LENGTH: number[][] = [];
KEYS.forEach((key, k) => (BY_LENGTH[key.length] ??= []).push(k));

/** The canonical field a key names, or -1. */
function keyIndex(b: Uint8Array, start: number, end: number): number {
  const length = end - start;
  const candidates = BY_LENGTH[length];
  if (candidates === undefined) return -1;
  for (let c = 0; c < candidates.length; c++) {
    const k = candidates[c]!;
    const key = KEYS[k]!;
    if (key[0] !== b[start] || key[length - 1] !== b[end - 1]) continue;
    let i = 1;
    while (i < length && key[i] === b[start + i]) i++;
    if (i === length) return k;
  }
  return -1;
}

/** The end of a plain string's content from just after its opening quote, or -1 (escapes, control or non-ASCII bytes). */
function stringEnd(b: Uint8Array, from: number, limit: number): number {
  for (let i = from; i < limit; i++) {
    const c = b[i]!;
    if (c === QUOTE) return i;
    if (c === BACKSLASH || c <= 32 || c >= 127) return -1; // spaces too: the record path trims them
  }
  return -1;
}

/** The end of a plain JSON number (`0`, `12`, `12.5`: no sign, no exponent, at most 15 digits), or -1. */
function numberEnd(b: Uint8Array, from: number, limit: number): number {
  let i = from;
  let digits = 0;
  if (b[i] === 48) {
    i++;
    digits++;
  } else {
    while (i < limit && b[i]! >= 48 && b[i]! <= 57) {
      i++;
      digits++;
    }
    if (digits === 0) return -1;
  }
  if (i < limit && b[i] === 46) {
    i++;
    const fraction = i;
    while (i < limit && b[i]! >= 48 && b[i]! <= 57) i++;
    if (i === fraction) return -1;
    digits += i - fraction;
  }
  return digits > 15 ? -1 : i;
}

function literal(b: Uint8Array, from: number, limit: number, text: string): boolean {
  if (from + text.length > limit) return false;
  for (let i = 0; i < text.length; i++) if (b[from + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** Where the keys that are not canonical names start and end on the line (a few; more go the record way). */
const OTHER_KEYS = new Int32Array(16);

/** Whether the key `b[start, end)` is one of the first `count` other keys of the line. */
function repeatsOtherKey(b: Uint8Array, start: number, end: number, count: number): boolean {
  for (let k = 0; k < count; k += 2) {
    const from = OTHER_KEYS[k]!;
    if (OTHER_KEYS[k + 1]! - from !== end - start) continue;
    let i = 0;
    while (start + i < end && b[from + i] === b[start + i]) i++;
    if (start + i === end) return true;
  }
  return false;
}

/** Reads `{"key":value,…}` with no whitespace into field ranges; false for anything else. */
function flat(b: Uint8Array, start: number, end: number, starts: Int32Array, ends: Int32Array): boolean {
  if (b[start] !== OPEN || b[end - 1] !== CLOSE || end - start < 2) return false;
  starts.fill(0);
  ends.fill(0);
  let seen = 0;
  let others = 0;
  let p = start + 1;
  if (b[p] === CLOSE) return false;
  for (;;) {
    if (b[p] !== QUOTE) return false;
    const keyEnd = stringEnd(b, p + 1, end);
    if (keyEnd === -1 || b[keyEnd + 1] !== COLON) return false;
    const field = keyIndex(b, p + 1, keyEnd);
    let v = keyEnd + 2;
    let from = v;
    let to = v;
    const c = b[v];
    if (c === QUOTE) {
      to = stringEnd(b, v + 1, end);
      if (to === -1) return false;
      from = v + 1;
      v = to + 1;
    } else if (c === 116 /* t */ || c === 102 /* f */) {
      const text = c === 116 ? 'true' : 'false';
      if (!literal(b, v, end, text)) return false;
      to = v + text.length;
      v = to;
    } else if (c === 110 /* n */) {
      if (!literal(b, v, end, 'null')) return false;
      v += 4;
      from = to = v; // null: as if absent
    } else {
      to = numberEnd(b, v, end);
      if (to === -1 || (field >= 0 && !NUMERIC_AT[field])) return false;
      v = to;
    }
    // A repeated key (JSON.parse keeps the last value) goes the record way, which says so.
    if (field >= 0) {
      if (seen & (1 << field)) return false;
      seen |= 1 << field;
      starts[field] = from;
      ends[field] = to;
    } else {
      if (others === OTHER_KEYS.length || repeatsOtherKey(b, p + 1, keyEnd, others)) return false;
      OTHER_KEYS[others++] = p + 1;
      OTHER_KEYS[others++] = keyEnd;
    }
    if (b[v] === COMMA) {
      p = v + 1;
      continue;
    }
    return b[v] === CLOSE && v === end - 1 && (seen & (1 << KIND_AT)) !== 0;
  }
}
