const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;

/**
 * A growable column of numbers in typed arrays: a few bytes a record instead of an object. It grows
 * by chunks of 64K values, never by copying, so its peak memory is its size (a doubling array holds
 * the old copy too while it grows).
 */
export class Column<T extends Float64Array | Uint32Array | Uint16Array | Uint8Array> {
  private readonly chunks: T[] = [];
  private last: T;
  length = 0;

  constructor(private readonly make: (size: number) => T) {
    this.last = make(CHUNK);
    this.chunks.push(this.last);
  }

  push(value: number): void {
    const offset = this.length & (CHUNK - 1);
    if (offset === 0 && this.length > 0) {
      this.last = this.make(CHUNK);
      this.chunks.push(this.last);
    }
    this.last[offset] = value;
    this.length++;
  }

  at(index: number): number {
    return this.chunks[index >>> CHUNK_BITS]![index & (CHUNK - 1)]!;
  }

  /** The column as plain data, to send to another thread: its chunks as they are (the last one partly filled), not copied. */
  parts(): ColumnParts<T> {
    return { chunks: this.chunks.slice(0, Math.max(1, Math.ceil(this.length / CHUNK))), length: this.length };
  }

  /**
   * Appends another column's values (from `parts`, each through `map` when given) by taking its
   * chunks over rather than copying them: the chunks are the caller's to give away. Where this
   * column's last chunk is partly filled, every taken chunk's values move down in place to fill it,
   * so that the peak memory is the two columns, not three.
   */
  append(parts: ColumnParts<T>, map?: (value: number) => number): void {
    const { chunks, length } = parts;
    if (length === 0) return;
    const used = Math.ceil(length / CHUNK);
    if (map) {
      for (let c = 0; c < used; c++) {
        const chunk = chunks[c]!;
        for (let i = 0, n = Math.min(CHUNK, length - c * CHUNK); i < n; i++) chunk[i] = map(chunk[i]!);
      }
    }
    const filled = this.length & (CHUNK - 1);
    if (this.length === 0) this.chunks.length = 0;
    for (let c = 0; c < used; c++) {
      const chunk = chunks[c]!;
      if (chunk.length !== CHUNK) throw new RangeError(`a column chunk of ${chunk.length} values, not ${CHUNK}`);
      if (filled === 0) {
        this.chunks.push(chunk);
        continue;
      }
      // The last chunk takes this one's first CHUNK − filled values; its other values move to its start.
      const n = Math.min(CHUNK, length - c * CHUNK);
      this.last.set(chunk.subarray(0, Math.min(n, CHUNK - filled)), filled);
      if (n <= CHUNK - filled) break;
      chunk.copyWithin(0, CHUNK - filled, n);
      this.chunks.push(chunk);
      this.last = chunk;
    }
    this.length += length;
    this.last = this.chunks[this.chunks.length - 1]!;
  }
}

/** What reads a column of numbers: its length and its values by index. */
export interface Numbers {
  readonly length: number;
  at(index: number): number;
  /** True when the values are known to be in ascending order (no need to look). */
  readonly ascending?: boolean;
}

/** Past this, an instant is too far from its chunk's first to be kept as a 32-bit offset. */
const OFFSET_LIMIT = 0x7fffffff;

/**
 * A growable column of instants (milliseconds since the epoch; whole numbers): each chunk keeps its
 * values as 32-bit offsets from its first value, 4 bytes an instant instead of 8, while they lie
 * within 24 days of it (a chunk of a log's events nearly always does). A chunk with an instant
 * farther off, or not whole, keeps its values as doubles, so any number is held exactly.
 */
export class TimeColumn implements Numbers {
  /** Each chunk's offsets, or undefined where it keeps doubles. */
  private readonly offsets: (Int32Array | undefined)[] = [];
  private readonly doubles: (Float64Array | undefined)[] = [];
  /** Each chunk's first value, from which its offsets count. */
  private readonly bases: number[] = [];
  length = 0;
  /** Whether every value is no less than the one before (a log's instants mostly are): then no order is needed to walk them in time. */
  ascending = true;
  private last = Number.NEGATIVE_INFINITY;

