import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineColumn, orderBy, RunColumn, TextColumn, TimeColumn, uint32, WholeColumn } from '../../src/util/columns.js';

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

describe('Column.append: another column taken over without a copy', () => {
  const CHUNK = 1 << 16;
  const filled = (n: number, from: number) => {
    const column = uint32();
    for (let i = 0; i < n; i++) column.push(from + i);
    return column;
  };
  // Lengths around the chunk size: empty, a few, one short of a chunk, a chunk, more than two.
  const lengths = [0, 5, CHUNK - 5, CHUNK, 2 * CHUNK + 11];

  it.each(lengths.flatMap((mine) => lengths.map((theirs) => [mine, theirs])))('%i values, then %i from another column', (mine, theirs) => {
    const column = filled(mine, 0);
    column.append(filled(theirs, 1_000_000).parts(), (v) => v + 1);
    column.push(7);
    expect(column.length).toBe(mine + theirs + 1);
    const values = Array.from({ length: column.length }, (_, i) => column.at(i));
    const expected = [...Array.from({ length: mine }, (_, i) => i), ...Array.from({ length: theirs }, (_, i) => 1_000_001 + i), 7];
    expect(values).toEqual(expected);
  });
});

describe('RunColumn: values in runs', () => {
  it('gives each value back, across runs and after another column is appended (values mapped, runs joined)', () => {
    const values = [3, 3, 3, 0, 0, 7, 3, 3];
    const mine = new RunColumn();
    for (const v of values) mine.push(v);
    const theirs = new RunColumn();
    for (const v of [1, 1, 2]) theirs.push(v);
    mine.append(theirs.parts(), (v) => (v === 1 ? 3 : 9)); // 1 becomes 3: the same run as mine's last
    mine.push(9);
    expect(Array.from({ length: mine.length }, (_, i) => mine.at(i))).toEqual([...values, 3, 3, 9, 9]);
    expect(mine.parts().starts).toEqual([0, 3, 5, 6, 10]);
  });
});

describe('WholeColumn: whole numbers in 4 bytes, wider ones aside', () => {
  it('keeps every value exactly, 2^32 − 1 and past it, 2^53 − 1 and a fraction included, across an append', () => {
    const values = [0, 1, 2 ** 32 - 2, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER, 0.5, 42];
    const mine = new WholeColumn();
    for (const v of values) mine.push(v);
    const theirs = new WholeColumn();
    for (const v of [...values].reverse()) theirs.push(v);
    mine.append(theirs.parts());
    expect(Array.from({ length: mine.length }, (_, i) => mine.at(i))).toEqual([...values, ...[...values].reverse()]);
  });
});

describe('TimeColumn: instants as 32-bit offsets from their chunk\'s first, any other number as a double', () => {
  const CHUNK = 1 << 16;
  const base = Date.UTC(2026, 4, 1);
  const DAYS_24 = 2 ** 31 - 1;
  /** Instants near the base, with the odd one that does not fit an offset: far off, a fraction, NaN. */
  const instants = (n: number, seed: number, odd: number[]): number[] =>
    Array.from({ length: n }, (_, i) => (odd.includes(i) ? [base + DAYS_24 + 1, base - DAYS_24 - 1, base + 0.5, NaN, 1e300][i % 5]! : base + ((i * 7919 + seed) % 3_600_000) - 1_800_000));
  const column = (values: number[]): TimeColumn => {
    const c = new TimeColumn();
    for (const v of values) c.push(v);
    return c;
  };
  const read = (c: TimeColumn): number[] => Array.from({ length: c.length }, (_, i) => c.at(i));
  const lengths = [0, 5, CHUNK - 5, CHUNK, 2 * CHUNK + 11];

  it('gives back every value exactly: offsets of ±24 days, and past them, fractions, NaN and far instants as doubles', () => {
    const values = [...instants(100, 1, []), base + DAYS_24, base - DAYS_24, ...instants(CHUNK + 50, 3, [7, CHUNK + 3, CHUNK + 9, CHUNK + 20, CHUNK + 31])];
    expect(read(column(values))).toEqual(values);
  });

  it.each(lengths.flatMap((mine) => lengths.map((theirs) => [mine, theirs])))('%i values, then %i from another column taken over (a far instant in each)', (mine, theirs) => {
    const ours = instants(mine, 1, [mine - 2]);
    const others = instants(theirs, 5, [0, theirs - 1, CHUNK + 4]);
    const c = column(ours);
    c.append(column(others).parts());
    c.push(base);
    expect(read(c)).toEqual([...ours, ...others, base]);
  });

  const joins = [0, 5, CHUNK - 5, CHUNK + 7];
  it.each(joins.flatMap((mine) => joins.map((theirs) => [mine, theirs])))('knows it is ascending: %i values, then %i taken over, at every join', (mine, theirs) => {
    const rising = (n: number, from: number): number[] => Array.from({ length: n }, (_, i) => from + Math.floor(i / 3));
    const isAscending = (values: number[]): boolean => values.every((v, i) => i === 0 || v >= values[i - 1]!);
    const ours = rising(mine, base);
    for (const others of [rising(theirs, base + mine), rising(theirs, base - 1), [...rising(theirs, base + mine)].reverse(), rising(theirs, base + mine).map((v, i) => (i === theirs - 1 ? NaN : v))]) {
      const c = column(ours);
      const other = column(others);
      expect(other.ascending).toBe(isAscending(others));
      c.append(other.parts());
      expect(c.ascending).toBe(isAscending([...ours, ...others]));
      c.push(base + 2 * CHUNK);
      expect(c.ascending).toBe(isAscending([...ours, ...others, base + 2 * CHUNK]));
      c.push(base);
      expect(c.ascending).toBe(c.length === 2 && isAscending([...ours, ...others, base + 2 * CHUNK, base]));
    }
  });
});

