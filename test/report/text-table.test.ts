import { Chalk } from 'chalk';
import Table from 'cli-table3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { drawTable, textWidth, type Align, type TableCell } from '../../src/report/text-table.js';

/**
 * tallyman's tables are drawn by its own linear renderer; cli-table3, which drew them before, is
 * the reference for their bytes (a development dependency only, as csv-parse is for the CSV reader).
 */

const chalk = new Chalk({ level: 1 });
const PAINTS = { red: chalk.red, bold: chalk.bold, green: chalk.green } as const;
type PaintName = keyof typeof PAINTS;

interface Case {
  columns: number;
  aligns: Align[];
  widths: number[] | undefined;
  wrap: 'words' | 'anywhere' | undefined;
  head: GenCell[];
  rows: GenCell[][];
}

interface GenCell {
  text: string;
  span: number;
  align: Align | undefined;
  paint: PaintName | undefined;
}

/** The same table through cli-table3, the cells painted before it lays them out. */
function reference(c: Case): string {
  const cell = (g: GenCell) => {
    const content = g.paint ? PAINTS[g.paint](g.text) : g.text;
    return g.span === 1 && g.align === undefined ? content : { content, colSpan: g.span, ...(g.align ? { hAlign: g.align } : {}) };
  };
  const table = new Table({
    head: c.head.map(cell) as never,
    style: { head: [], border: [], compact: true },
    colAligns: c.aligns,
    ...(c.widths ? { colWidths: c.widths } : {}),
    ...(c.wrap ? { wordWrap: true, wrapOnWordBoundary: c.wrap === 'words' } : {}),
  });
  for (const row of c.rows) table.push(row.map(cell) as never);
  // The one difference: where a painted cell is cut to nothing before its `…`, cli-table3 keeps an
  // empty pair of colour codes, and tallyman paints nothing.
  return table.toString().replace(/\u001b\[(?:3\d|1)m\u001b\[(?:39|22)m/g, '');
}

function ours(c: Case): string {
  const cell = (g: GenCell): TableCell => ({ text: g.text, span: g.span, ...(g.align ? { align: g.align } : {}), ...(g.paint ? { paint: PAINTS[g.paint] } : {}) });
  return drawTable({ head: c.head.map(cell), aligns: c.aligns, ...(c.widths ? { widths: c.widths } : {}), ...(c.wrap ? { wrap: c.wrap } : {}) }, c.rows.map((r) => r.map(cell)));
}

/** Text with what tables meet: words, runs of spaces, tabs, line breaks, wide and combining characters, emoji, long words. */
const text = fc
  .array(fc.constantFrom('a', 'bc', 'word', 'prerecorded', 'universal-3-pro', ' ', '  ', '\t', '\n', '長', '顧客', '😀', 'é', 'e\u0301', '|', '0.15', '1,200 tok', 'averyveryverylongwordwithoutspaces', '…', ' · ', '—', '→', '\u00a0', 'ñ', '\u200b', '©'), { maxLength: 8 })
  .map((parts) => parts.join(''));

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    columns: fc.integer({ min: 1, max: 5 }),
    wrap: fc.constantFrom(undefined, 'words' as const, 'anywhere' as const),
    fixed: fc.boolean(),
    seed: fc.array(fc.record({ text, align: fc.constantFrom(undefined, 'left' as const, 'right' as const), paint: fc.constantFrom(undefined, 'red' as const, 'bold' as const, 'green' as const), span: fc.integer({ min: 1, max: 4 }) }), { minLength: 1, maxLength: 40 }),
    rowCount: fc.integer({ min: 0, max: 6 }),
    aligns: fc.array(fc.constantFrom('left' as const, 'right' as const), { minLength: 5, maxLength: 5 }),
    widths: fc.array(fc.integer({ min: 3, max: 16 }), { minLength: 5, maxLength: 5 }),
  })
  .map(({ columns, wrap, fixed, seed, rowCount, aligns, widths }) => {
    let next = 0;
    const take = (room: number, inHead: boolean): GenCell => {
      const s = seed[next++ % seed.length]!;
      // Paint is compared where cli-table3 keeps colour codes whole: not when it wraps by UTF-16 units,
      // which cuts through them, nor when it wraps a text that starts with a space, where it drops the
      // opening code, nor over line breaks, where chalk paints empty lines too (tallyman paints
      // one-line texts that start with a letter or digit).
      const paint = (wrap === 'anywhere' && fixed) || (wrap !== undefined && /^\s/.test(s.text)) || s.text.includes('\n') ? undefined : s.paint;
      // A head has one cell a column, as every tallyman table's does.
      return { text: s.text, span: inHead ? 1 : Math.min(s.span, room), align: inHead ? undefined : s.align, paint };
    };
    const row = (inHead: boolean): GenCell[] => {
      const cells: GenCell[] = [];
      for (let x = 0; x < columns; ) {
        const cell = take(columns - x, inHead);
        cells.push(cell);
        x += cell.span;
      }
      return cells;
    };
    return {
      columns,
      aligns: aligns.slice(0, columns),
      widths: fixed ? widths.slice(0, columns) : undefined,
      wrap: fixed ? wrap : undefined,
      head: row(true),
      rows: Array.from({ length: rowCount }, () => row(false)),
    };
  });

