import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { orderBy } from '../../src/util/columns.js';

/** The order orderBy promises, by a comparator: key, then `then`, then index. */
function byComparator(keys: number[], then?: number[]): number[] {
  return keys.map((_, i) => i).sort((a, b) => keys[a]! - keys[b]! || (then ? then[a]! - then[b]! : 0) || a - b);
}

describe('orderBy: a stable radix order on numbers', () => {
  const number = fc.oneof(fc.double({ noNaN: true }), fc.integer({ min: -5, max: 5 }), fc.constantFrom(0, -0, Infinity, -Infinity, 1e-320, Date.UTC(2026, 4, 1)));

  it('orders by key, ties by index, as a comparator sort does (negative, zero, subnormal and infinite keys too)', () => {
    fc.assert(fc.property(fc.array(number, { maxLength: 300 }), (keys) => {
      expect([...orderBy(keys.length, (i) => keys[i]!)]).toEqual(byComparator(keys));
    }));
  });

  it('orders integer keys (milliseconds, codes) as 32-bit offsets where they fit, as 64-bit keys where they do not', () => {
    const base = Date.UTC(2026, 4, 1);
    const near = fc.oneof(fc.integer({ min: 0, max: 70_000 }), fc.constantFrom(0, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1), fc.integer({ min: -(2 ** 31), max: 2 ** 31 }));
    fc.assert(fc.property(fc.array(near, { maxLength: 300 }), fc.boolean(), (offsets, negative) => {
      const keys = offsets.map((o) => (negative ? -o : base + o));
      expect([...orderBy(keys.length, (i) => keys[i]!)]).toEqual(byComparator(keys));
    }));
  });

  it('orders by key, then by a second key, then by index', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), number), { maxLength: 300 }), (pairs) => {
      const group = pairs.map((p) => p[0]);
      const start = pairs.map((p) => p[1]);
      expect([...orderBy(pairs.length, (i) => group[i]!, (i) => start[i]!)]).toEqual(byComparator(group, start));
    }));
  });
});
