import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCard } from '../../src/rates/load.js';
import { amounts, invoiceOf } from '../helpers.js';

/**
 * Peers' published price examples written as cards, each priced to the cent. Their units are API
 * calls or fonts: a product priced `unit: request` bills one unit per record. tallyman's `up_to` is
 * exclusive for the total a volume tier is chosen by (SPEC §2: exactly 300 h is in the second
 * tier), so a peer's "1–5" volume tier is `up_to: 6` in whole units; a graduated tier holds the
 * first `up_to` units, so "1–5" is `up_to: 5`.
 */
const dir = mkdtempSync(join(tmpdir(), 'tallyman-peers-'));
let cards = 0;
function card(products: string): string {
  const path = join(dir, `card-${cards++}.yaml`);
  writeFileSync(path, `name: peer\ncurrency: USD\nproducts:\n${products}`);
  return path;
}
const perCall = (price: string) => `
  - id: api
    kind: transcript
    unit: request
    models:
      calls:${price}
`;
/** `n` calls on one day (each a record), from `start` on. */
const calls = (n: number, day = '2026-05-10', start = 0) =>
  Array.from({ length: n }, (_, i) => ({ kind: 'transcript', id: `${day}-${start + i}`, timestamp: `${day}T10:00:00Z`, model: 'calls', audio_duration: '3' }));

describe('Stripe: tiered pricing (docs.stripe.com/subscriptions/pricing-models/tiered-pricing)', () => {
  // Fonts: 1–5 at 7 USD, 6–10 at 6.5 USD, 11+ at 6 USD.
  it('volume: 6 fonts are all billed at the 6–10 rate, 6 × 6.5 = 39 USD', async () => {
    const path = card(perCall(`
        tiers: { mode: volume, period: month, table: [ { up_to: 6, price: "7" }, { up_to: 11, price: "6.5" }, { up_to: null, price: "6" } ] }`));
    const invoice = await invoiceOf(calls(6), loadCard(path));
    expect(invoice.total.toFixed(2)).toBe('39.00');
  });

  it('graduated: 6 fonts are 5 × 7 + 1 × 6.5 = 41.50 USD', async () => {
    const path = card(perCall(`
        tiers: { mode: graduated, period: month, table: [ { up_to: 5, price: "7" }, { up_to: 10, price: "6.5" }, { up_to: null, price: "6" } ] }`));
    const invoice = await invoiceOf(calls(6), loadCard(path));
    expect(amounts(invoice)).toEqual({ 'api/calls/< 5 req': '35.00', 'api/calls/5–10 req': '6.50' });
  });
});

describe('per-tier flat fees (Stripe flat_amount: "the flat billing amount for an entire tier, regardless of the number of units in the tier")', () => {
  // Sequence's published examples of the same shape (docs.sequencehq.com/plans-products/pricing-models):
  // tier 1: 0–100 units at 1 + 20 flat; tier 2: 100+ at 0.75 + 50 flat.
  const tiers = (mode: string) => perCall(`
        tiers: { mode: ${mode}, period: month, table: [ { up_to: 100, price: "1", flat: "20" }, { up_to: null, price: "0.75", flat: "50" } ] }`);

  it('graduated: 125 units = 100 × 1 + 20 + 25 × 0.75 + 50 = 188.75', async () => {
    const invoice = await invoiceOf(calls(125), loadCard(card(tiers('graduated'))));
    expect(amounts(invoice)).toEqual({
      'api/calls/< 100 req': '100.00',
      'api/calls/< 100 req flat fee': '20.00',
      'api/calls/≥ 100 req': '18.75',
      'api/calls/≥ 100 req flat fee': '50.00',
    });
    expect(invoice.total.toFixed(2)).toBe('188.75');
  });

  it('volume: 125 units = 125 × 0.75 + 50 = 143.75 (only the reached tier\'s fee)', async () => {
    const invoice = await invoiceOf(calls(125), loadCard(card(tiers('volume'))));
    expect(amounts(invoice)).toEqual({ 'api/calls/≥ 100 req': '93.75', 'api/calls/≥ 100 req flat fee': '50.00' });
  });

  it('a tier not reached charges no fee: 40 units graduated = 40 × 1 + 20 = 60', async () => {
    const invoice = await invoiceOf(calls(40), loadCard(card(tiers('graduated'))));
    expect(invoice.total.toFixed(2)).toBe('60.00');
  });
});

