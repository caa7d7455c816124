import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBinary } from './binary.js';

const dir = mkdtempSync(join(tmpdir(), 'tallyman-explain-'));
const card = join(dir, 'graduated.yaml');
writeFileSync(card, `name: graduated
products:
  - id: stt
    kind: transcript
    models:
      m:
        tiers:
          mode: graduated
          period: month
          table:
            - { up_to: 10, price: "1.00", flat: "2" }
            - { up_to: null, price: "0.50" }
`);
const log = join(dir, 'may.csv');
// 6 h on May 3, 9 h on May 20: 15 h in May = 10 × 1.00 + 2 (the first tier's fee) + 5 × 0.50 = 14.50.
writeFileSync(log, 'kind,id,timestamp,model,audio_duration\ntranscript,a,2026-05-03T10:00:00Z,m,21600\ntranscript,b,2026-05-20T10:00:00Z,m,32400\n');

const json = (args: string[]) => {
  const run = runBinary(['explain', ...args, '--format', 'json']);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout);
};

describe('tallyman explain', () => {
  it('explains a record of the quickstart by id: 300 s × 3 channels = 0.25 h at 0.21 = 0.0525 of a 0.1575 line', () => {
    const out = json(['fixtures/quickstart.csv', '--id', 'tr-001']);
    expect(out.schema_version).toBe(1);
    expect(out.record).toMatchObject({ file: 'fixtures/quickstart.csv', line: 2, id: 'tr-001', outcome: 'billed', card_version: '2026-04-01', channels: 3, billed_seconds: 300 });
    expect(out.record.plan).toMatchObject({ product: 'prerecorded', increment_seconds: 1, minimum_seconds: 0, channels: 'multiply', cap_seconds: null });
    expect(out.items).toHaveLength(1);
    // Quantities in one base unit, as strings, as the lines' base_quantity: 900 s (was 900000 ms as a number beside "2700" s).
    expect(out.items[0]).toMatchObject({ component: 'usage', base_unit: 'second', base_quantity: '900', share_exact: '0.0525' });
    expect(out.items[0].lines[0]).toMatchObject({ base_quantity: '2700', base_unit: 'second' });
    expect(out.items[0].lines.map((l: { amount_exact: string; amount: string }) => [l.amount_exact, l.amount])).toEqual([['0.1575', '0.16']]);
  });

  it('explains a record by its line: the session never closed is billed the 3 h cap', () => {
    const out = json(['fixtures/quickstart.csv', '--line', '7']);
    expect(out.record).toMatchObject({ id: 'st-002', closed: false, billed_seconds: 10_800 });
    expect(out.record.plan).toMatchObject({ session: true, cap_seconds: 10_800 });
  });

  it("shows a model's periods with each slice's arithmetic, adding up to its lines", () => {
    const out = json([log, '--rates', card, '--product', 'stt', '--model', 'm']);
    const [item] = out.items;
    expect(item.periods).toHaveLength(1);
    expect(item.periods[0]).toMatchObject({ period: '2026-05', total: '54000', covered: '0', sharing: 'lines', charge_exact: '14.5' }); // 15 h = 54000 s
    expect(item.periods[0].parts[0].slices.map((s: { quantity: string }) => s.quantity)).toEqual(['36000', '0', '18000']); // 10 h, the fee, 5 h
    expect(item.periods[0].parts[0].slices.map((s: { label: string; amount_exact: string }) => [s.label, s.amount_exact])).toEqual([
      ['< 10 h', '10'], ['< 10 h flat fee', '2'], ['≥ 10 h', '2.5'],
    ]);
    const lines = item.lines.reduce((sum: number, l: { amount: string }) => sum + Number(l.amount), 0);
    expect(lines).toBe(14.5);
  });

  it('explains a record of a graduated month as its share of the period: 6 h of 15 h × 14.50 = 5.80', () => {
    const out = json([log, '--rates', card, '--id', 'a']);
    expect(out.items[0].share_exact).toBe('5.8');
  });

  it("shows each slice's arithmetic and the line's rounding as text", () => {
    const run = runBinary(['explain', log, '--rates', card, '--id', 'b']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('period 2026-05: total 15 h, charge 14.5; one line per slice');
    expect(run.stdout).toContain('    ≥ 10 h: 5 h × 0.5 = 2.5');
    expect(run.stdout).toContain('  line ≥ 10 h: 5 h at 0.5 → 2.5 exact → 2.50 (half-up, 2 decimals)');
  });

  it('with --group-by day, shows the parts of the month in time order and the record\'s share of its own day', () => {
    // May 3 (6 h) fills 6 h of the first tier and reaches its fee: 6 × 1.00 + 2 = 8.00. May 20 (9 h)
    // fills the first tier's last 4 h and 5 h of the second: 4 × 1.00 + 5 × 0.50 = 6.50. Record b is all of May 20.
    const out = json([log, '--rates', card, '--id', 'b', '--group-by', 'day']);
    const [period] = out.items[0].periods;
    expect(period.sharing).toBe('chronological');
    expect(period.parts.map((p: { time: string; slices: { amount_exact: string }[] }) => [p.time, p.slices.map((s) => s.amount_exact)])).toEqual([
      ['2026-05-03', ['6', '2']], ['2026-05-20', ['4', '2.5']],
    ]);
    expect(out.items[0].share_exact).toBe('6.5');
    expect(out.items[0].lines.map((l: { day: string; tier: string; amount: string; dims: string[] }) => [l.dims[0], l.tier, l.amount])).toEqual([
      ['2026-05-20', '< 10 h', '4.00'], ['2026-05-20', '≥ 10 h', '2.50'],
    ]);
  });

  describe('agrees with the invoice where free quotas and packs cover usage', () => {
    const quota = join(dir, 'quota.yaml');
    writeFileSync(quota, 'name: quota\nproducts:\n  - id: file\n    kind: transcript\n    unit: hour\n    models: { a: "1" }\n    free_quota: { quantity: "10", period: month }\n');
    const graduatedQuota = join(dir, 'gq.yaml');
    writeFileSync(graduatedQuota, 'name: gq\nproducts:\n  - id: file\n    kind: transcript\n    unit: hour\n    models:\n      a: { tiers: { mode: graduated, period: month, table: [ { up_to: 10, price: "1" }, { up_to: null, price: "0.5" } ] } }\n    free_quota: { quantity: "4", period: month }\n');
    const pack = join(dir, 'pack.yaml');
    writeFileSync(pack, 'name: pack\nproducts:\n  - id: file\n    kind: transcript\n    unit: hour\n    models: { a: "1" }\n    packs:\n      - { id: p1, quantity: "10", start: 2026-04-01, expiry: 2026-07-01 }\n');
    const twoDays = join(dir, 'two-days.csv');
    writeFileSync(twoDays, 'kind,id,timestamp,model,audio_duration\ntranscript,r1,2026-05-02T09:00:00Z,a,28800\ntranscript,r2,2026-05-20T09:00:00Z,a,28800\n');
    const months = join(dir, 'two-months.csv');
    writeFileSync(months, 'kind,id,timestamp,model,audio_duration\ntranscript,r1,2026-04-10T09:00:00Z,a,28800\ntranscript,r2,2026-05-10T09:00:00Z,a,28800\n');
    const gq = join(dir, 'gq.csv');
    writeFileSync(gq, 'kind,id,timestamp,model,audio_duration\ntranscript,r1,2026-05-02T09:00:00Z,a,7200\ntranscript,r2,2026-05-02T10:00:00Z,a,7200\ntranscript,r3,2026-05-02T11:00:00Z,a,7200\ntranscript,r4,2026-05-20T09:00:00Z,a,36000\n');
    const shares = (log: string, rates: string, ids: string[], extra: string[] = []) =>
      ids.map((id) => json([log, '--rates', rates, '--id', id, ...extra]).items[0].share_exact as string);
    const total = (log: string, rates: string, extra: string[] = []) => JSON.parse(runBinary(['invoice', log, '--rates', rates, '--format', 'json', ...extra]).stdout).total;

    it('a flat price with a monthly quota: 8 h on May 2 are free (10 h quota), 8 h on May 20 pay 6 h: 0 + 6 = 6.00', () => {
      expect(shares(twoDays, quota, ['r1', 'r2'])).toEqual(['0', '6']);
      expect(shares(twoDays, quota, ['r1', 'r2'], ['--group-by', 'day'])).toEqual(['0', '6']);
      expect(total(twoDays, quota)).toBe('6.00');
      const text = runBinary(['explain', twoDays, '--rates', quota, '--id', 'r1']).stdout;
      expect(text).toContain('this record: 8 h × 1 × 0 h paid of 8 h on its day 2026-05-02 (8 h covered by free quotas and packs) = 0');
    });

    it('a pack: April\'s 8 h come from the pack, May\'s 8 h take its last 2 h and pay 6 h: 0 + 6 = 6.00', () => {
      expect(shares(months, pack, ['r1', 'r2'])).toEqual(['0', '6']);
      expect(total(months, pack)).toBe('6.00');
    });

    it('a graduated month by day with a 4 h quota: May 2 pays 2 of its 6 h (2.00, 2/3 each), May 20 10 h (8 × 1 + 2 × 0.5 = 9): 11.00', () => {
      const [r1, r2, r3, r4] = shares(gq, graduatedQuota, ['r1', 'r2', 'r3', 'r4'], ['--group-by', 'day']);
      expect(r1).toMatch(/^0\.66666/);
      expect([r1, r2, r3]).toEqual([r1, r1, r1]);
      expect(r4).toBe('9');
      expect(total(gq, graduatedQuota, ['--group-by', 'day'])).toBe('11.00');
      // Without the split by day, each record's share is of the month: 2 h of 16 h × 11 = 1.375; 10 h of 16 h × 11 = 6.875.
      expect(shares(gq, graduatedQuota, ['r1', 'r4'])).toEqual(['1.375', '6.875']);
    });
  });

  it('--line N with several files is exit 2 asking for FILE:N (it silently took the first file); FILE:N picks the record', () => {
    const second = join(dir, 'june.csv');
    writeFileSync(second, 'kind,id,timestamp,model,audio_duration\ntranscript,j,2026-06-03T10:00:00Z,m,3600\n');
    const run = runBinary(['explain', log, second, '--rates', card, '--line', '2']);
    expect([run.status, run.stdout, run.stderr]).toEqual([2, '', `tallyman: --line 2: 2 files are given; say which, as --line FILE:2 (e.g. --line ${log}:2)\n`]);
    expect(json([log, second, '--rates', card, '--line', `${second}:2`]).record).toMatchObject({ id: 'j', line: 2 });
  });

  it('says in one line when the target is missing or not given (exit 2)', () => {
    const missing = runBinary(['explain', 'fixtures/quickstart.csv', '--id', 'nope']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe('tallyman: explain: no record with id "nope" in the log\n');
    const none = runBinary(['explain', 'fixtures/quickstart.csv']);
    expect(none.status).toBe(2);
    expect(none.stderr).toBe('tallyman: explain: give one of --line N, --id ID or --product P --model M\n');
  });
});
