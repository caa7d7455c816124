/** Slots a new table starts with (a power of two). */
const START = 64;

/**
 * A map from pairs of codes (non-negative integers below 2^31, as interned strings' codes) to
 * non-negative integers, in typed arrays with open addressing: a look-up per row costs a few array
 * reads, where a Map of Sets (or an array indexed by a sparse code) costs a hash of each.
 */
export class PairMap {
  private firsts = new Int32Array(START).fill(-1);
  private seconds = new Int32Array(START);
  private values = new Int32Array(START);
  size = 0;

  /** The value of (first, second), or -1 when it has none. */
  get(first: number, second: number): number {
    const mask = this.firsts.length - 1;
    for (let slot = slotOf(first, second, mask); ; slot = (slot + 1) & mask) {
      const at = this.firsts[slot]!;
      if (at === -1) return -1;
      if (at === first && this.seconds[slot] === second) return this.values[slot]!;
    }
  }

  /** Sets the value of (first, second) (a pair not in the map: `get` said -1). */
  add(first: number, second: number, value: number): void {
    if (2 * (this.size + 1) > this.firsts.length) this.grow();
    this.place(first, second, value);
    this.size++;
  }

  private place(first: number, second: number, value: number): void {
    const mask = this.firsts.length - 1;
    let slot = slotOf(first, second, mask);
    while (this.firsts[slot] !== -1) slot = (slot + 1) & mask;
    this.firsts[slot] = first;
    this.seconds[slot] = second;
    this.values[slot] = value;
  }

  /** Doubles the table (at most half full, so that a probe is short). */
  private grow(): void {
    const { firsts, seconds, values } = this;
    this.firsts = new Int32Array(firsts.length * 2).fill(-1);
    this.seconds = new Int32Array(firsts.length * 2);
    this.values = new Int32Array(firsts.length * 2);
    for (let slot = 0; slot < firsts.length; slot++) if (firsts[slot] !== -1) this.place(firsts[slot]!, seconds[slot]!, values[slot]!);
  }
}

/** The home slot of a pair: its codes mixed (multiply, xor-shift) so that neighbouring codes spread. */
function slotOf(first: number, second: number, mask: number): number {
  let h = Math.imul(first, 0x9e3779b1) ^ second;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return (h ^ (h >>> 13)) & mask;
}