describe('LineColumn: lines as steps of a byte, in full where a step does not fit', () => {
  /** Lines of a few files read one after another: rising by small steps, a long gap, a new file from line 2. */
  const lines = (n: number, seed: number): number[] => {
    const out: number[] = [];
    let line = 1 + seed;
    for (let i = 0; i < n; i++) {
      line = i % 997 === 500 ? 2 : i % 301 === 7 ? line + 100_000 + seed : line + ((i * 31 + seed) % 5);
      out.push(line);
    }
    return out;
  };
  const read = (c: LineColumn): number[] => Array.from({ length: c.length }, (_, i) => c.at(i));

  it.each([[0, 0], [1, 70], [63, 64], [64, 1], [200, 5000], [5000, 130]])('%i lines, then %i from another thread moved by its offset', (mine, theirs) => {
    const ours = lines(mine, 0);
    const others = lines(theirs, 3);
    const c = new LineColumn();
    for (const line of ours) c.push(line);
    const other = new LineColumn();
    for (const line of others) other.push(line);
    const offset = 1_000 + mine;
    c.append(other.parts(), offset);
    c.push(7);
    expect(read(c)).toEqual([...ours, ...others.map((l) => l + offset), 7]);
    // Another part at offset 0, lines pushed after it (stepping from its last), a third part; and the whole sent on as parts.
    c.append(other.parts(), 0);
    const after = [others[others.length - 1] ?? 0, (others[others.length - 1] ?? 0) + 3, 2];
    for (const line of after) c.push(line);
    c.append(other.parts(), 5);
    const all = [...ours, ...others.map((l) => l + offset), 7, ...others, ...after, ...others.map((l) => l + 5)];
    expect(read(c)).toEqual(all);
    const copy = new LineColumn();
    copy.append(c.parts(), 1);
    expect(read(copy)).toEqual(all.map((l) => l + 1));
  });
});

describe('TextColumn: short texts in one pool of UTF-8 bytes', () => {
  it('gives back texts pushed as strings and as bytes, across a growing pool, and after taking another column over', () => {
    const bytes = new TextEncoder().encode('s83,t36,ünï,');
    const texts = Array.from({ length: 30_000 }, (_, i) => (i % 7 === 0 ? '' : `id-${i}-ü`));
    const c = new TextColumn();
    for (const text of texts) c.push(text);
    c.pushBytes(bytes, 0, 3);
    c.pushBytes(bytes, 8, 13);
    const other = new TextColumn();
    other.pushBytes(bytes, 4, 7);
    other.push('');
    c.append(other.parts());
    expect(Array.from({ length: c.length }, (_, i) => c.at(i))).toEqual([...texts, 's83', 'ünï', 't36', '']);
  });
});
