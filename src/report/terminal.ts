import type { ChalkInstance } from 'chalk';
import { Decimal } from '../util/decimal.js';

/**
 * Charts in a terminal, drawn only when a table goes to a terminal with colour allowed (never into a
 * pipe, a file or with NO_COLOR). Values are exact decimals; only the row a value falls on is a number.
 */

const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** The level (0 … steps − 1) of `value` between `min` and `max`. */
function level(value: Decimal, min: Decimal, max: Decimal, steps: number): number {
  if (max.eq(min)) return 0;
  return value.minus(min).dividedBy(max.minus(min)).times(steps - 1).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
}

/** One block character per value, from the lowest (or 0) to the highest. */
export function sparkline(values: readonly Decimal[]): string {
  if (values.length === 0) return '';
  const min = Decimal.min(0, ...values);
  const max = Decimal.max(...values);
  return values.map((v) => BLOCKS[level(v, min, max, BLOCKS.length)]!).join('');
}

/** At most `width` values, taking every n-th (and always the last), with their indices. */
export function sample<T>(values: readonly T[], width: number): { value: T; index: number }[] {
  if (values.length <= width) return values.map((value, index) => ({ value, index }));
  return Array.from({ length: width }, (_, i) => {
    const index = i === width - 1 ? values.length - 1 : Math.floor((i * values.length) / width);
    return { value: values[index]!, index };
  });
}

/**
 * A line chart of one value per column (box-drawing characters, as asciichart draws), `height` rows,
 * with the value of each row's top on the left, and a row of markers under the axis.
 */
export function lineChart(values: readonly Decimal[], options: { height?: number; markers?: readonly string[]; first: string; last: string; paint: ChalkInstance }): string {
  const height = options.height ?? 8;
  const min = Decimal.min(...values);
  const max = Decimal.max(...values);
  const rows = values.map((v) => level(v, min, max, height));
  const grid = Array.from({ length: height }, () => Array.from({ length: values.length }, () => ' '));
  rows.forEach((r, c) => {
    const previous = c === 0 ? r : rows[c - 1]!;
    if (r === previous) {
      grid[r]![c] = '─';
      return;
    }
    const [low, high] = r > previous ? [previous, r] : [r, previous];
    for (let y = low + 1; y < high; y++) grid[y]![c] = '│';
    grid[previous]![c] = r > previous ? '╯' : '╮';
    grid[r]![c] = r > previous ? '╭' : '╰';
  });
  const labels = Array.from({ length: height }, (_, y) => (max.eq(min) ? min : min.plus(max.minus(min).times(y).dividedBy(height - 1))).toFixed(0));
  const labelWidth = Math.max(...labels.map((l) => l.length));
  const lines: string[] = [];
  for (let y = height - 1; y >= 0; y--) lines.push(`${labels[y]!.padStart(labelWidth)} ┤${options.paint.cyan(grid[y]!.join(''))}`);
  lines.push(`${' '.repeat(labelWidth)} └${'─'.repeat(values.length)}`);
  if (options.markers?.some((m) => m !== ' ')) lines.push(`${' '.repeat(labelWidth + 2)}${options.markers.join('')}`);
  const gap = Math.max(1, values.length - options.first.length - options.last.length);
  lines.push(`${' '.repeat(labelWidth + 2)}${options.first}${' '.repeat(gap)}${options.last}`);
  return lines.join('\n');
}
