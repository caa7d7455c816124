import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RawFields } from '../../src/ingest/record.js';
import { allocate } from '../../src/pricing/allocate.js';
import { renderInvoiceJson } from '../../src/report/invoice.js';
import { Decimal } from '../../src/util/decimal.js';
import { invoiceOf, records } from '../helpers.js';

const models = ['universal-3-pro', 'universal-2'];
const features = ['', 'speaker_labels', 'entity_detection;sentiment_analysis'];

/** Random valid rows of every kind in May 2026. */
const row: fc.Arbitrary<RawFields> = fc.oneof(
  fc.record({
    kind: fc.constant('transcript'),
    timestamp: fc.integer({ min: 0, max: 30 * 86400 - 1 }).map((s) => new Date(Date.UTC(2026, 4, 1) + s * 1000).toISOString()),
    model: fc.constantFrom(...models),
    audio_duration: fc.integer({ min: 0, max: 7200_000 }).map((ms) => (ms / 1000).toFixed(3)),
    channels: fc.integer({ min: 1, max: 4 }).map(String),
    features: fc.constantFrom(...features),
    status: fc.constantFrom('completed', 'completed', 'error'),
    project: fc.constantFrom('a', 'b', 'c'),
    customer_id: fc.constantFrom('x', 'y'),
  }),
  fc.record({
    kind: fc.constant('stream'),
    timestamp: fc.integer({ min: 0, max: 30 * 86400 - 1 }).map((s) => new Date(Date.UTC(2026, 4, 1) + s * 1000).toISOString()),
    model: fc.constant('universal-streaming'),
    audio_duration: fc.integer({ min: 0, max: 3600 }).map(String),
    session_duration: fc.integer({ min: 0, max: 20000 }).map(String),
    terminated: fc.constantFrom('true', 'false'),
    project: fc.constantFrom('a', 'b'),
  }),
  fc.record({
    kind: fc.constant('llm'),
    timestamp: fc.integer({ min: 0, max: 30 * 86400 - 1 }).map((s) => new Date(Date.UTC(2026, 4, 1) + s * 1000).toISOString()),
    model: fc.constantFrom('gpt-5', 'claude-haiku-4.5'),
    input_tokens: fc.integer({ min: 0, max: 2_000_000 }).map(String),
    output_tokens: fc.integer({ min: 0, max: 200_000 }).map(String),
    project: fc.constantFrom('a', 'b', 'c'),
  }),
);
const rows = fc.array(row, { minLength: 1, maxLength: 40 }).map((rs) => rs.map((r, i) => ({ ...r, id: `r${i}` })));

/** The same usage on Tencent's model names (it has no LLM product): large volumes reach higher tiers. */
const TENCENT_MODEL: Record<string, string> = { 'universal-3-pro': 'file-large', 'universal-2': 'file', 'universal-streaming': 'realtime' };
function forTencent(rs: RawFields[]): RawFields[] {
  return rs.filter((r) => r.kind !== 'llm').map((r) => ({ ...r, features: '', model: TENCENT_MODEL[r.model!]!, audio_duration: String(Number(r.audio_duration) * 200) }));
}
const tencentRows = rows.map(forTencent).filter((rs) => rs.length > 0);

