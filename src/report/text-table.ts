import { fitColumns, longestWord, NARROW, textWidth, wrapText } from './fit.js';

export { textWidth };

/**
 * Box-drawn tables for the terminal, in time linear in their cells. The output is the bytes
 * cli-table3 0.6 draws with `style: { head: [], border: [], compact: true }` (the look of every
 * tallyman table, held to it by `test/report/text-table.test.ts`), without its layout pass, which
 * compares each cell with every cell above it and took 26 minutes for 60,000 rows.
 *
 * Cells are plain text; a cell's paint (a chalk style) is applied to each line it is drawn on, after
 * wrapping and cutting, so that widths are measured on the text alone and colour never leaks into
 * the next cell or line.
 */

/** How a cell's text is laid in its column. */
export type Align = 'left' | 'right';

/** A cell: its text, and optionally a paint for each of its lines, a span over columns and an alignment of its own. */
export interface TableCell {
  text: string;
  paint?: (text: string) => string;
  span?: number;
  align?: Align;
}

/**
 * The shape of a table: its head (one cell a column) and the alignment of each column; optionally
 * fixed widths and a way to wrap. Every row fills every column.
 */
export interface TableSpec {
  head: readonly (string | Omit<TableCell, 'span'>)[];
  aligns: readonly Align[];
  /** Width of each column, its one-space padding on either side included; without them each column takes its widest cell. */
  widths?: readonly number[];
  /** How text wider than a fixed column breaks: between words, or anywhere (by UTF-16 units, as cli-table3 does). Otherwise it is cut with `…`. */
  wrap?: 'words' | 'anywhere';
  /**
   * Fit within `width` terminal columns, borders included (in place of `widths` and `wrap`): widths
   * found from the cells (see `fitColumns`), text wrapped between words. The words of `whole`
   * columns (numbers, amounts, dates) and of the head are never broken; other words only when
   * wider than their column, never inside a number.
   */
  fit?: { width: number; whole: readonly boolean[] };
}

interface Placed {
  text: string;
  paint: ((text: string) => string) | undefined;
  x: number;
  span: number;
  align: Align;
  lines: string[];
}

const PADDING = 2;
const ELLIPSIS = '…';

/** The table as lines joined by `\n`, with no final newline. */
export function drawTable(spec: TableSpec, body: readonly (readonly (string | TableCell)[])[]): string {
  const rows = [spec.head, ...body];
  const widths = spec.fit ? fittedWidths(rows, spec.fit) : spec.widths ? spec.widths.map((w) => Math.max(1, w)) : naturalWidths(rows);
  // One row at a time, so that a big table holds its lines of text and nothing per cell.
  const out = new Lines();
  let row: Placed[] = [];
  for (let y = 0; y < rows.length; y++) {
    row = place(rows[y]!, spec, widths, y === 0);
    if (y === 0) out.push(rule(row, widths, ['┌', '┬', '─', '┐']));
    if (y === 1) out.push(rule(row, widths, ['├', '┼', '┴', '┤']));
    let height = 1;
    for (const cell of row) height = Math.max(height, cell.lines.length);
    for (let n = 0; n < height; n++) out.push(textLine(row, widths, n));
  }
  out.push(bottom(row, widths));
  return out.text();
}

/**
 * Lines of text joined by `\n`, a thousand at a time: a line made of many pieces is held as a tree
 * of them until it is joined, so joining early keeps a big table's memory near its text's size.
 */
class Lines {
  private readonly blocks: string[] = [];
  private pending: string[] = [];

  push(line: string): void {
    this.pending.push(line);
    if (this.pending.length === 1024) {
      this.blocks.push(this.pending.join('\n'));
      this.pending = [];
    }
  }

  text(): string {
    if (this.pending.length > 0) this.blocks.push(this.pending.join('\n'));
    return this.blocks.join('\n');
  }
}

