import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RawFields } from '../../src/ingest/record.js';
import { sortBuckets } from '../../src/pricing/bill.js';
import type { Bucket } from '../../src/pricing/fold.js';
import { lineOrder } from '../../src/pricing/invoice.js';
import { comparatorOf, sortBy, type Column } from '../../src/pricing/order.js';
import { priceBuckets } from '../../src/pricing/price.js';
import { loadCard } from '../../src/rates/load.js';
import { csvRecord, csvText } from '../../src/report/csv.js';
import { CHUNK_LINES, invoiceCsvChunks, invoiceJson, invoiceJsonChunks, renderInvoiceCsv } from '../../src/report/invoice.js';
import { compareText } from '../../src/util/compare.js';
import { FOCUS_GROUP_BY, focusCsv, focusCsvChunks, focusRows } from '../../src/report/focus.js';
import { invoiceOf } from '../helpers.js';

/**
 * Invoices of many lines (hundreds of thousands: a month by customer, key and day) are sorted by
 * rank, drafted by text codes and written in pieces. Each is checked against the plain way it
 * replaced: a comparator sort, a key text per line, csv-stringify.
 */

/** The order of buckets as it was written before `sortBy`: the reference. */
function bucketOrder(a: Bucket, b: Bucket): number {
  const dims = (x: readonly (string | null)[], y: readonly (string | null)[]): number => {
    for (let i = 0; i < x.length; i++) {
      if (x[i] !== y[i]) return x[i] === null ? -1 : y[i] === null ? 1 : compareText(x[i]!, y[i]!);
    }
    return 0;
  };
  return a.version - b.version || compareText(a.product, b.product) || compareText(a.model, b.model) || compareText(a.component, b.component) || compareText(a.period, b.period) || dims(a.dims, b.dims);
}

const text = (values: string[]): fc.Arbitrary<string | null> => fc.oneof(fc.constantFrom(...values), fc.constant(null));
const bucket = (width: number, values: string[]): fc.Arbitrary<Bucket> =>
  fc.record({
    version: fc.integer({ min: 0, max: 2 }),
    product: fc.constantFrom('transcription', 'streaming', 'llm-gateway'),
    model: fc.constantFrom('universal-2', 'universal-3-pro', 'gpt-5'),
    component: fc.constantFrom('usage', 'addon:speaker_labels', 'input', 'output'),
    period: fc.constantFrom('', '2026-05-01', '2026-05-02', '2026-05'),
    dims: fc.array(text(values), { minLength: width, maxLength: width }),
    quantity: fc.integer({ min: 0, max: 1e9 }),
    priced: fc.constant(true),
  });

describe('sorting by rank', () => {
  it('puts buckets in the order of the comparator, nulls first, ties in their first order', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 4 }).chain((width) => fc.array(bucket(width, ['a', 'b', 'B', '', 'é', 'a\u0000']), { minLength: 0, maxLength: 300 })), (buckets) => {
      expect(sortBuckets(buckets)).toEqual([...buckets].sort(bucketOrder));
      // Stable: equal buckets keep the order they came in.
      const sorted = sortBuckets(buckets);
      for (let i = 1; i < sorted.length; i++) {
        if (bucketOrder(sorted[i - 1]!, sorted[i]!) === 0) expect(buckets.indexOf(sorted[i - 1]!)).toBeLessThan(buckets.indexOf(sorted[i]!));
      }
    }), { numRuns: 200 });
  });

  it('gives the comparator order when the ranks are too many for one number (rows of ranks compared)', () => {
    // Six columns of up to 2,000 distinct texts each: 2,000^6 keys pass 2^53.
    const many = fc.array(fc.tuple(...Array.from({ length: 6 }, () => fc.string({ maxLength: 4 }))), { minLength: 2000, maxLength: 2000 });
    fc.assert(fc.property(many, (rows) => {
      const span = Array.from({ length: 6 }, (_, c) => new Set(rows.map((r) => r[c])).size).reduce((a, b) => a * b, rows.length);
      fc.pre(span > Number.MAX_SAFE_INTEGER);
      const columns: Column<string[]>[] = Array.from({ length: 6 }, (_, c) => (r: string[]) => r[c]!);
      expect(sortBy(rows, columns)).toEqual([...rows].sort(comparatorOf(columns)));
    }), { numRuns: 5 });
  });

  it('compares numbers as numbers and text by code units, whatever the locale', () => {
    const columns: Column<[number, string | null]>[] = [(r) => r[0], (r) => r[1]];
    const rows: [number, string | null][] = [[10, 'b'], [2, 'Z'], [2, 'a'], [2, null], [-1, 'ä'], [2, 'Ä']];
    expect(sortBy(rows, columns)).toEqual([[-1, 'ä'], [2, null], [2, 'Z'], [2, 'a'], [2, 'Ä'], [10, 'b']]);
  });
});