  push(value: number): void {
    if (!(value >= this.last)) this.ascending = false;
    this.last = value;
    const c = this.length >>> CHUNK_BITS;
    const k = this.length & (CHUNK - 1);
    if (k === 0) {
      this.bases.push(value);
      this.offsets.push(new Int32Array(CHUNK));
      this.doubles.push(undefined);
    }
    const offsets = this.offsets[c];
    if (offsets !== undefined) {
      const offset = value - this.bases[c]!;
      if (Number.isInteger(offset) && offset <= OFFSET_LIMIT && offset >= -OFFSET_LIMIT) {
        offsets[k] = offset;
        this.length++;
        return;
      }
      this.widen(c);
    }
    this.doubles[c]![k] = value;
    this.length++;
  }

  at(index: number): number {
    const c = index >>> CHUNK_BITS;
    const offsets = this.offsets[c];
    return offsets !== undefined ? this.bases[c]! + offsets[index & (CHUNK - 1)]! : this.doubles[c]![index & (CHUNK - 1)]!;
  }

  /** Turns chunk `c` into doubles. */
  private widen(c: number): void {
    const offsets = this.offsets[c]!;
    const base = this.bases[c]!;
    const doubles = new Float64Array(CHUNK);
    for (let k = 0; k < CHUNK; k++) doubles[k] = base + offsets[k]!;
    this.doubles[c] = doubles;
    this.offsets[c] = undefined;
  }

  /** The column as plain data, to send to another thread: its chunks as they are, not copied. */
  parts(): TimeParts {
    const used = Math.ceil(this.length / CHUNK);
    return { offsets: this.offsets.slice(0, used), doubles: this.doubles.slice(0, used), bases: this.bases.slice(0, used), length: this.length, ascending: this.ascending };
  }

  /**
   * Appends another column's values by taking its chunks over: the values that fill this column's
   * last chunk are pushed one by one, and each taken chunk's other values move to its start, where
   * they keep their chunk's base.
   */
  append(parts: TimeParts): void {
    const { offsets, doubles, bases, length } = parts;
    const value = (c: number, k: number): number => {
      const chunk = offsets[c];
      return chunk !== undefined ? bases[c]! + chunk[k]! : doubles[c]![k]!;
    };
    if (length === 0) return;
    // Ascending when both are and theirs start no earlier than this ends (read before their chunks move).
    const ascending = this.ascending && parts.ascending && value(0, 0) >= this.last;
    const last = value((length - 1) >>> CHUNK_BITS, (length - 1) & (CHUNK - 1));
    const room = (CHUNK - (this.length & (CHUNK - 1))) & (CHUNK - 1);
    const fill = Math.min(room, length);
    // The first `fill` values of theirs go one by one into this column's last chunk.
    for (let i = 0; i < fill; i++) this.push(value(i >>> CHUNK_BITS, i & (CHUNK - 1)));
    if (fill < length) this.takeChunks(parts, fill, value);
    this.ascending = ascending;
    this.last = last;
  }

  /** Takes over the chunks of `parts` after their first `fill` values (which went into this column's last chunk). */
  private takeChunks(parts: TimeParts, fill: number, value: (c: number, k: number) => number): void {
    const { offsets, doubles, bases, length } = parts;
    // Then their chunks, each shifted down by `fill` values: its values at [fill, CHUNK) move to its start and the next chunk's first `fill` values follow.
    const used = Math.ceil(length / CHUNK);
    for (let c = 0; c < used; c++) {
      const first = c * CHUNK + fill;
      if (first >= length) break;
      const n = Math.min(CHUNK, length - first);
      if (fill === 0) {
        this.offsets.push(offsets[c]);
        this.doubles.push(doubles[c]);
        this.bases.push(bases[c]!);
        this.length += n;
        continue;
      }
      // Chunk c's own values move down; the rest come from chunk c + 1 through the push path.
      const own = Math.min(n, CHUNK - fill);
      const target = this.length;
      (offsets[c] ?? doubles[c]!).copyWithin(0, fill, fill + own);
      this.offsets.push(offsets[c]);
      this.doubles.push(doubles[c]);
      this.bases.push(bases[c]!);
      this.length = target + own;
      for (let i = own; i < n; i++) this.push(value(c + 1, i - own));
    }
  }
}

/** A time column as plain data. */
export interface TimeParts {
  offsets: (Int32Array | undefined)[];
  doubles: (Float64Array | undefined)[];
  bases: number[];
  length: number;
  ascending: boolean;
}

/** Lines a block of LineColumn starts with in full. */
const BLOCK_BITS = 6;
const BLOCK = 1 << BLOCK_BITS;
/** The step that marks a line kept aside. */
const ASIDE = 255;

