import stringWidth from 'string-width';

/**
 * Text laid out to a terminal's width: column widths for a table, cells and lines wrapped between
 * words. A number is never split or cut: a word too long for its room is broken after a `/`, `-`,
 * `_`, `.` or `:` where it can be, else anywhere but inside a run of digits.
 */

/**
 * Characters one column wide each, whatever is beside them: printable ASCII and Latin-1, the dashes,
 * quotes, bullets and `…` of General Punctuation, and the arrows `←↑→↓` (what tallyman's own words,
 * `·`, `—`, `→`, and most names are made of). Their width is their count, found without string-width.
 */
export const NARROW = '\\x20-\\x7e\\xa0-\\xff\\u2010-\\u2027\\u2190-\\u2193';
const ALL_NARROW = new RegExp(`^[${NARROW}]*$`);
const ANSI_SGR = /\u001b\[(?:\d*;){0,5}\d*m/g;

/** Width of a text as a terminal shows it, its widest line: narrow characters are one column each; anything else is measured without ANSI colour codes. */
export function textWidth(text: string): number {
  if (ALL_NARROW.test(text)) return text.length;
  let widest = 0;
  for (const line of text.split('\n')) widest = Math.max(widest, stringWidth(line.replace(ANSI_SGR, '')));
  return widest;
}

/** What a column holds, for fitting: its widest cell, the narrowest it may be, and whether its words stay whole. */
export interface FitColumn {
  /** Width of its widest cell, padding included. */
  natural: number;
  /** The narrowest it may be, padding included: its longest word when words stay whole. */
  least: number;
  /** Numbers, amounts and dates: wrapped between words only, never narrowed past a word. */
  whole: boolean;
}

/** A text column is narrowed to this (padding included) before a column of numbers wraps at all. */
const COMFORTABLE = 14;

/**
 * Widths (padding included) of columns that fit `width` terminal columns with their borders: every
 * column its natural width when they fit; else the text columns share what is left, down to a
 * comfortable width; then as few columns of numbers as it takes wrap between their words (those
 * that give back most first); then text goes down to its least. Columns that cannot fit even at
 * their least keep it (the table is then wider).
 */
export function fitColumns(columns: readonly FitColumn[], width: number): number[] {
  const room = width - columns.length - 1;
  const natural = columns.map((c) => c.natural);
  if (sum(natural) <= room) return natural;
  const widths = columns.map((c) => (c.whole ? c.natural : Math.max(c.least, Math.min(c.natural, COMFORTABLE))));
  const byGain = columns.map((c, i) => ({ gain: c.natural - c.least, i })).filter((x) => columns[x.i]!.whole).sort((a, b) => b.gain - a.gain);
  for (const { i } of byGain) {
    if (sum(widths) <= room) break;
    widths[i] = columns[i]!.least;
  }
  const lows = sum(widths) <= room ? widths : columns.map((c) => c.least);
  if (sum(lows) > room) return lows;
  // The text columns grow from there, like water; the columns of numbers stay as they are.
  return level(columns.map((c, i) => (c.whole ? lows[i]! : c.natural)), lows, room);
}

/**
 * Each column between its low and its high width, filled like water: the highest level `L` at which
 * min(max(L, low), high) still fits, then what is left one column each, left to right.
 */
function level(high: readonly number[], lows: readonly number[], room: number): number[] {
  const at = (l: number) => high.map((h, i) => Math.min(h, Math.max(l, lows[i]!)));
  let l = 0;
  while (l < Math.max(...high) && sum(at(l + 1)) <= room) l++;
  const widths = at(l);
  let left = room - sum(widths);
  for (let i = 0; i < widths.length && left > 0; i++) {
    if (widths[i]! < high[i]!) {
      widths[i]!++;
      left--;
    }
  }
  return widths;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** Width of the longest word of a text (what a column of whole words cannot go below). */
export function longestWord(text: string): number {
  let longest = 0;
  for (const word of text.split(/\s+/)) longest = Math.max(longest, textWidth(word));
  return longest;
}

/**
 * A text as lines of at most `room` columns, broken between words (runs of whitespace between
 * words are kept within a line, dropped at a break). A word wider than the room is kept whole when
 * `whole`, else broken (see `breakWord`). `indent` starts every line after the first, within the room.
 */
export function wrapText(text: string, room: number, options: { whole?: boolean; indent?: string } = {}): string[] {
  const indent = options.indent ?? '';
  const lines: string[] = [];
  const prefix = (): string => (lines.length > 0 ? indent : '');
  const available = (): number => Math.max(1, room - prefix().length);
  for (const paragraph of text.split('\n')) {
    const parts = paragraph.split(/(\s+)/);
    let line = '';
    let used = 0;
    for (let i = 0; i < parts.length; i += 2) {
      let word = parts[i]!;
      if (word === '') continue;
      const space = i > 0 && used > 0 ? parts[i - 1]! : '';
      if (used > 0 && used + space.length + textWidth(word) <= room) {
        line += space + word;
        used += space.length + textWidth(word);
        continue;
      }
      if (used > 0) lines.push(line);
      if (!options.whole && textWidth(word) > available()) {
        // The first piece in the room this line has; the others in that of a continued line.
        const pieces = breakWord(word, Math.max(1, room - indent.length), available());
        for (const piece of pieces.slice(0, -1)) lines.push(prefix() + piece);
        word = pieces.at(-1)!;
      }
      line = prefix() + word;
      used = textWidth(line);
    }
    if (used > 0) lines.push(line);
  }
  return lines;
}

const SEPARATOR = /[/\-_.:]/;
const NUMBER = /\d(?:[\d.,]*\d)?/g;

/**
 * A word as pieces of at most `room` columns (the first of at most `firstRoom`): each cut after a
 * separator (`/`, `-`, `_`, `.`, `:`) when one falls in the last two thirds of the piece, and never
 * inside a number (digits, with `.` and `,` between them) unless the number alone is wider than the room.
 */
export function breakWord(word: string, room: number, firstRoom = room): string[] {
  const chars = Array.from(word);
  const widths = chars.map((c) => textWidth(c));
  // allowed[k]: a cut before character k does not fall inside a number.
  const allowed = chars.map(() => true);
  const indexAt = new Map<number, number>();
  for (let k = 0, offset = 0; k < chars.length; offset += chars[k]!.length, k++) indexAt.set(offset, k);
  for (const match of word.matchAll(NUMBER)) {
    const first = indexAt.get(match.index)!;
    for (let k = first + 1; k < first + match[0].length; k++) allowed[k] = false;
  }
  const pieces: string[] = [];
  for (let from = 0; from < chars.length; ) {
    const limit = Math.max(1, pieces.length === 0 ? firstRoom : room);
    let to = from;
    let used = 0;
    while (to < chars.length && used + widths[to]! <= limit) used += widths[to++]!;
    if (to === from) used = widths[to++]!;
    if (to < chars.length) {
      let cut = to;
      while (cut > from && !allowed[cut]) used -= widths[--cut]!;
      for (let k = cut, w = used; k > from && w * 3 >= limit; k--) {
        if (allowed[k] && SEPARATOR.test(chars[k - 1]!)) {
          cut = k;
          break;
        }
        w -= widths[k - 1]!;
      }
      if (cut > from) to = cut;
    }
    pieces.push(chars.slice(from, to).join(''));
    from = to;
  }
  return pieces;
}

/**
 * A line of prose (a title, a summary, a warning) within `width` columns: its ` · ` parts packed
 * onto lines, else broken between words; lines after the first are indented two spaces more than
 * it is. Without a width, or when it fits, the line as it is.
 */
export function fitLine(text: string, width: number | undefined): string[] {
  if (width === undefined || textWidth(text) <= width) return [text];
  const lead = /^\s*/.exec(text)![0];
  const indent = `${lead}  `;
  const parts = text.slice(lead.length).split(' · ');
  const lines: string[] = [];
  let line = lead + parts[0]!;
  for (const part of parts.slice(1)) {
    const joined = `${line} · ${part}`;
    if (textWidth(joined) <= width) {
      line = joined;
    } else {
      lines.push(line);
      line = indent + part;
    }
  }
  lines.push(line);
  return lines.flatMap((l, i) => {
    if (textWidth(l) <= width) return [l];
    const own = i === 0 ? lead : indent;
    return wrapText(l.slice(own.length), width - own.length, { indent: i === 0 ? '  ' : '' }).map((w) => own + w);
  });
}

/** Lines of prose, each fitted to `width` (see `fitLine`), and each painted after it is fitted. */
export function fitLines(lines: readonly string[], width: number | undefined, paint: (text: string) => string = (t) => t): string[] {
  return lines.flatMap((line) => fitLine(line, width).map((l) => paint(l)));
}