/** Each cell of a row with its first column, span, alignment and the lines it draws. */
function place(row: readonly (string | TableCell)[], spec: TableSpec, widths: readonly number[], head: boolean): Placed[] {
  let x = 0;
  return row.map((given) => {
    const cell = typeof given === 'string' ? { text: given } : given;
    const span = cell.span ?? 1;
    const placed = { text: cell.text, paint: cell.paint, x, span, align: cell.align ?? spec.aligns[x] ?? 'left', lines: [] as string[] };
    placed.lines = spec.fit ? fittedLines(placed, widths, head || (span === 1 && spec.fit.whole[x] === true)) : linesOf(placed, spec);
    x += span;
    return placed;
  });
}

/**
 * Widths that fit every cell on one line: each column its widest single-column cell, then each
 * spanning cell, the last first, widens the columns under it in turn (half-up shares of what it lacks).
 */
function naturalWidths(rows: readonly (readonly (string | TableCell)[])[]): number[] {
  const widths = rows[0]!.map(() => 1);
  const spanning: { x: number; span: number; wanted: number }[] = [];
  for (const row of rows) {
    let x = 0;
    for (const cell of row) {
      const span = typeof cell === 'string' ? 1 : (cell.span ?? 1);
      const wanted = textWidth(typeof cell === 'string' ? cell : cell.text) + PADDING;
      if (span > 1) spanning.push({ x, span, wanted });
      else widths[x] = Math.max(widths[x]!, wanted);
      x += span;
    }
  }
  for (let k = spanning.length - 1; k >= 0; k--) {
    const { x, span, wanted } = spanning[k]!;
    let have = spanWidth(widths, x, span);
    for (let i = 0, open = span; open > 0 && wanted > have; i++, open--) {
      const more = Math.round((wanted - have) / open);
      have += more;
      widths[x + i]! += more;
    }
  }
  return widths;
}

/**
 * Widths that fit `fit.width` (see `fitColumns`): each column's natural width as without `fit`; its
 * least, the longest word of its head and, in a `whole` column, of every cell; a text column may go
 * down to 6 (4 characters and the padding), but not below its head's longest word.
 */
function fittedWidths(rows: readonly (readonly (string | TableCell)[])[], fit: NonNullable<TableSpec['fit']>): number[] {
  const natural = naturalWidths(rows);
  const least = rows[0]!.map((cell, x) => {
    const head = longestWord(typeof cell === 'string' ? cell : cell.text) + PADDING;
    return fit.whole[x] ? head : Math.max(head, Math.min(natural[x]!, TEXT_LEAST));
  });
  for (let y = 1; y < rows.length; y++) {
    let x = 0;
    for (const cell of rows[y]!) {
      const span = typeof cell === 'string' ? 1 : (cell.span ?? 1);
      if (span === 1 && fit.whole[x]) least[x] = Math.max(least[x]!, longestWord(typeof cell === 'string' ? cell : cell.text) + PADDING);
      x += span;
    }
  }
  return fitColumns(natural.map((n, x) => ({ natural: n, least: Math.min(n, least[x]!), whole: fit.whole[x] === true })), fit.width);
}

const TEXT_LEAST = 6;

/** The lines a cell draws in a fitted table: its own when it fits, else wrapped between words (a word broken only when not `whole`). */
function fittedLines(cell: Placed, widths: readonly number[], whole: boolean): string[] {
  if (cell.text === '') return [];
  const room = spanWidth(widths, cell.x, cell.span) - PADDING;
  if (cell.text.length <= room && FITS_AS_IS.test(cell.text)) return [cell.text];
  return wrapText(cell.text, room, { whole });
}

/** The lines a cell draws: wrapped to its fixed width when the table wraps, else its own lines. */
function linesOf(cell: Placed, spec: TableSpec): string[] {
  const fixed = spec.widths?.[cell.x];
  if (!fixed || spec.wrap === undefined) return cell.text.split('\n');
  // A spanning cell wraps within its columns' widths without the borders between them.
  let room = fixed - PADDING;
  for (let i = 1; i < cell.span; i++) room += spec.widths![cell.x + i]!;
  // Most cells: one line of one-column characters that fits, and does not start with a space (which
  // wrapping anywhere would drop), is its own only line either way; an empty cell has none.
  if (cell.text === '') return [];
  if (cell.text.length <= room && FITS_AS_IS.test(cell.text)) return [cell.text];
  const wrap = spec.wrap === 'words' ? wrapWords : wrapAnywhere;
  return cell.text.split('\n').flatMap((line) => wrap(line, room));
}

