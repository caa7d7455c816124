import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeInvoice, type Invoice } from '../../src/engine/index.js';
import { resolveAccount } from '../../src/ledger/account.js';
import { runBalance } from '../../src/ledger/index.js';
import { periodFromFlags } from '../../src/pricing/period.js';
import type { Dimension } from '../../src/pricing/dimensions.js';
import { loadCard } from '../../src/rates/load.js';
import { renderInvoiceJson } from '../../src/report/invoice.js';
import { Decimal } from '../../src/util/decimal.js';
import { formatDay, TimeZone } from '../../src/util/time.js';

const dir = mkdtempSync(join(tmpdir(), 'tallyman-chrono-'));
let files = 0;
function write(name: string, text: string): string {
  const path = join(dir, `${files++}-${name}`);
  writeFileSync(path, text);
  return path;
}

/** Graduated and volume months with flat fees, a package month, and Tencent's daily tiers with its quota and a pack. */
const CARDS = {
  graduated: write('graduated.yaml', `name: graduated
products:
  - id: stt
    kind: transcript
    models:
      m:
        tiers:
          mode: graduated
          period: month
          table: [ { up_to: 2, price: "1.37", flat: "0.5" }, { up_to: 5, price: "0.91", flat: "0.25" }, { up_to: null, price: "0.33" } ]
      v:
        tiers:
          mode: volume
          period: month
          table: [ { up_to: 3, price: "0.7" }, { up_to: null, price: "0.6", flat: "1.1" } ]
      p:
        package: { size: 1.5, free: 1, price: "0.8", period: month }
`),
  tencent: write('tencent.yaml', `name: tencent-quota
extends: tencent-asr
use_free_quota: true
products:
  - id: file-asr
    packs:
      - { id: may, quantity: "2", start: 2026-05-10, expiry: 2026-06-01 }
`),
};

interface Row { id: string; day: number; model: string; seconds: number; project: string }

/** Rows of May 2026 (days 1–31) as CSV lines, in the order given. */
function csv(rows: readonly Row[], kind = 'transcript'): string {
  return `kind,id,timestamp,model,audio_duration,project\n${rows.map((r) => `${kind},${r.id},2026-05-${String(r.day).padStart(2, '0')}T04:00:00Z,${r.model},${r.seconds},${r.project}`).join('\n')}\n`;
}

async function invoice(paths: string[], card: string, groupBy: Dimension[] = [], daily = false): Promise<Invoice> {
  const resolved = loadCard(card);
  return computeInvoice(paths, {
    card: resolved, zone: resolved.timezone, inputZone: TimeZone.of('UTC'), period: periodFromFlags({}, resolved.timezone), groupBy, map: new Map(),
    skipInvalid: false, allowUnpriced: false, daily, threads: 1,
  });
}

/** The invoice's amounts per day (rounded lines) and exact per day, from lines grouped by day (the last dimension). */
function byDay(inv: Invoice): Map<string, { amount: Decimal; exact: Decimal }> {
  const days = new Map<string, { amount: Decimal; exact: Decimal }>();
  for (const line of inv.lines) {
    const day = line.dims[line.dims.length - 1]!;
    const entry = days.get(day) ?? { amount: new Decimal(0), exact: new Decimal(0) };
    entry.amount = entry.amount.plus(line.amount);
    entry.exact = entry.exact.plus(line.amountExact);
    days.set(day, entry);
  }
  return days;
}

const row = fc.record({
  day: fc.integer({ min: 1, max: 31 }),
  model: fc.constantFrom('m', 'v', 'p'),
  seconds: fc.integer({ min: 1, max: 5400 }),
  project: fc.constantFrom('a', 'b', 'c'),
});
const log = fc.array(row, { minLength: 1, maxLength: 25 }).map((rows) => rows.map((r, i) => ({ ...r, id: `r${i}` })));
const RUNS = Number(process.env.TALLYMAN_PROPERTY_RUNS ?? 15);