describe('invoice invariants', () => {
  it('the order of records does not change the invoice', async () => {
    await fc.assert(
      fc.asyncProperty(rows, fc.infiniteStream(fc.nat()), async (rs, seeds) => {
        const shuffled = [...rs].sort(() => (seeds.next().value % 3) - 1);
        const a = renderInvoiceJson(await invoiceOf(rs, 'assemblyai', { groupBy: ['project'] }));
        const b = renderInvoiceJson(await invoiceOf(shuffled, 'assemblyai', { groupBy: ['project'] }));
        expect(b).toBe(a);
      }),
      { numRuns: 40 },
    );
  });

  it('splitting a log across files does not change the invoice', async () => {
    await fc.assert(
      fc.asyncProperty(tencentRows, fc.nat(), async (rs, cut) => {
        const at = cut % (rs.length + 1);
        const whole = await invoiceOf(records(rs), 'tencent-asr');
        const split = await invoiceOf([...records(rs.slice(0, at), 'a.csv'), ...records(rs.slice(at), 'b.csv')], 'tencent-asr');
        expect(split.lines.map((l) => [l.product, l.model, l.tier, l.baseQuantity, l.amount.toString()])).toEqual(
          whole.lines.map((l) => [l.product, l.model, l.tier, l.baseQuantity, l.amount.toString()]),
        );
        expect(split.total.toString()).toBe(whole.total.toString());
      }),
      { numRuns: 40 },
    );
  });

  it('rounded lines add up to the total, and subtotals add up to the total', async () => {
    await fc.assert(
      fc.asyncProperty(rows, fc.constantFrom<('project' | 'customer' | 'day')[]>([], ['project'], ['customer', 'day']), async (rs, groupBy) => {
        const invoice = await invoiceOf(rs, 'assemblyai', { groupBy });
        const sum = invoice.lines.reduce((s, l) => s.plus(l.amount), new Decimal(0));
        expect(sum.equals(invoice.total)).toBe(true);
        const subtotals = invoice.subtotals.reduce((s, l) => s.plus(l.amount), new Decimal(0));
        expect(subtotals.equals(invoice.total)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('grouping by a dimension never changes the billed quantity per product and model', async () => {
    await fc.assert(
      fc.asyncProperty(tencentRows, async (rs) => {
        const flat = await invoiceOf(rs, 'tencent-asr');
        const grouped = await invoiceOf(rs, 'tencent-asr', { groupBy: ['project'] });
        const sum = (inv: typeof flat) => inv.lines.reduce((s, l) => s + l.baseQuantity, 0);
        expect(sum(grouped)).toBe(sum(flat));
        // Exact amounts agree to 20 decimals (a repeating decimal is cut at 40 significant digits).
        const exact = (inv: typeof flat) => inv.lines.reduce((s, l) => s.plus(l.amountExact), new Decimal(0)).toDecimalPlaces(20).toString();
        expect(exact(grouped)).toBe(exact(flat));
      }),
      { numRuns: 40 },
    );
  });
});

describe('allocate', () => {
  it('parts always add up to the whole and stay within one unit of the exact share', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), fc.array(fc.integer({ min: 0, max: 1e9 }), { minLength: 1, maxLength: 20 }), (total, weights) => {
        const parts = allocate(total, weights);
        expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
        const sum = weights.reduce((a, b) => a + b, 0);
        parts.forEach((part, i) => {
          const exact = sum === 0 ? total / weights.length : (total * weights[i]!) / sum;
          expect(Math.abs(part - exact)).toBeLessThanOrEqual(1 + 1e-6 * exact);
        });
      }),
    );
  });

  it('hands leftover units to the largest remainders: 100 over 1:1:1 is 34, 33, 33', () => {
    expect(allocate(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocate(10, [0, 0])).toEqual([5, 5]);
    expect(allocate(7, [2, 5])).toEqual([2, 5]);
  });

  it('the daily shares of a chart add up to each product and to the total, and change no line', async () => {
    const dims = fc.subarray(['project', 'customer', 'day', 'month'] as const);
    await fc.assert(
      fc.asyncProperty(fc.oneof(rows.map((rs) => ({ rs, card: 'assemblyai' })), tencentRows.map((rs) => ({ rs, card: 'tencent-asr' }))), dims, async ({ rs, card }, groupBy) => {
        const plain = await invoiceOf(rs, card, { groupBy: [...groupBy], allowUnpriced: true });
        const charted = await invoiceOf(rs, card, { groupBy: [...groupBy], allowUnpriced: true, daily: true });
        expect(renderInvoiceJson(charted)).toBe(renderInvoiceJson(plain));
        const daily = charted.daily!;
        expect(daily.reduce((sum, d) => sum.plus(d.amount), new Decimal(0)).toFixed(2)).toBe(charted.total.toFixed(2));
        for (const s of charted.subtotals) {
          expect(daily.filter((d) => d.product === s.product).reduce((sum, d) => sum.plus(d.amount), new Decimal(0)).toFixed(2)).toBe(s.amount.toFixed(2));
        }
        // Every share lies on a day of the log, in the card's zone, and no product-day appears twice.
        const keys = daily.map((d) => `${d.day}/${d.product}`);
        expect(new Set(keys).size).toBe(keys.length);
        for (const d of daily) expect(d.day).toMatch(/^2026-0[56]-\d\d$/);
      }),
      { numRuns: 150 },
    );
  });
});