/** A month of one customer's usage spread over many projects, keys, customers and days. */
function spread(n: number): RawFields[] {
  return Array.from({ length: n }, (_, i) => ({
    kind: i % 5 === 4 ? 'llm' : 'transcript',
    id: `r${i}`,
    timestamp: new Date(Date.UTC(2026, 4, 1) + ((i * 7919) % (31 * 86400)) * 1000).toISOString(),
    ...(i % 5 === 4
      ? { model: 'gpt-5', input_tokens: String(1000 + (i % 997)), output_tokens: String(i % 311) }
      : { model: i % 2 === 0 ? 'universal-2' : 'universal-3-pro', audio_duration: String(30 + (i % 613)), channels: '1', status: 'completed', features: i % 3 === 0 ? 'speaker_labels' : '' }),
    project: `p${i % 7}`,
    api_key: `k${i % 13}`,
    customer_id: `c${i % 101}`,
  }));
}

describe('an invoice of many lines', () => {
  it('has one line per bucket line (its periods summed), each with its buckets\' quantity, in line order', async () => {
    const invoice = await invoiceOf(spread(6000), 'assemblyai', { groupBy: ['project', 'api_key', 'customer', 'day'] });
    expect(invoice.lines.length).toBeGreaterThan(3000);
    // The reference: a key text per line, as the drafts were found before.
    const expected = new Map<string, number>();
    for (const b of invoice.buckets) {
      const key = [b.version, b.product, b.model, b.component, ...b.dims].join('\u0000');
      expected.set(key, (expected.get(key) ?? 0) + b.quantity);
    }
    const lines = new Map<string, number>();
    const versions = loadCard('assemblyai').versions.map((v) => v.label);
    for (const l of invoice.lines) {
      const key = [versions.indexOf(l.version), l.product, l.model, l.component, ...l.dims].join('\u0000');
      expect(lines.has(key), `one line for ${key}`).toBe(false);
      lines.set(key, l.baseQuantity);
    }
    expect(lines).toEqual(expected);
    expect(invoice.lines).toEqual([...invoice.lines].sort(lineOrder(invoice.card)));
    // Priced again from its buckets in another order: the same lines.
    expect(priceBuckets([...invoice.buckets].reverse(), invoice.card, invoice.groupBy)).toEqual(invoice.lines);
  });

  it('is written as CSV in pieces of whole lines whose text is csv-stringify\'s', async () => {
    const invoice = await invoiceOf(spread(30000), 'assemblyai', { groupBy: ['project', 'api_key', 'customer', 'day'] });
    expect(invoice.lines.length).toBeGreaterThan(10 * CHUNK_LINES);
    const pieces = [...invoiceCsvChunks(invoice)];
    expect(pieces.length).toBe(Math.ceil((invoice.lines.length + 2) / CHUNK_LINES));
    for (const piece of pieces) expect(piece.endsWith('\n')).toBe(true);
    expect(pieces.join('')).toBe(renderInvoiceCsv(invoice));
    const records = renderInvoiceCsv(invoice).split('\n');
    expect(records.length).toBe(invoice.lines.length + 3);
  });

  it('is written as FOCUS CSV in pieces, row by row, as the rows made all at once are written', async () => {
    const invoice = await invoiceOf(spread(30000), 'assemblyai', { groupBy: [...FOCUS_GROUP_BY] });
    expect(invoice.lines.length).toBeGreaterThan(10 * CHUNK_LINES);
    const pieces = [...focusCsvChunks(invoice)];
    expect(pieces.length).toBe(Math.ceil((invoice.lines.length + 1) / CHUNK_LINES));
    for (const piece of pieces) expect(piece.endsWith('\n')).toBe(true);
    expect(pieces.join('')).toBe(focusCsv(focusRows(invoice)));
  });

  it('is written as JSON in pieces whose text is JSON.stringify\'s of the whole document', async () => {
    for (const [rows, groupBy] of [[spread(30000), ['project', 'api_key', 'customer', 'day']], [spread(50), ['customer']], [spread(50), []], [[], []]] as const) {
      const invoice = await invoiceOf([...rows], 'assemblyai', { groupBy: [...groupBy], allowUnpriced: true });
      const pieces = [...invoiceJsonChunks(invoice)];
      expect(pieces.join('')).toBe(`${JSON.stringify(invoiceJson(invoice), null, 2)}\n`);
      expect(pieces.length).toBe(Math.max(1, Math.ceil((invoice.lines.length + 2) / CHUNK_LINES)));
    }
  });
});

describe('CSV records', () => {
  it('are what csv-stringify writes with LF line ends and quoted line breaks, for any text', () => {
    const field = fc.oneof(fc.string(), fc.constantFrom('', ',', '"', '\r', '\n', '\r\n', 'a"b', ' ', '=1', '-12.50'), fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', ' ', 'é', '\u2028') }));
    fc.assert(fc.property(fc.array(fc.array(field, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 8 }), (rows) => {
      expect(csvText(rows.map(csvRecord))).toBe(stringify(rows, { record_delimiter: 'unix', quoted_match: /[\r\n]/ }));
    }), { numRuns: 500 });
  });
});
