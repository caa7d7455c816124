/**
 * A compact set of record ids for the duplicate check: each id is kept as a 64-bit hash (two
 * independent 32-bit hashes) in open-addressed typed arrays, with the file and line where it was
 * first seen: about 14 bytes a slot instead of a string in a Set. Two different ids share a 64-bit
 * hash with odds of about n²/2⁶⁵ (3·10⁻⁶ for 10 million ids).
 */
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

  /** Adds `key`; when it was already there, returns where it was first seen instead. */
  addOrFind(key: string, file: number, line: number): { file: number; line: number } | undefined {
    if ((this.count + 1) * 10 > this.used.length * 7) this.grow();
    const [h1, h2] = hash(key);
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

  private put(slot: number, h1: number, h2: number, file: number, line: number): void {
    this.used[slot] = 1;
    this.high[slot] = h1;
    this.low[slot] = h2;
    this.files[slot] = file;
    this.lines[slot] = line;
  }

  private grow(): void {
    const { high, low, lines, files, used } = this;
    const capacity = used.length * 2;
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

/** Two independent 32-bit hashes of a string (FNV-1a and a murmur-style mix), each finalised. */
function hash(key: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return [mix(a), mix(b ^ key.length)];
}

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
