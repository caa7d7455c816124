import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { breakWord, fitColumns, fitLine, textWidth, wrapText } from '../../src/report/fit.js';
import { blocksOf } from '../../src/report/terminal.js';
import { drawTable, type TableCell } from '../../src/report/text-table.js';
import { daysFrom } from '../../src/util/time.js';

describe('fitting text to a width', () => {
  it('columns keep their natural widths when they fit, else text gives way before numbers do', () => {
    const columns = [
      { natural: 30, least: 6, whole: false },
      { natural: 12, least: 9, whole: true },
      { natural: 8, least: 8, whole: true },
    ];
    expect(fitColumns(columns, 54)).toEqual([30, 12, 8]);
    // 60 − 4 borders − 20 for the numbers: the text column takes what is left.
    expect(fitColumns(columns, 40)).toEqual([16, 12, 8]);
    // Below a comfortable 14 for the text, the numbers wrap between their words first (here the wider one is enough).
    expect(fitColumns(columns, 35)).toEqual([14, 9, 8]);
    // Then the text goes below it.
    expect(fitColumns(columns, 34)).toEqual([13, 9, 8]);
    expect(fitColumns(columns, 28)).toEqual([7, 9, 8]);
    // Narrower than every column's least: the least (the table is then wider).
    expect(fitColumns(columns, 20)).toEqual([6, 9, 8]);
  });

  it('breaks a word after a separator, never inside a number unless the number alone is wider', () => {
    expect(breakWord('entity_detection', 10)).toEqual(['entity_', 'detection']);
    expect(breakWord('fixtures/audit/streams.csv:123', 14)).toEqual(['fixtures/', 'audit/streams.', 'csv:123']);
    expect(breakWord('streams.csv:1234', 13)).toEqual(['streams.csv:', '1234']);
    expect(breakWord('abc1,234.56', 6)).toEqual(['abc', '1,234.', '56']);
    expect(breakWord('t1234567890', 4)).toEqual(['t', '1234', '5678', '90']);
    expect(breakWord('顧客顧客', 4)).toEqual(['顧客', '顧客']);
  });

  it('wraps between words, breaks a long word only when not whole, and indents continued lines', () => {
    expect(wrapText('monthly credits of 2026-05, usable until 2026-08-01', 14)).toEqual(['monthly', 'credits of', '2026-05,', 'usable until', '2026-08-01']);
    expect(wrapText('120,000 tok', 8, { whole: true })).toEqual(['120,000', 'tok']);
    expect(wrapText('averyveryverylongword x', 8)).toEqual(['averyver', 'yverylon', 'gword x']);
    expect(wrapText('one two three four', 9, { indent: '  ' })).toEqual(['one two', '  three', '  four']);
  });

  it('a line of prose packs its · parts, else breaks between words; without a width it is left as it is', () => {
    const line = 'Start 8.00 USD · usage -9.00 · grants 0.00 · add-ons 0.00 · autopay 0.00 (0×)';
    expect(fitLine(line, undefined)).toEqual([line]);
    expect(fitLine(line, 60)).toEqual(['Start 8.00 USD · usage -9.00 · grants 0.00 · add-ons 0.00', '  autopay 0.00 (0×)']);
    expect(fitLine('  - "amount": "1234.5678", "model": "a-model-with-a-very-long-name"', 30)).toEqual(['  - "amount": "1234.5678",', '    "model":', '    "a-model-with-a-very-long-', '    name"']);
  });

  it('a fitted table stays within its width and keeps every number whole, when its columns can', () => {
    const word = fc.constantFrom('prerecorded', 'universal-3-pro', 'speaker_labels', 'a', 'streaming', 'claude-sonnet-4.5', '顧客', 'x_y_z_long_name_without_spaces');
    const number = fc.constantFrom('0.15', '1,234,567.89', '-3.00', '120,000 tok', '33.7506 h', '—', '2026-05-01');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.array(fc.tuple(fc.array(word, { minLength: 1, maxLength: 4 }), number), { minLength: 1, maxLength: 8 }), fc.integer({ min: 40, max: 140 }), (texts, numbers, seeds, width) => {
        const whole = [...Array(texts).fill(false), ...Array(numbers).fill(true)];
        const head = whole.map((w, i) => (w ? `N${i}` : `Text ${i}`));
        const rows: (string | TableCell)[][] = seeds.map(([words, n], r) => whole.map((w, i) => (w ? n : words.slice(0, 1 + ((r + i) % words.length)).join(' '))));
        rows.push([{ text: 'TOTAL', span: whole.length - 1, align: 'right' }, '1,000.00']);
        const table = drawTable({ head, aligns: whole.map((w) => (w ? 'right' : 'left')), fit: { width, whole } }, rows);
        const lines = table.split('\n');
        // The narrowest such a table can be: each text column 6, each number column its widest word.
        const least = texts * 6 + numbers * (2 + Math.max(10, ...seeds.flatMap(([, n]) => n.split(' ').map((p) => textWidth(p))))) + whole.length + 1;
        if (least <= width) for (const line of lines) expect(textWidth(line)).toBeLessThanOrEqual(width);
        for (const [, n] of seeds) for (const part of n.split(' ')) expect(lines.some((line) => line.includes(` ${part} `))).toBe(true);
        expect(table).not.toContain('…');
      }),
      { numRuns: 150 },
    );
  });
});

describe('days in blocks for a chart', () => {
  it('a block a day up to 62 days, a week (from Monday) up to a year, then months, then several months a block', () => {
    const days = (first: string, last: string) => daysFrom(first, last);
    expect(blocksOf(days('2026-05-01', '2026-07-01'), 80)).toMatchObject({ grain: 'day', per: 1 });
    expect(blocksOf(days('2026-05-01', '2026-07-01'), 60)).toMatchObject({ grain: 'week', per: 1 });
    const weeks = blocksOf(days('2026-05-01', '2026-07-31'), 80);
    // Friday 1 May to Sunday 3 May, then from Monday 4 May.
    expect(weeks.blocks.slice(0, 2)).toEqual([{ from: 0, to: 3, label: '2026-05-01' }, { from: 3, to: 10, label: '2026-05-04' }]);
    expect(weeks.blocks.at(-1)).toEqual({ from: 87, to: 92, label: '2026-07-27' });
    const months = blocksOf(days('2025-01-15', '2026-03-02'), 80);
    expect([months.grain, months.blocks.length, months.blocks[0], months.blocks.at(-1)!.label]).toEqual(['month', 15, { from: 0, to: 17, label: '2025-01' }, '2026-03']);
    const years = blocksOf(days('2016-01-01', '2026-12-31'), 60);
    expect([years.grain, years.per, years.blocks.length, years.blocks[0]!.label]).toEqual(['month', 3, 44, '2016-01…2016-03']);
  });
});