/**
 * Breaks a line between words: a word goes on the current line when it fits after the whitespace
 * before it, else it starts the next line (a word wider than the room stays whole, to be cut).
 * Lines with no visible text are dropped.
 */
function wrapWords(text: string, room: number): string[] {
  const parts = text.split(/(\s+)/);
  const lines: string[] = [];
  let line = '';
  let used = 0;
  let space = '';
  for (let i = 0; i < parts.length; i += 2) {
    const word = parts[i]!;
    const wide = textWidth(word);
    const needed = used > 0 && space !== '' ? used + space.length + wide : used + wide;
    if (needed > room) {
      if (used !== 0) lines.push(line);
      line = word;
      used = wide;
    } else {
      line += space + word;
      used = needed;
    }
    space = parts[i + 1] ?? '';
  }
  if (used !== 0) lines.push(line);
  return lines;
}

/** Breaks a line every `room` UTF-16 units, whitespace between words kept unless a line starts there. */
function wrapAnywhere(text: string, room: number): string[] {
  const parts = text.split(/(\s+)/);
  const lines: string[] = [];
  let line = '';
  for (let i = 0; i < parts.length; i += 2) {
    if (line.length > 0 && i > 0) line += parts[i - 1]!;
    line += parts[i]!;
    while (line.length > room) {
      lines.push(line.slice(0, room));
      line = line.slice(room);
    }
  }
  if (line.length > 0) lines.push(line);
  return lines;
}

/**
 * A border line over a row's cells: `first` at the left edge, `between` at a cell's left edge,
 * `inside` between the columns a cell spans, `last` at the right edge.
 */
function rule(row: readonly Placed[], widths: readonly number[], [first, between, inside, last]: string[]): string {
  let line = '';
  for (const cell of row) {
    for (let k = 0; k < cell.span; k++) {
      const x = cell.x + k;
      line += (x === 0 ? first : k === 0 ? between : inside) + '─'.repeat(widths[x]!);
    }
  }
  return line + last!;
}

function bottom(row: readonly Placed[], widths: readonly number[]): string {
  let line = '';
  for (const cell of row) line += (cell.x === 0 ? '└' : '┴') + '─'.repeat(spanWidth(widths, cell.x, cell.span));
  return `${line}┘`;
}

/** Line `n` of a row: each cell's line `n` (blank below its last), cut, painted and padded. */
function textLine(row: readonly Placed[], widths: readonly number[], n: number): string {
  let line = '';
  for (const cell of row) {
    const width = spanWidth(widths, cell.x, cell.span);
    const text = cell.lines[n];
    line += `│${text === undefined ? ' '.repeat(width) : ` ${fit(text, width - PADDING, cell)} `}`;
  }
  return `${line}│`;
}

/** A line of a cell within `room` columns: cut with `…` when wider, painted, then padded to its alignment. */
function fit(text: string, room: number, cell: Placed): string {
  let kept = text;
  let width = textWidth(text);
  let cut = '';
  if (width > room) {
    kept = cutTo(text, room - 1);
    width = textWidth(kept) + 1;
    cut = ELLIPSIS;
  }
  const shown = (cell.paint ? cell.paint(kept) : kept) + cut;
  const pad = ' '.repeat(Math.max(0, room - width));
  return cell.align === 'right' ? pad + shown : shown + pad;
}

/** The longest start of `text` at most `room` columns wide (dropping UTF-16 units from the end, as cli-table3 does). */
function cutTo(text: string, room: number): string {
  if (room <= 0) return '';
  if (textWidth(text) === text.length) return text.slice(0, room);
  let kept = text;
  while (textWidth(kept) > room) kept = kept.slice(0, -1);
  return kept;
}

/** A text of narrow characters that starts with a visible one. */
const FITS_AS_IS = new RegExp(`^(?!\\s)[${NARROW}]+$`);

/** Width of `span` columns from column `x`, the borders between them included. */
function spanWidth(widths: readonly number[], x: number, span: number): number {
  let width = widths[x]!;
  for (let i = 1; i < span; i++) width += 1 + widths[x + i]!;
  return width;
}
