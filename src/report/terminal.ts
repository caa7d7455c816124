import type { ChalkInstance } from 'chalk';
import { compareText } from '../util/compare.js';
import { Decimal } from '../util/decimal.js';
import { daysFrom, parseDay } from '../util/time.js';
import { fitLine, textWidth } from './fit.js';

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

/**
 * Spend over a period (an amount a day) as a sparkline: a block a day, or a week or a month on a
 * long period (see `blocksOf`), with the first and last day and the highest block, within `width`:
 * on one line when it fits, else the highest block on the next, else the words above the blocks.
 */
export function spendSparkline(totals: ReadonlyMap<string, Decimal>, money: (amount: Decimal) => string, width: number | undefined): string | undefined {
  const days = [...totals.keys()].sort(compareText);
  if (days.length < 2) return undefined;
  // Every calendar day in between is in a block, a day without spend adds nothing.
  const all = daysFrom(days[0], days[days.length - 1]);
  const grouped = blocksOf(all, Math.min(SPARKLINE_BLOCKS, width ?? SPARKLINE_BLOCKS));
  const values = grouped.blocks.map(({ from, to }) => all.slice(from, to).reduce((sum, day) => sum.plus(totals.get(day) ?? 0), new Decimal(0)));
  const top = values.reduce((best, value, i) => (value.gt(values[best]!) ? i : best), 0);
  const name = blockName(grouped);
  const title = grouped.grain === 'day' ? 'Daily spend' : `Spend by ${name}`;
  const highest = `highest ${grouped.grain === 'day' ? '' : `${name} `}${grouped.blocks[top]!.label}: ${money(values[top]!)}`;
  const blocks = sparkline(values);
  const [first, last] = [all[0]!, all[all.length - 1]!];
  for (const text of [`${title} ${first} ${blocks} ${last} · ${highest}`, `${title} ${first} ${blocks} ${last}\n  ${highest}`]) {
    if (width === undefined || text.split('\n').every((line) => textWidth(line) <= width)) return text;
  }
  return [...fitLine(`${title} ${first} → ${last} · ${highest}`, width), blocks].join('\n');
}

/** Blocks of the sparkline at most (the days of two months, drawn a day a block). */
const SPARKLINE_BLOCKS = 62;

/** A block of a chart: the calendar days `[from, to)` (indices into the days) it stands for, named by its first. */
export interface DayBlock {
  from: number;
  to: number;
  label: string;
}

/** Days in blocks: a block a day, a week (Monday to Sunday) or `per` calendar months, each cut to the period. */
export interface DayBlocks {
  grain: 'day' | 'week' | 'month';
  per: number;
  blocks: DayBlock[];
}

/** A block a day up to this many days (about two months). */
const DAILY_UP_TO = 62;
/** A block a week up to this many days (a year); months after that. */
const WEEKLY_UP_TO = 366;

/**
 * Consecutive calendar days (`YYYY-MM-DD`) in at most `room` blocks, for a chart that fits its
 * width: a block a day up to about two months, a week (from Monday) up to a year, then a month, or
 * as many months a block as it takes to fit. A period too long for a block a day in the room is
 * drawn by week, and one too long for a block a week by month.
 */
export function blocksOf(days: readonly string[], room: number): DayBlocks {
  if (days.length <= Math.min(DAILY_UP_TO, room)) return { grain: 'day', per: 1, blocks: days.map((label, i) => ({ from: i, to: i + 1, label })) };
  // 1970-01-05, day 4, was a Monday.
  const weeks = runs(days, (day) => (((parseDay(day) - 4) % 7) + 7) % 7 === 0, (day) => day);
  if (days.length <= WEEKLY_UP_TO && weeks.length <= room) return { grain: 'week', per: 1, blocks: weeks };
  const months = runs(days, (day) => day.endsWith('-01'), (day) => day.slice(0, 7));
  const per = Math.ceil(months.length / Math.max(1, room));
  const blocks: DayBlock[] = [];
  for (let i = 0; i < months.length; i += per) {
    const group = months.slice(i, i + per);
    blocks.push({ from: group[0]!.from, to: group.at(-1)!.to, label: per === 1 ? group[0]!.label : `${group[0]!.label}…${group.at(-1)!.label}` });
  }
  return { grain: 'month', per, blocks };
}

/** Runs of days, a new one on each day `starts` says begins a block (and on the first), named by `label` of its first day. */
function runs(days: readonly string[], starts: (day: string) => boolean, label: (day: string) => string): DayBlock[] {
  const blocks: DayBlock[] = [];
  days.forEach((day, i) => {
    if (i === 0 || starts(day)) blocks.push({ from: i, to: i + 1, label: label(day) });
    else blocks.at(-1)!.to = i + 1;
  });
  return blocks;
}

/** What a block stands for, in words: `day`, `week`, `month`, `3 months`. */
export function blockName(blocks: DayBlocks): string {
  return blocks.per === 1 ? blocks.grain : `${blocks.per} ${blocks.grain}s`;
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