describe('chronological attribution, free quotas and packs add up to the period', () => {
  it('a month split by day: lines add up to the month, tier by tier; the chart agrees by day; order and files change nothing', async () => {
    await fc.assert(fc.asyncProperty(log, fc.integer({ min: 0, max: 1000 }), async (rows, seed) => {
      const whole = [write('whole.csv', csv(rows))];
      const shuffled = [...rows].sort((a, b) => ((a.seconds * 7919 + seed) % 101) - ((b.seconds * 7919 + seed) % 101));
      const cut = Math.floor(shuffled.length / 2);
      const split = [write('a.csv', csv(shuffled.slice(0, cut))), write('b.csv', csv(shuffled.slice(cut)))];
      const month = await invoice(whole, CARDS.graduated);
      const days = await invoice(whole, CARDS.graduated, ['day']);
      // Whatever the order of the log and its files: the same invoice, byte for byte.
      expect(renderInvoiceJson(await invoice(split, CARDS.graduated, ['day']))).toBe(renderInvoiceJson(days));
      expect(renderInvoiceJson(await invoice(split, CARDS.graduated, ['project', 'day']))).toBe(renderInvoiceJson(await invoice(whole, CARDS.graduated, ['project', 'day'])));
      // Each tier's, fee's and package's lines add up to the month's line of it, and the totals are equal.
      const sum = (inv: Invoice) => {
        const tiers = new Map<string, string>();
        for (const l of inv.lines) tiers.set(`${l.model} ${l.tier}`, new Decimal(tiers.get(`${l.model} ${l.tier}`) ?? 0).plus(l.amount).toFixed(2));
        return tiers;
      };
      expect(sum(days)).toEqual(sum(month));
      expect(days.total.toFixed(2)).toBe(month.total.toFixed(2));
      // The chart of the ungrouped invoice gives each day what the invoice grouped by day charges it.
      const chart = (await invoice(whole, CARDS.graduated, [], true)).daily!;
      const grouped = byDay(days);
      expect(Object.fromEntries(chart.filter((d) => !d.amount.isZero()).map((d) => [d.day, d.amount.toFixed(2)]))).toEqual(Object.fromEntries([...grouped].filter(([, v]) => !v.amount.isZero()).map(([day, v]) => [day, v.amount.toFixed(2)])));
    }), { numRuns: RUNS });
  }, 120_000);

  it('the ledger charges each day what the invoice grouped by day charges it (exactly, but for its 12-decimal rounding of each record)', async () => {
    await fc.assert(fc.asyncProperty(log, async (rows) => {
      const path = write('ledger.csv', csv(rows));
      const card = loadCard(CARDS.graduated);
      const result = await runBalance([path], {
        card, zone: card.timezone, inputZone: TimeZone.of('UTC'), period: periodFromFlags({}, card.timezone), groupBy: [], map: new Map(),
        skipInvalid: false, allowUnpriced: false, account: await resolveAccount({ balance: '100000' }, card), projectionDays: 0, dailySpend: undefined, threads: 1,
      });
      const ledger = new Map<string, Decimal>();
      for (const e of result.ledger.events) {
        if (e.type !== 'usage') continue;
        const day = formatDay(Math.floor(e.at / 86_400_000));
        ledger.set(day, (ledger.get(day) ?? new Decimal(0)).minus(e.amount));
      }
      const grouped = byDay(await invoice([path], CARDS.graduated, ['day']));
      for (const [day, { exact }] of grouped) {
        const charged = ledger.get(day) ?? new Decimal(0);
        expect(charged.minus(exact).abs().lessThan(new Decimal('1e-9')), `${day}: ledger ${charged} against the invoice's ${exact}`).toBe(true);
      }
    }), { numRuns: RUNS });
  }, 120_000);

  it('Tencent quota and pack: used in time order whatever the order of the log, adding up to the month', async () => {
    const tencentRow = fc.record({ day: fc.integer({ min: 1, max: 31 }), model: fc.constantFrom('file', 'file-large'), seconds: fc.integer({ min: 1, max: 4 * 3600 }), project: fc.constantFrom('a', 'b') });
    const tencentLog = fc.array(tencentRow, { minLength: 1, maxLength: 20 }).map((rows) => rows.map((r, i) => ({ ...r, id: `t${i}` })));
    await fc.assert(fc.asyncProperty(tencentLog, async (rows) => {
      const whole = write('t-whole.csv', csv(rows));
      const reversed = [write('t-a.csv', csv([...rows].reverse().slice(0, 3))), write('t-b.csv', csv([...rows].reverse().slice(3)))];
      const a = await invoice([whole], CARDS.tencent, ['project']);
      expect(renderInvoiceJson(await invoice(reversed, CARDS.tencent, ['project']))).toBe(renderInvoiceJson(a));
      // Quota and pack quantities plus what is paid are the whole usage (each record rounded up to the second).
      const usage = rows.reduce((sum, r) => sum + r.seconds * 1000, 0);
      expect(a.lines.reduce((sum, l) => sum + l.baseQuantity, 0)).toBe(usage);
      const free = a.lines.filter((l) => l.tier === 'free quota').reduce((sum, l) => sum + l.baseQuantity, 0);
      expect(free).toBe(Math.min(usage, 10 * 3_600_000));
      // The chart adds up to the total, and gives no day usage the quota or pack covered: a day the
      // invoice grouped by day charges nothing has no spend on the chart. (Daily tiers round each day's
      // line on its own when grouped by day, so a day may differ from the chart by the rounding of a cent.)
      const days = byDay(await invoice([whole], CARDS.tencent, ['day']));
      const ungrouped = await invoice([whole], CARDS.tencent, [], true);
      const chart = ungrouped.daily!;
      expect(chart.reduce((sum, d) => sum.plus(d.amount), new Decimal(0)).toFixed(2)).toBe(ungrouped.total.toFixed(2));
      for (const d of chart) expect(days.get(d.day!)!.amount.minus(d.amount).abs().toNumber()).toBeLessThanOrEqual(0.02);
    }), { numRuns: RUNS });
  }, 120_000);
});
