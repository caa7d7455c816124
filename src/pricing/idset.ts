import { hashed, hashTextKey } from '../ingest/id-hash.js';

/**
 * Ids as hashes with the line each was first seen on: a set's own slots, handed over whole (a slot
 * whose line is 0 is free), so that giving them to another thread allocates nothing.
 */
export interface IdList {
  /** h1, h2 of each slot. */
  keys: Int32Array<ArrayBuffer>;
  /** First line + 1 of each slot; 0: the slot is free. */
  lines: Uint32Array<ArrayBuffer>;
  /** Ids in the list. */
  count: number;
}

/** The table is grown past this share of slots in use (linear probing stays short below it). */
const LOAD = 0.75;

/**
 * A compact set of record ids for the duplicate check: each id is kept as a 64-bit hash (two
 * independent 32-bit hashes, side by side so that one probe reads one cache line) in an
 * open-addressed table of any size, with the line (and file) where it was first seen: 13 bytes a
 * slot (a file code of one byte until a log has more than 255 files), at most 75% full. Two
 * different ids share a 64-bit hash with odds of about n²/2⁶⁵ (3·10⁻⁶ for 10 million ids).
 */
export class IdSet {
  /** h1, h2 of each slot. */
  private keys: Int32Array;
  /** First line + 1 of each slot; 0: the slot is free. */
  private lines: Uint32Array;
  private files: Uint8Array | Uint16Array;
  private count = 0;
  private capacity: number;

  constructor(capacity = 1 << 14) {
    this.capacity = capacity;
    this.keys = new Int32Array(capacity * 2);
    this.lines = new Uint32Array(capacity);
    this.files = new Uint8Array(capacity);
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
    if (this.count + 1 > this.capacity * LOAD) this.grow(this.capacity * 2);
    if (file > 0xff && this.files instanceof Uint8Array) this.files = Uint16Array.from(this.files);
    const capacity = this.capacity;
    const keys = this.keys;
    for (let slot = this.home(h1); ; slot = slot + 1 === capacity ? 0 : slot + 1) {
      const stored = this.lines[slot]!;
      if (stored === 0) {
        this.put(slot, h1, h2, file, line);
        this.count++;
        return undefined;
      }
      if (keys[slot * 2] === h1 && keys[slot * 2 + 1] === h2) return { file: this.files[slot]!, line: stored - 1 };
    }
  }

  /** Whether a hashed key is in the set. */
  has(h1: number, h2: number): boolean {
    const capacity = this.capacity;
    for (let slot = this.home(h1); this.lines[slot] !== 0; slot = slot + 1 === capacity ? 0 : slot + 1) {
      if (this.keys[slot * 2] === h1 && this.keys[slot * 2 + 1] === h2) return true;
    }
    return false;
  }

  /**
   * Every id's hashes and first line, for another thread's set to take in (files are the caller's
   * to say): the table's own slots, given away; the set is empty after.
   */
  take(): IdList {
    const list: IdList = { keys: this.keys as Int32Array<ArrayBuffer>, lines: this.lines as Uint32Array<ArrayBuffer>, count: this.count };
    this.capacity = 1;
    this.keys = new Int32Array(2);
    this.lines = new Uint32Array(1);
    this.files = new Uint8Array(1);
    this.count = 0;
    return list;
  }

  /** Makes room for `ids` ids in all, at once, rather than doubling on the way (a hint: never shrinks). */
  reserve(ids: number): void {
    const capacity = Math.ceil(ids / LOAD) + 1;
    if (capacity > this.capacity) this.grow(capacity);
  }

  /** The slot a hash starts its probe at: its place in [0, capacity) by multiplication, for a table of any size. */
  private home(h1: number): number {
    return ((h1 >>> 0) * this.capacity) / 4294967296 >>> 0;
  }

  private put(slot: number, h1: number, h2: number, file: number, line: number): void {
    this.keys[slot * 2] = h1;
    this.keys[slot * 2 + 1] = h2;
    this.lines[slot] = line + 1;
    this.files[slot] = file;
  }

  private grow(capacity: number): void {
    const { keys, lines, files } = this;
    const old = this.capacity;
    this.capacity = capacity;
    this.keys = new Int32Array(capacity * 2);
    this.lines = new Uint32Array(capacity);
    this.files = files instanceof Uint8Array ? new Uint8Array(capacity) : new Uint16Array(capacity);
    for (let i = 0; i < old; i++) {
      if (lines[i] === 0) continue;
      let slot = this.home(keys[i * 2]!);
      while (this.lines[slot] !== 0) slot = slot + 1 === capacity ? 0 : slot + 1;
      this.keys[slot * 2] = keys[i * 2]!;
      this.keys[slot * 2 + 1] = keys[i * 2 + 1]!;
      this.lines[slot] = lines[i]!;
      this.files[slot] = files[i]!;
    }
  }
}
