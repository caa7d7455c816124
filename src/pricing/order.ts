import { compareText } from '../util/compare.js';

/**
 * One column of an order: a number (compared as numbers), or text (compared by `compareText`) or
 * null (before any text). A column gives numbers only, or text and nulls only.
 */
export type Column<T> = (item: T) => number | string | null;

/** The comparator of an order: the columns compared in turn, the first that differs decides. */
export function comparatorOf<T>(columns: readonly Column<T>[]): (a: T, b: T) => number {
  return (a, b) => {
    for (const column of columns) {
      const c = compareKeys(column(a), column(b));
      if (c !== 0) return c;
    }
    return 0;
  };
}

function compareKeys(x: number | string | null, y: number | string | null): number {
  if (x === y) return 0;
  if (x === null) return -1;
  if (y === null) return 1;
  return typeof x === 'number' ? x - (y as number) : compareText(x, y as string);
}

/**
 * The items in the order of `columns`: the same array `sort(comparatorOf(columns))` makes (stable),
 * made without comparing texts item against item. Each column's distinct values are put in order
 * once and replaced by their ranks; the ranks of an item, read as the digits of one number (and
 * its index as the last, for stability), make a key that a numeric sort puts in order. When the
 * keys could pass 2^53 (many distinct values), items are compared by their rows of ranks instead.
 */
export function sortBy<T>(items: readonly T[], columns: readonly Column<T>[]): T[] {
  const n = items.length;
  const width = columns.length;
  const ranks = new Float64Array(n * width);
  const sizes = columns.map((column, c) => rankColumn(items, column, ranks, c, width));
  const span = sizes.reduce((product, size) => product * size, n);
  let order: ArrayLike<number>;
  if (span <= Number.MAX_SAFE_INTEGER) {
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let key = 0;
      for (let c = 0; c < width; c++) key = key * sizes[c]! + ranks[i * width + c]!;
      keys[i] = key * n + i;
    }
    keys.sort();
    order = keys.map((key) => key % n);
  } else {
    order = Array.from({ length: n }, (_, i) => i).sort((a, b) => {
      for (let c = 0; c < width; c++) {
        const d = ranks[a * width + c]! - ranks[b * width + c]!;
        if (d !== 0) return d;
      }
      return 0;
    });
  }
  return Array.from(order, (i) => items[i]!);
}

/**
 * Writes the rank of each item's value of a column (0 for the first value in the column's order)
 * at `ranks[i * width + c]` and returns how many distinct values the column has.
 */
function rankColumn<T>(items: readonly T[], column: Column<T>, ranks: Float64Array, c: number, width: number): number {
  const n = items.length;
  const values = new Array<number | string | null>(n);
  const distinct = new Map<number | string | null, number>();
  for (let i = 0; i < n; i++) {
    const value = column(items[i]!);
    values[i] = value;
    distinct.set(value, 0);
  }
  [...distinct.keys()].sort(compareKeys).forEach((value, rank) => distinct.set(value, rank));
  // Runs of one value are common (one product, one model): looked up once per run.
  let last: number | string | null | undefined;
  let rank = 0;
  for (let i = 0; i < n; i++) {
    const value = values[i]!;
    if (value !== last) {
      last = value;
      rank = distinct.get(value)!;
    }
    ranks[i * width + c] = rank;
  }
  return Math.max(1, distinct.size);
}
