/** A growable column of numbers in a typed array: a few bytes a record instead of an object. */
export class Column<T extends Float64Array | Uint32Array | Uint16Array> {
  private data: T;
  length = 0;

  constructor(private readonly make: (size: number) => T) {
    this.data = make(1024);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = this.make(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  at(index: number): number {
    return this.data[index]!;
  }
}

export const float64 = (): Column<Float64Array> => new Column((n) => new Float64Array(n));
export const uint32 = (): Column<Uint32Array> => new Column((n) => new Uint32Array(n));
export const uint16 = (): Column<Uint16Array> => new Column((n) => new Uint16Array(n));

/** Indices 0..n-1 ordered by `key`, ties by index: a stable sort that moves 4 bytes an entry. */
export function orderBy(n: number, key: (i: number) => number, then?: (i: number) => number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  // Logs mostly come in time order: then the order is the identity, found in one pass.
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) {
    const a = key(i - 1);
    const b = key(i);
    sorted = a < b || (a === b && (!then || then(i - 1) <= then(i)));
  }
  if (sorted) return order;
  return order.sort((a, b) => key(a) - key(b) || (then ? then(a) - then(b) : 0) || a - b);
}