describe('drawTable', () => {
  it('draws what cli-table3 draws, byte for byte, on random tables', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        expect(ours(c)).toBe(reference(c));
      }),
      { numRuns: 800 },
    );
  });

  it('draws the shapes tallyman uses: subtotal rows spanning to the amount, fixed widths that wrap, painted cells', () => {
    const cases: Case[] = [
      {
        columns: 4, aligns: ['left', 'left', 'right', 'right'], widths: undefined, wrap: undefined,
        head: ['Product', 'Model', 'Quantity', 'USD'].map((t) => ({ text: t, span: 1, align: undefined, paint: 'bold' as const })),
        rows: [
          [{ text: 'prerecorded', span: 1, align: undefined, paint: undefined }, { text: 'universal-2', span: 1, align: undefined, paint: undefined }, { text: '1 h', span: 1, align: undefined, paint: undefined }, { text: '0.15', span: 1, align: undefined, paint: 'red' }],
          [{ text: 'a subtotal wider than the three columns under it', span: 3, align: 'right', paint: undefined }, { text: '0.15', span: 1, align: undefined, paint: 'bold' }],
        ],
      },
      {
        columns: 2, aligns: ['left', 'left'], widths: [6, 12], wrap: 'anywhere',
        head: [{ text: 'Project name', span: 1, align: undefined, paint: undefined }, { text: 'Customer', span: 1, align: undefined, paint: undefined }],
        rows: [[{ text: '支払い計画プロジェクト', span: 1, align: undefined, paint: undefined }, { text: 'emoji 😀 customer', span: 1, align: undefined, paint: undefined }]],
      },
      {
        columns: 3, aligns: ['left', 'left', 'right'], widths: [10, 8, 8], wrap: 'words',
        head: ['Line', 'Status', 'Old'].map((t) => ({ text: t, span: 1, align: undefined, paint: undefined })),
        rows: [[{ text: 'TOTAL (USD) and more words', span: 2, align: undefined, paint: 'bold' }, { text: '1.32', span: 1, align: undefined, paint: undefined }]],
      },
    ];
    for (const c of cases) expect(ours(c)).toBe(reference(c));
  });

  it('measures text as the terminal shows it', () => {
    expect(textWidth('plain ascii')).toBe(11);
    expect(textWidth('顧客')).toBe(4);
    expect(textWidth(chalk.red('red'))).toBe(3);
    expect(textWidth('two\nlines, the wider')).toBe(16);
  });
});
