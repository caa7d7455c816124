import { describe, expect, it } from 'vitest';
import { PairMap } from '../../src/util/pairs.js';

describe('PairMap: pairs of codes to numbers', () => {
  it('finds every pair added, and no other, through its growth (as a Map of string keys does)', () => {
    const pairs = new PairMap();
    const reference = new Map<string, number>();
    const got: number[] = [];
    const expected: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      // Neighbouring and repeating codes, 0 among them, and the largest ones.
      const first = i % 3 === 0 ? 0x7fffffff - (i % 5) : (i * 7) % 1500;
      const second = (i * 13) % 101;
      const key = `${first},${second}`;
      got.push(pairs.get(first, second));
      expected.push(reference.get(key) ?? -1);
      if (!reference.has(key)) {
        pairs.add(first, second, i);
        reference.set(key, i);
      }
    }
    for (const [key, value] of reference) {
      const [first, second] = key.split(',').map(Number) as [number, number];
      got.push(pairs.get(first, second), pairs.get(first, second + 1000));
      expected.push(value, -1);
    }
    expect(got).toEqual(expected);
    expect(pairs.size).toBe(reference.size);
  });
});