/**
 * A growable column of line numbers that mostly rise by little (the lines of a log's events, in
 * file order): a byte a line, the step from the line before, and in full at the start of each block
 * of 64 and wherever the step is not 0 to 254 (a new file, a long gap). Reading a line sums at most
 * 63 steps: meant for the few lines a report names, not for a hot loop.
 */
export class LineColumn implements Numbers {
  private readonly steps = uint8();
  private readonly starts = uint32();
  private readonly aside = new Map<number, number>();
  private previous = 0;
  /**
   * Other threads' columns taken over whole (`append`), each from index `from` on, its lines moved
   * by `offset`; the lines pushed after one go to a column of their own (offset 0) after it.
   */
  private readonly joined: { from: number; lines: LineColumn; offset: number }[] = [];

  get length(): number {
    const last = this.joined[this.joined.length - 1];
    return last === undefined ? this.steps.length : last.from + last.lines.length;
  }

  push(line: number): void {
    if (this.joined.length > 0) {
      let last = this.joined[this.joined.length - 1]!;
      if (last.offset !== 0) this.joined.push((last = { from: this.length, lines: new LineColumn(), offset: 0 }));
      last.lines.push(line);
      return;
    }
    const index = this.steps.length;
    const step = line - this.previous;
    if ((index & (BLOCK - 1)) === 0) {
      this.starts.push(line);
      this.steps.push(0);
    } else if (step >= 0 && step < ASIDE) {
      this.steps.push(step);
    } else {
      this.aside.set(index, line);
      this.steps.push(ASIDE);
    }
    this.previous = line;
  }

  at(index: number): number {
    for (let k = this.joined.length - 1; k >= 0; k--) {
      const join = this.joined[k]!;
      if (index >= join.from) return join.lines.at(index - join.from) + join.offset;
    }
    let line = this.starts.at(index >>> BLOCK_BITS);
    for (let i = (index & ~(BLOCK - 1)) + 1; i <= index; i++) {
      const step = this.steps.at(i);
      line = step === ASIDE ? this.aside.get(i)! : line + step;
    }
    return line;
  }

  /** The lines as plain data, to send to another thread. */
  parts(): LineParts {
    if (this.joined.length === 0) return { steps: this.steps.parts(), starts: this.starts.parts(), aside: [...this.aside] };
    const flat = new LineColumn();
    this.each((line) => flat.push(line));
    return flat.parts();
  }

  /** Every line in order (one pass, each block's steps summed once). */
  private each(visit: (line: number) => void): void {
    let line = 0;
    for (let i = 0; i < this.steps.length; i++) {
      const step = this.steps.at(i);
      line = (i & (BLOCK - 1)) === 0 ? this.starts.at(i >>> BLOCK_BITS) : step === ASIDE ? this.aside.get(i)! : line + step;
      visit(line);
    }
    for (const join of this.joined) join.lines.each((l) => visit(l + join.offset));
  }

  /**
   * Appends another column's lines (from `parts`), each moved by `offset` (where the other thread's
   * line 1 is): its chunks are taken over as they are, not pushed again a line at a time.
   */
  append(parts: LineParts, offset: number): void {
    const theirs = new LineColumn();
    theirs.steps.append(parts.steps);
    theirs.starts.append(parts.starts);
    for (const [index, line] of parts.aside) theirs.aside.set(index, line);
    if (theirs.length === 0) return;
    theirs.previous = theirs.at(theirs.length - 1); // where a line pushed after them steps from
    this.joined.push({ from: this.length, lines: theirs, offset });
  }
}

/** A line column as plain data. */
export interface LineParts {
  steps: ColumnParts<Uint8Array>;
  starts: ColumnParts<Uint32Array>;
  aside: [number, number][];
}

/** A column as plain data: its chunks (each CHUNK values long, the last partly filled) and its length. */
export interface ColumnParts<T> {
  chunks: T[];
  length: number;
}

/**
 * A column whose values come in long runs (the file of each record: a log's files are read one
 * after another): a run costs two numbers, not each value two bytes.
 */
export class RunColumn {
  private readonly starts: number[] = [];
  private readonly values: number[] = [];
  length = 0;

  push(value: number): void {
    if (this.values.length === 0 || this.values[this.values.length - 1] !== value) {
      this.starts.push(this.length);
      this.values.push(value);
    }
    this.length++;
  }