describe('Lago (getlago.com/docs/guide/plans/charges/charge-models)', () => {
  it('volume with a flat fee: 65,000 API calls = 65,000 × 0.0006 + 10 = 49 USD (volume.md)', async () => {
    // Tiers 0–10,000 at 0.0010, 10,001–50,000 at 0.0008, 50,001–100,000 at 0.0006, 100,001+ at 0.0004, each + 10 flat.
    const path = card(perCall(`
        tiers:
          mode: volume
          period: month
          table:
            - { up_to: 10001, price: "0.0010", flat: "10" }
            - { up_to: 50001, price: "0.0008", flat: "10" }
            - { up_to: 100001, price: "0.0006", flat: "10" }
            - { up_to: null, price: "0.0004", flat: "10" }`));
    // One record per call: 65,000 rows. Exclusive bounds: "0–10,000" is up_to 10,001 in volume mode.
    const invoice = await invoiceOf(calls(65_000), loadCard(path));
    expect(invoice.total.toFixed(2)).toBe('49.00');
  }, 60_000);

  it('package: 5 USD per 100 units, first 100 free: 201 units = 0 + 5 + 5 = 10 USD (package.md)', async () => {
    const path = card(perCall(`
        package: { size: 100, free: 100, price: "5", period: month }`));
    const invoice = await invoiceOf(calls(201), loadCard(path));
    expect(amounts(invoice)).toEqual({ 'api/calls/packages of 100 req, first 100 req free': '10.00' });
    // 200 units: 100 free, one package; 100 units: all free.
    expect((await invoiceOf(calls(200), loadCard(path))).total.toFixed(2)).toBe('5.00');
    expect((await invoiceOf(calls(100), loadCard(path))).total.toFixed(2)).toBe('0.00');
  });
});

describe('OpenMeter: a graduated line split over time (github.com/openmeterio/openmeter issue 1834)', () => {
  // Tier 1: units 1–50 flat 300; tier 2: 51–100 flat 400; tier 3: 101–150 flat 400 + 1/unit; tier 4: 151+ at 15/unit.
  // 200 units: 300 + 400 + (400 + 50 × 1) + 50 × 15 = 1,900. Split as a running bill charges it, the
  // part before the split with 120 units pays 300 + 400 + 400 + 20 × 1 = 1,120 and the rest
  // (80 units) 30 × 1 + 50 × 15 = 780: the slices each part filled, in time order.
  const path = card(perCall(`
        tiers:
          mode: graduated
          period: month
          table:
            - { up_to: 50, price: "0", flat: "300" }
            - { up_to: 100, price: "0", flat: "400" }
            - { up_to: 150, price: "1", flat: "400" }
            - { up_to: null, price: "15" }`));

  it('prices the whole period at 1,900', async () => {
    const invoice = await invoiceOf([...calls(120, '2026-05-10'), ...calls(80, '2026-05-20')], loadCard(path));
    expect(invoice.total.toFixed(2)).toBe('1900.00');
  });

  it('grouped by day, each day is charged the slices it filled: 1,120 then 780', async () => {
    const invoice = await invoiceOf([...calls(120, '2026-05-10'), ...calls(80, '2026-05-20')], loadCard(path), { groupBy: ['day'] });
    const byDay = new Map<string, number>();
    for (const line of invoice.lines) byDay.set(line.dims[0]!, (byDay.get(line.dims[0]!) ?? 0) + Number(line.amount.toFixed(2)));
    expect(Object.fromEntries(byDay)).toEqual({ '2026-05-10': 1120, '2026-05-20': 780 });
    expect(invoice.total.toFixed(2)).toBe('1900.00');
  });
});
