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
 * made without comparing texts item against item. Each text column's distinct values are put in
 * order once and replaced by their ranks, then the items are sorted by their rows of numbers:
 * 600,000 invoice lines of four dimensions sort in a fraction of the time and make no garbage per
 * comparison.
 */
export function sortBy<T>(items: readonly T[], columns: readonly Column<T>[]): T[] {
  const n = items.length;
  const width = columns.length;
  const ranks = new Float64Array(n * width);
  const values: (number | string | null)[] = new Array<number | string | null>(n);
  for (let c = 0; c < width; c++) {
    const column = columns[c]!;
    const texts = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const value = column(items[i]!);
      values[i] = value;
      if (typeof value === 'string') texts.set(value, 0);
    }
    // Ranks from 0 in text order; null is -1, before every text.
    [...texts.keys()].sort(compareText).forEach((text, rank) => texts.set(text, rank));
    for (let i = 0; i < n; i++) {
      const value = values[i]!;
      ranks[i * width + c] = value === null ? -1 : typeof value === 'number' ? value : texts.get(value)!;
    }
  }
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => {
    const at = a * width;
    const bt = b * width;
    for (let c = 0; c < width; c++) {
      const d = ranks[at + c]! - ranks[bt + c]!;
      if (d !== 0) return d;
    }
    return 0;
  });
  return order.map((i) => items[i]!);
}