  at(index: number): number {
    // The last run starting at or before `index`.
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if (this.starts[middle]! <= index) low = middle;
      else high = middle - 1;
    }
    return this.values[low]!;
  }

  /** The runs as plain data, to send to another thread. */
  parts(): RunParts {
    return { starts: [...this.starts], values: [...this.values], length: this.length };
  }

  /** Appends another column's runs, each value through `map` when given. */
  append(parts: RunParts, map?: (value: number) => number): void {
    for (let k = 0; k < parts.starts.length; k++) {
      const value = map ? map(parts.values[k]!) : parts.values[k]!;
      if (this.values.length === 0 || this.values[this.values.length - 1] !== value) {
        this.starts.push(this.length + parts.starts[k]!);
        this.values.push(value);
      }
    }
    this.length += parts.length;
  }
}

export interface RunParts {
  starts: number[];
  values: number[];
  length: number;
}

/** Past this, a whole number is kept aside (4 bytes a value below it). */
const WIDE = 0xffffffff;

/**
 * A column of whole numbers that are nearly always below 2^32 (a priced quantity: milliseconds,
 * tokens, seconds): 4 bytes a value, the rare wider one (or anything else) kept aside by index.
 */
export class WholeColumn {
  private readonly narrow = uint32();
  private readonly wide = new Map<number, number>();

  get length(): number {
    return this.narrow.length;
  }

  push(value: number): void {
    if (Number.isInteger(value) && value >= 0 && value < WIDE) {
      this.narrow.push(value);
    } else {
      this.wide.set(this.narrow.length, value);
      this.narrow.push(WIDE);
    }
  }

  at(index: number): number {
    const value = this.narrow.at(index);
    return value === WIDE ? this.wide.get(index)! : value;
  }

  /** The values as plain data, to send to another thread. */
  parts(): WholeParts {
    return { narrow: this.narrow.parts(), wide: [...this.wide] };
  }

  /** Appends another column's values (taking its chunks over, see Column.append). */
  append(parts: WholeParts): void {
    for (const [index, value] of parts.wide) this.wide.set(this.length + index, value);
    this.narrow.append(parts.narrow);
  }
}

export interface WholeParts {
  narrow: ColumnParts<Uint32Array>;
  wide: [number, number][];
}

export const uint32 = (): Column<Uint32Array> => new Column((n) => new Uint32Array(n));
export const uint16 = (): Column<Uint16Array> => new Column((n) => new Uint16Array(n));
export const uint8 = (): Column<Uint8Array> => new Column((n) => new Uint8Array(n));

/**
 * Indices 0..n-1 ordered by `key`, ties by `then`, then by index: a stable LSD radix sort (16 bits a
 * pass) on the keys' bits, no comparator calls. Keys are numbers, not NaN; −0 counts as 0. Keys
 * that are integers less than 2^32 apart (milliseconds within 49 days, codes) are sorted as 32-bit
 * offsets from the least: half the passes and half the memory of 64-bit keys.
 */
/**
 * Whether indices 0..n-1 are in `orderBy`'s order already (logs mostly come in time order): one
 * pass, no memory, so that a caller can walk the indices as they are.
 */
export function inOrder(n: number, key: (i: number) => number, then?: (i: number) => number): boolean {
  for (let i = 1; i < n; i++) {
    const a = key(i - 1);
    const b = key(i);
    if (!(a < b || (a === b && (!then || then(i - 1) <= then(i))))) return false;
  }
  return true;
}

/** The k-th index in `orderBy`'s order, with no order array where the indices are in order already (`ascending`: known to be). */
export function nthInOrder(n: number, key: (i: number) => number, ascending = false): (k: number) => number {
  if (ascending || inOrder(n, key)) return (k) => k;
  const order = orderBy(n, key);
  return (k) => order[k]!;
}

export function orderBy(n: number, key: (i: number) => number, then?: (i: number) => number): Uint32Array {
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (inOrder(n, key, then)) return order;
  let spare = new Uint32Array(n);
  const counts = new Uint32Array(0x10000);
  const keys = then ? [then, key] : [key];
  for (let k = 0; k < keys.length; k++) {
    // Each pass sorts by one 16-bit digit of a word of the key, least significant first.
    const narrow = offsets(n, keys[k]!);
    const bits = narrow ?? sortableBits(n, keys[k]!);
    const stride = narrow ? 1 : 2;
    for (let w = 0; w < stride; w++) {
      const word = narrow ? 0 : w === 0 ? LOW : 1 - LOW;
      for (let shift = 0; shift <= 16; shift += 16) {
        if (!countDigits(counts, bits, n, stride, word, shift)) continue; // one digit for all: nothing moves
        scatter(order, spare, counts, bits, n, stride, word, shift);
        [order, spare] = [spare, order];
      }
    }
  }
  return order;
}

