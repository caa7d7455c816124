/**
 * Hash tables over numbers and bytes for the byte scanner's hot loop: they find a value's small
 * index without making a string or an array per lookup.
 */

/** Gives each distinct byte string (UTF-8) a small code (from 1; 0 is the empty string), with its text. */
export class ByteInterner {
  /** Text of each code; code 0 is the empty string. */
  readonly values: string[] = [''];
  private slots = new Int32Array(256);
  private hashes: number[] = [0];
  /** End in the pool of each code's bytes (so code c spans ends[c - 1] to ends[c]). */
  private readonly ends: number[] = [0];
  private pool = new Uint8Array(4096);
  private used = 0;
  /** True when the last call to `of` added a new value. */
  added = false;

  /** The code of `bytes[start, end)`, adding it when new. */
  of(bytes: Uint8Array, start: number, end: number): number {
    this.added = false;
    if (start === end) return 0;
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
    const mask = this.slots.length - 1;
    const length = end - start;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const code = this.slots[slot]!;
      if (code === 0) break;
      if (this.hashes[code] === h && this.equals(code, bytes, start, length)) return code;
    }
    return this.insert(bytes, start, end, h);
  }

  /** The code of a text (its UTF-8 bytes), or 0 for undefined: the same code as the same ASCII bytes. */
  ofText(text: string | undefined): number {
    if (text === undefined || text === '') return 0;
    // A text met before is found by the string (records repeat a few models, keys and add-on lists), not its bytes made again.
    let code = this.textCodes.get(text);
    if (code !== undefined) {
      this.added = false;
      return code;
    }
    const bytes = Buffer.from(text, 'utf8');
    code = this.of(bytes, 0, bytes.length);
    this.textCodes.set(text, code);
    return code;
  }

  /** The codes of the texts given to `ofText`. */
  private readonly textCodes = new Map<string, number>();

  private equals(code: number, bytes: Uint8Array, start: number, length: number): boolean {
    const from = this.ends[code - 1]!;
    if (this.ends[code]! - from !== length) return false;
    const pool = this.pool;
    for (let i = 0; i < length; i++) if (pool[from + i] !== bytes[start + i]) return false;
    return true;
  }

  private insert(bytes: Uint8Array, start: number, end: number, h: number): number {
    const length = end - start;
    while (this.used + length > this.pool.length) {
      const bigger = new Uint8Array(this.pool.length * 2);
      bigger.set(this.pool);
      this.pool = bigger;
    }
    this.pool.set(bytes.subarray(start, end), this.used);
    this.used += length;
    const code = this.values.length;
    this.values.push(Buffer.from(bytes.buffer, bytes.byteOffset + start, length).toString('utf8'));
    this.hashes.push(h);
    this.ends.push(this.used);
    if (code * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    this.place(code);
    this.added = true;
    return code;
  }

  private place(code: number): void {
    const mask = this.slots.length - 1;
    let slot = this.hashes[code]! & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    this.slots[slot] = code;
  }

  private rehash(capacity: number): void {
    this.slots = new Int32Array(capacity);
    for (let code = 1; code < this.values.length; code++) this.place(code);
  }
}

/** Gives each distinct tuple of `arity` 32-bit integers a small index, from 0, in the order first seen. */
export class TupleIndex {
  private keys: Int32Array;
  /** Index + 1 of the tuple in each slot; 0 is free. */
  private slots: Int32Array;
  private count = 0;

  constructor(readonly arity: number) {
    this.keys = new Int32Array(64 * arity);
    this.slots = new Int32Array(128);
  }

  get size(): number {
    return this.count;
  }

  /** The index of `tuple` (its first `arity` values), or -1 when it has none yet. */
  find(tuple: Int32Array): number {
    const arity = this.arity;
    const mask = this.slots.length - 1;
    for (let slot = hashInts(tuple, 0, arity) & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot]!;
      if (entry === 0) return -1;
      const at = (entry - 1) * arity;
      let same = true;
      for (let i = 0; i < arity && same; i++) same = this.keys[at + i] === tuple[i];
      if (same) return entry - 1;
    }
  }

  /** The index of `tuple` (its first `arity` values), adding it when new: then it equals the old size. */
  of(tuple: Int32Array): number {
    const arity = this.arity;
    const mask = this.slots.length - 1;
    let slot = hashInts(tuple, 0, arity) & mask;
    for (;;) {
      const entry = this.slots[slot]!;
      if (entry === 0) break;
      const at = (entry - 1) * arity;
      let same = true;
      for (let i = 0; i < arity; i++) {
        if (this.keys[at + i] !== tuple[i]) {
          same = false;
          break;
        }
      }
      if (same) return entry - 1;
      slot = (slot + 1) & mask;
    }
    const index = this.count++;
    if ((index + 1) * arity > this.keys.length) {
      const bigger = new Int32Array(this.keys.length * 2);
      bigger.set(this.keys);
      this.keys = bigger;
    }
    this.keys.set(tuple.subarray(0, arity), index * arity);
    if (this.count * 2 > this.slots.length) this.rehash();
    else this.slots[slot] = index + 1;
    return index;
  }

  /** Every tuple, in index order: `arity` values each (a copy). */
  tuples(): Int32Array {
    return this.keys.slice(0, this.count * this.arity);
  }

  private rehash(): void {
    const capacity = this.slots.length * 2;
    this.slots = new Int32Array(capacity);
    const mask = capacity - 1;
    const arity = this.arity;
    for (let index = 0; index < this.count; index++) {
      let slot = hashInts(this.keys, index * arity, arity) & mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
      this.slots[slot] = index + 1;
    }
  }
}

function hashInts(values: Int32Array, from: number, count: number): number {
  let h = 0x9747b28c;
  for (let i = from; i < from + count; i++) {
    h = Math.imul(h ^ values[i]!, 0x5bd1e995);
    h ^= h >>> 15;
  }
  return h;
}

/** Gives each distinct text a small code (from 1; 0 is null), with its text: for tuples of texts in a `TupleIndex`. */
export class TextCodes {
  /** The text of each code. */
  readonly texts: (string | null)[] = [null];
  private readonly codes = new Map<string, number>();

  /** The code of `text`, added when new. */
  of(text: string | null): number {
    if (text === null) return 0;
    let code = this.codes.get(text);
    if (code === undefined) {
      code = this.texts.length;
      this.codes.set(text, code);
      this.texts.push(text);
    }
    return code;
  }
}
