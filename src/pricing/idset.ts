import { hashed, hashTextKey } from '../ingest/id-hash.js';

export { hashed };

/**
 * A compact set of record ids for the duplicate check: each id is kept as a 64-bit hash (two
 * independent 32-bit hashes) in open-addressed typed arrays, with the file and line where it was
 * first seen: about 14 bytes a slot instead of a string in a Set. Two different ids share a 64-bit
 * hash with odds of about n²/2⁶⁵ (3·10⁻⁶ for 10 million ids).
 */
/** Ids as hashes with the line each was first seen on. */
export interface IdList {
  high: Int32Array<ArrayBuffer>;
  low: Int32Array<ArrayBuffer>;
  lines: Uint32Array<ArrayBuffer>;
}

export class IdSet {
  private high: Int32Array;
  private low: Int32Array;
  private lines: Uint32Array;
  private files: Uint16Array;
  private used: Uint8Array;
  private count = 0;

  constructor(capacity = 1 << 14) {
    this.high = new Int32Array(capacity);
    this.low = new Int32Array(capacity);
    this.lines = new Uint32Array(capacity);
    this.files = new Uint16Array(capacity);
    this.used = new Uint8Array(capacity);
  }

  /** Ids in the set. */
  get size(): number {
    return this.count;
  }

  /** Adds `key`; when it was already there, returns where it was first seen instead. */
  addOrFind(key: string, file: number, line: number): { file: number; line: number } | undefined {
    hashTextKey(key);
    return this.addOrFindHashed(hashed.a, hashed.b, file, line);
  }

  /** As addOrFind, for a key already hashed with hashText or hashBytes. */
  addOrFindHashed(h1: number, h2: number, file: number, line: number): { file: number; line: number } | undefined {
    if ((this.count + 1) * 10 > this.used.length * 7) this.grow();
    const mask = this.used.length - 1;
    for (let slot = h1 & mask; ; slot = (slot + 1) & mask) {
      if (this.used[slot] === 0) {
        this.put(slot, h1, h2, file, line);
        this.count++;
        return undefined;
      }
      if (this.high[slot] === h1 && this.low[slot] === h2) return { file: this.files[slot]!, line: this.lines[slot]! };
    }
  }

  /** Whether a hashed key is in the set. */
  has(h1: number, h2: number): boolean {
    const mask = this.used.length - 1;
    for (let slot = h1 & mask; this.used[slot] !== 0; slot = (slot + 1) & mask) {
      if (this.high[slot] === h1 && this.low[slot] === h2) return true;
    }
    return false;
  }

  /** Every id's hashes and first line, for another thread's set to take in (files are the caller's to say). */
  list(): IdList {
    const list: IdList = { high: new Int32Array(this.count), low: new Int32Array(this.count), lines: new Uint32Array(this.count) };
    let n = 0;
    for (let slot = 0; slot < this.used.length; slot++) {
      if (this.used[slot] === 0) continue;
      list.high[n] = this.high[slot]!;
      list.low[n] = this.low[slot]!;
      list.lines[n++] = this.lines[slot]!;
    }
    return list;
  }

  private put(slot: number, h1: number, h2: number, file: number, line: number): void {
    this.used[slot] = 1;
    this.high[slot] = h1;
    this.low[slot] = h2;
    this.files[slot] = file;
    this.lines[slot] = line;
  }

  /** Makes room for `ids` ids in all, at once, rather than doubling on the way (a hint: never shrinks). */
  reserve(ids: number): void {
    let capacity = this.used.length;
    while (ids * 10 > capacity * 7) capacity *= 2;
    if (capacity > this.used.length) this.grow(capacity);
  }

  private grow(capacity = this.used.length * 2): void {
    const { high, low, lines, files, used } = this;
    this.high = new Int32Array(capacity);
    this.low = new Int32Array(capacity);
    this.lines = new Uint32Array(capacity);
    this.files = new Uint16Array(capacity);
    this.used = new Uint8Array(capacity);
    const mask = capacity - 1;
    for (let i = 0; i < used.length; i++) {
      if (used[i] === 0) continue;
      let slot = high[i]! & mask;
      while (this.used[slot] !== 0) slot = (slot + 1) & mask;
      this.put(slot, high[i]!, low[i]!, files[i]!, lines[i]!);
    }
  }
}