// The passes of orderBy, each a function of its own: a run calls orderBy a few times on many keys,
// and one function of many loops would run mostly unoptimized (each loop reached first deoptimizes it).

/** Counts each digit's keys and turns the counts into starting places; false when one digit holds every key. */
function countDigits(counts: Uint32Array, bits: Uint32Array, n: number, stride: number, word: number, shift: number): boolean {
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[(bits[stride * i + word]! >>> shift) & 0xffff]!++;
  if (n === 0 || counts[(bits[word]! >>> shift) & 0xffff] === n) return false;
  let at = 0;
  for (let d = 0; d < 0x10000; d++) {
    const c = counts[d]!;
    counts[d] = at;
    at += c;
  }
  return true;
}

/** Moves each index of `order` to its digit's next place in `spare`. */
function scatter(order: Uint32Array, spare: Uint32Array, counts: Uint32Array, bits: Uint32Array, n: number, stride: number, word: number, shift: number): void {
  for (let j = 0; j < n; j++) {
    const i = order[j]!;
    spare[counts[(bits[stride * i + word]! >>> shift) & 0xffff]!++] = i;
  }
}

/** Each key less the least key, when all keys are integers less than 2^32 apart; else undefined. */
function offsets(n: number, key: (i: number) => number): Uint32Array | undefined {
  let least = Number.POSITIVE_INFINITY;
  let most = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const k = key(i);
    if (!Number.isInteger(k)) return undefined;
    if (k < least) least = k;
    if (k > most) most = k;
  }
  if (!(most - least < 2 ** 32)) return undefined;
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = key(i) - least;
  return out;
}

/** Which 32-bit half of a float64 is the low one on this machine. */
const LOW = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;

/** Each key's float64 bits, turned so that they order as unsigned integers the way the numbers do. */
function sortableBits(n: number, key: (i: number) => number): Uint32Array {
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = key(i) + 0;
  const bits = new Uint32Array(values.buffer);
  for (let i = 0; i < n; i++) {
    const high = bits[2 * i + 1 - LOW]!;
    if (high & 0x80000000) {
      bits[2 * i + LOW] = ~bits[2 * i + LOW]!;
      bits[2 * i + 1 - LOW] = ~high;
    } else {
      bits[2 * i + 1 - LOW] = high | 0x80000000;
    }
  }
  return bits;
}

/** A growable column of short texts kept as UTF-8 bytes in one pool: no string object a row is retained. */
export class TextColumn {
  private pool = new Uint8Array(1 << 16);
  private used = 0;
  private readonly ends = uint32();

  get length(): number {
    return this.ends.length;
  }

  push(text: string): void {
    const need = Buffer.byteLength(text, 'utf8');
    this.room(need);
    this.used += Buffer.from(this.pool.buffer, this.pool.byteOffset + this.used, need).write(text, 'utf8');
    this.ends.push(this.used);
  }

  /** Appends the text whose UTF-8 bytes are `bytes[start, end)`. */
  pushBytes(bytes: Uint8Array, start: number, end: number): void {
    this.room(end - start);
    // Byte by byte: an id is a few bytes, and a subarray to copy them with costs more than they do.
    const pool = this.pool;
    let used = this.used;
    for (let i = start; i < end; i++) pool[used++] = bytes[i]!;
    this.used = used;
    this.ends.push(used);
  }

  /** The texts as plain data, to send to another thread. */
  parts(): { pool: Uint8Array; ends: ColumnParts<Uint32Array> } {
    return { pool: this.pool.slice(0, this.used), ends: this.ends.parts() };
  }

  /** Appends the texts of another column's `parts`. */
  append(parts: { pool: Uint8Array; ends: ColumnParts<Uint32Array> }): void {
    const base = this.used;
    this.room(parts.pool.length);
    this.pool.set(parts.pool, base);
    this.used += parts.pool.length;
    this.ends.append(parts.ends, (end) => base + end);
  }

  /** Makes room in the pool for `need` more bytes (doubling it). */
  private room(need: number): void {
    while (this.used + need > this.pool.length) {
      const bigger = new Uint8Array(this.pool.length * 2);
      bigger.set(this.pool.subarray(0, this.used));
      this.pool = bigger;
    }
  }

  at(index: number): string {
    const start = index === 0 ? 0 : this.ends.at(index - 1);
    return Buffer.from(this.pool.buffer, this.pool.byteOffset + start, this.ends.at(index) - start).toString('utf8');
  }
}
