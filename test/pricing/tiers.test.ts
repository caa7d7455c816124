import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCard } from '../../src/rates/load.js';
import { Decimal } from '../../src/util/decimal.js';
import { amounts, invoiceOf } from '../helpers.js';

function card(text: string, name = 'card.yaml'): string {
  const dir = mkdtempSync(join(tmpdir(), 'tallyman-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const graduated = card(`
name: graduated-example
products:
  - id: stt
    kind: transcript
    models:
      m:
        tiers:
          mode: graduated
          period: month
          table:
            - { up_to: 10, price: "1.00" }
            - { up_to: null, price: "0.50" }
`);

const hour = (id: string, project: string, hours: number) => ({ kind: 'transcript', id, timestamp: '2026-05-10T00:00:00Z', model: 'm', audio_duration: String(hours * 3600), project });

describe('graduated tiers', () => {
  it('prices each slice at its own tier: 15 h = 10 × 1.00 + 5 × 0.50 = 12.50', async () => {
    const invoice = await invoiceOf([hour('a', 'p', 15)], loadCard(graduated));
    expect(amounts(invoice)).toEqual({ 'stt/m/< 10 h': '10.00', 'stt/m/≥ 10 h': '2.50' });
  });

  it('allocates the period charge to projects in proportion to hours, parts adding up to the whole', async () => {
    // 12 h + 3 h = 15 h → 12.50; shares 12/15 = 10.00 and 3/15 = 2.50
    const invoice = await invoiceOf([hour('a', 'big', 12), hour('b', 'small', 3)], loadCard(graduated), { groupBy: ['project'] });
    expect(amounts(invoice)).toEqual({ 'stt/m/graduated, allocated/big': '10.00', 'stt/m/graduated, allocated/small': '2.50' });
    expect(invoice.total.toFixed(2)).toBe('12.50');
  });

  it('allocated cents add up even when the shares do not divide: 11 h → 10.50 over 1:1:1 = 3.50 each', async () => {
    const rows = [hour('a', 'x', 11 / 3), hour('b', 'y', 11 / 3), hour('c', 'z', 11 / 3)].map((r) => ({ ...r, audio_duration: '13200' }));
    const invoice = await invoiceOf(rows, loadCard(graduated), { groupBy: ['project'] });
    expect(Object.values(amounts(invoice))).toEqual(['3.50', '3.50', '3.50']);
    expect(invoice.total.toFixed(2)).toBe('10.50');
  });

  it('allocates past 2^53 minor units exactly: the shares add up to the total grouped or not', async () => {
    // 10 h at 1000000000000000.37 + 2 h at 0.5 = 10000000000000003.70 + 1.00 = 10000000000000004.70 (1e18 cents, far past 2^53).
    // By customer, the 12 h are shared 3601 : 3599 : 36000 s of 43200 s: c3 gets 36000/43200 = 5/6 of it,
    // 10000000000000004.70 × 5/6 = 8333333333333337.25 exactly (a JS number gives 8333333333333338.00).
    const huge = loadCard(card(`name: huge\nproducts:\n  - id: stt\n    kind: transcript\n    models:\n      m: { tiers: { mode: graduated, period: month, table: [ { up_to: 10, price: "1000000000000000.37" }, { up_to: null, price: "0.5" } ] } }\n`));
    const rows = [{ ...hour('r1', 'c1', 1), audio_duration: '3601' }, { ...hour('r2', 'c2', 1), audio_duration: '3599' }, hour('r3', 'c3', 10)];
    const plain = await invoiceOf(rows, huge);
    expect(plain.total.toFixed(2)).toBe('10000000000000004.70');
    const grouped = await invoiceOf(rows, huge, { groupBy: ['project'] });
    expect(grouped.total.toFixed(2)).toBe('10000000000000004.70');
    expect(amounts(grouped)['stt/m/graduated, allocated/c3']).toBe('8333333333333337.25');
  });

  it('tiers reset each period: 8 h in May and 8 h in June are both first-tier', async () => {
    const rows = [hour('a', 'p', 8), { ...hour('b', 'p', 8), timestamp: '2026-06-10T00:00:00Z' }];
    const invoice = await invoiceOf(rows, loadCard(graduated));
    expect(invoice.total.toFixed(2)).toBe('16.00');
  });
});

describe('rounding', () => {
  const modes = ['half-up', 'half-even', 'up', 'down'] as const;
  // 90 s × 0.30 / 3600 = 0.0075 exactly: the modes differ at the third decimal.
  const expected = { 'half-up': '0.008', 'half-even': '0.008', up: '0.008', down: '0.007' };
  for (const mode of modes) {
    it(`${mode}: 0.0075 at scale 3 → ${expected[mode]}`, async () => {
      const path = card(`name: r\nrounding: { scale: 3, mode: ${mode} }\nproducts:\n  - { id: p, kind: transcript, models: { m: "0.30" } }\n`);
      const invoice = await invoiceOf([{ kind: 'transcript', id: 'x', timestamp: '2026-05-01T00:00:00Z', model: 'm', audio_duration: '90' }], loadCard(path));
      expect(invoice.total.toFixed(3)).toBe(expected[mode]);
    });
  }

  it('half-even and half-up differ on 0.0065 → 0.006 and 0.007', async () => {
    const run = async (mode: string) => {
      const path = card(`name: r\nrounding: { scale: 3, mode: ${mode} }\nproducts:\n  - { id: p, kind: transcript, models: { m: "0.26" } }\n`);
      // 90 s × 0.26 / 3600 = 0.0065
      return (await invoiceOf([{ kind: 'transcript', id: 'x', timestamp: '2026-05-01T00:00:00Z', model: 'm', audio_duration: '90' }], loadCard(path))).total.toFixed(3);
    };
    expect(await run('half-even')).toBe('0.006');
    expect(await run('half-up')).toBe('0.007');
  });

  it('an invoice adds up: the total is the sum of rounded lines, not the rounded exact sum', async () => {
    // three lines of 0.005 each (60 s at 0.30/h): each rounds half-up to 0.01, total 0.03 (not round(0.015) = 0.02)
    const path = card(`name: r\nproducts:\n  - { id: p, kind: transcript, models: { a: "0.30", b: "0.30", c: "0.30" } }\n`);
    const rows = ['a', 'b', 'c'].map((m) => ({ kind: 'transcript', id: m, timestamp: '2026-05-01T00:00:00Z', model: m, audio_duration: '60' }));
    const invoice = await invoiceOf(rows, loadCard(path));
    expect(invoice.lines.map((l) => l.amount.toFixed(2))).toEqual(['0.01', '0.01', '0.01']);
    expect(invoice.total.toFixed(2)).toBe('0.03');
    expect(invoice.lines.reduce((s, l) => s.plus(l.amountExact), new Decimal(0)).toString()).toBe('0.015');
  });
});

describe('extends and discounts', () => {
  it('a negotiated card overrides one rate and keeps the rest of the history', async () => {
    const path = card(`{ "name": "acme", "extends": "assemblyai", "products": [ { "id": "prerecorded", "models": { "universal-2": "0.12" } } ] }`, 'acme.json');
    const invoice = await invoiceOf([
      { kind: 'transcript', id: 'a', timestamp: '2026-05-01T00:00:00Z', model: 'universal-2', audio_duration: '3600' },
      { kind: 'transcript', id: 'b', timestamp: '2026-05-01T00:00:00Z', model: 'universal-3-pro', audio_duration: '3600' },
    ], loadCard(path));
    expect(amounts(invoice)).toEqual({ 'prerecorded/universal-2': '0.12', 'prerecorded/universal-3-pro': '0.21' });
  });

  it('a 10% discount on the whole card: 1 h of universal-3-pro = 0.21 × 0.9 = 0.189 → 0.19', async () => {
    const path = card(`name: acme\nextends: assemblyai\ndiscount: "10%"\n`);
    const invoice = await invoiceOf([{ kind: 'transcript', id: 'b', timestamp: '2026-05-01T00:00:00Z', model: 'universal-3-pro', audio_duration: '3600' }], loadCard(path));
    expect(invoice.lines[0]!.rate.toString()).toBe('0.189');
    expect(invoice.total.toFixed(2)).toBe('0.19');
  });
});
