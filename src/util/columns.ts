const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;

/**
 * A growable column of numbers in typed arrays: a few bytes a record instead of an object. It grows
 * by chunks of 64K values, never by copying, so its peak memory is its size (a doubling array holds
 * the old copy too while it grows).
 */
export class Column<T extends Float64Array | Uint32Array | Uint16Array> {
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

export const float64 = (): Column<Float64Array> => new Column((n) => new Float64Array(n));
export const uint32 = (): Column<Uint32Array> => new Column((n) => new Uint32Array(n));
export const uint16 = (): Column<Uint16Array> => new Column((n) => new Uint16Array(n));

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

/** The k-th index in `orderBy`'s order, with no order array where the indices are in order already. */
export function nthInOrder(n: number, key: (i: number) => number): (k: number) => number {
  if (inOrder(n, key)) return (k) => k;
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
    this.pool.set(bytes.subarray(start, end), this.used);
    this.used += end - start;
    this.ends.push(this.used);
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
