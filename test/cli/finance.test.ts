import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { Decimal } from '../../src/util/decimal.js';

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/tallyman.js');

function tallyman(args: string[], cwd = ROOT) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A copy of examples/ (the config, its logs and goldens) to change without touching the repository. */
function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tallyman-check-'));
  cpSync(join(ROOT, 'examples'), join(dir, 'examples'), { recursive: true });
  return dir;
}

describe('tallyman check', () => {
  it('passes the example config from any folder, one line per case', () => {
    const run = tallyman(['check', '--config', join(ROOT, 'examples/tallyman.config.json')], tmpdir());
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual([
      'PASS quickstart invoice is unchanged: total 1.32 USD',
      'PASS Tencent month stays within budget: total 944.80 USD',
      'PASS streams cost exactly what we think: total 1.08 USD',
      'PASS prepaid account never blocks: total 9.00 USD',
      '4 passed, 0 failed',
    ]);
  });

  it('examples/ checks its own copies of the fixtures (a config reads only below its folder)', () => {
    const copies = { 'quickstart.csv': 'quickstart.csv', 'tencent-month.csv': 'tencent-month.csv', 'streams.csv': 'audit/streams.csv', 'prepaid.csv': 'ledger/prepaid.csv' };
    for (const [copy, fixture] of Object.entries(copies)) {
      expect(readFileSync(join(ROOT, 'examples/usage', copy), 'utf8'), copy).toBe(readFileSync(join(ROOT, 'fixtures', fixture), 'utf8'));
    }
  });

  it('a golden that differs fails, with the difference line by line, and --update rewrites it', () => {
    const dir = workspace();
    const golden = join(dir, 'examples/golden/quickstart.json');
    writeFileSync(golden, readFileSync(golden, 'utf8').replace('"amount": "0.15"', '"amount": "0.14"').replace('"total": "1.32"', '"total": "1.31"'));
    const config = join(dir, 'examples/tallyman.config.json');
    const run = tallyman(['check', '--config', config]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('FAIL quickstart invoice is unchanged: total 1.32 USD\n  differs from golden/quickstart.json:\n    changed prerecorded · universal-2: 0.14 → 0.15\n    total: 1.31 → 1.32');
    expect(tallyman(['check', '--config', config, '--update']).stdout).toContain('UPDATED quickstart invoice is unchanged');
    expect(tallyman(['check', '--config', config]).status).toBe(0);
  });

  it('budgets: total, max_total, max_increase against the golden, and an account that blocks', () => {
    const dir = workspace();
    const config = join(dir, 'examples/tallyman.config.json');
    const golden = join(dir, 'examples/golden/tencent-month.json');
    // the golden said 900.00: 944.80 is +4.98% (within 5%); at 899.00 it is +5.09% (over)
    writeFileSync(golden, readFileSync(golden, 'utf8').replace('"total": "944.80"', '"total": "900.00"'));
    writeFileSync(config, JSON.stringify({
      cases: [
        { name: 'exact', usage: ['usage/streams.csv'], expect: { total: '1.07' } },
        { name: 'ceiling', usage: ['usage/streams.csv'], expect: { max_total: '1.00' } },
        { name: 'growth ok', usage: ['usage/tencent-month.csv'], rates: 'tencent-asr', expect: { golden: 'golden/tencent-month.json', max_increase: '5%' } },
        { name: 'blocks', usage: ['usage/prepaid.csv'], account: { balance: '8' }, expect: { max_total: '10' } },
      ],
    }));
    const run = tallyman(['check', '--config', config, '--reporter', 'junit', '--out', join(dir, 'junit.xml')]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('FAIL exact: total 1.08 USD\n  total 1.08 USD, expected 1.07');
    expect(run.stdout).toContain('FAIL ceiling: total 1.08 USD\n  total 1.08 USD is over max_total 1.00');
    expect(run.stdout).toContain('PASS growth ok: total 944.80 USD');
    expect(run.stdout).toContain("FAIL blocks: total 9.00 USD\n  the account's balance reaches 0 at 2026-05-04T09:02:00.000Z");
    expect(run.stdout.trim().endsWith('1 passed, 3 failed')).toBe(true);
    const xml = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(xml).toContain('<testsuites name="tallyman check" tests="4" failures="3" errors="0">');
    expect(xml).toContain('<failure message="total 1.08 USD, expected 1.07">');
    writeFileSync(golden, readFileSync(golden, 'utf8').replace('"total": "900.00"', '"total": "899.00"'));
    writeFileSync(config, JSON.stringify({ cases: [{ name: 'growth', usage: ['usage/tencent-month.csv'], rates: 'tencent-asr', expect: { golden: 'golden/tencent-month.json', max_increase: '5%' } }] }));
    expect(tallyman(['check', '--config', config]).stdout).toContain('the total grew from 899.00 to 944.80 (+5.09%), more than max_increase 5%');
  });

  it('a bad config is exit 2 with path and line', () => {
    const dir = workspace();
    const config = join(dir, 'bad.json');
    writeFileSync(config, '{\n  "cases": [\n    { "name": "x", "usage": "a.csv", "expect": { "totl": "1" } }\n  ]\n}\n');
    const run = tallyman(['check', '--config', config]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`${config}:3: cases[0].expect.totl: is not a known key`);
    expect(tallyman(['check', '--config', join(dir, 'none.json')]).status).toBe(2);
  });
});

describe('tallyman reconcile (fixtures/quickstart.csv)', () => {
  it('a statement computed by hand: a match, a mismatch, a missing and an extra line, at the statement granularity', () => {
    const run = tallyman(['reconcile', 'fixtures/quickstart.csv', '--statement', 'fixtures/reconcile/statement.csv', '--format', 'json']);
    expect(run.status).toBe(1);
    const json = JSON.parse(run.stdout);
    expect(json.lines.map((l: Record<string, string>) => [l.model, l.addon, l.date ?? l.month, l.computed, l.billed, l.difference, l.status])).toEqual([
      // May (a month line, coarser than the days): 1 h of universal-2 = 0.15; billed 0.19
      ['universal-2', null, '2026-05', '0.15', '0.19', '0.04', 'mismatch'],
      // the model's own charge, as its add-ons are itemised: 2700 s × 0.21 / 3600 = 0.1575 → 0.16
      ['universal-3-pro', null, null, '0.16', '0.16', '0.00', 'match'],
      ['universal-3-pro', 'speaker_labels', null, '0.01', '0.01', '0.00', 'match'],
      // 6 May: 600 s + the 10800 s cap = 11400 s × 0.15 / 3600 = 0.475 → 0.48
      ['universal-streaming', null, '2026-05-06', '0.48', '0.48', '0.00', 'match'],
      ['whisper-streaming', null, null, '0.00', '1.00', '1.00', 'missing'],
      // no add-on: both token directions, 0.36 + 0.12
      ['claude-sonnet-4.5', null, null, '0.48', '0.48', '0.00', 'match'],
      ['universal-3-pro', 'entity_detection', null, '0.04', '0.00', '-0.04', 'extra'],
    ]);
    // the failed 900 s transcript would cost 0.0375: the 0.04 over-billing is explained
    expect(json.lines[0].reason).toBe('the difference is what the failed transcripts of universal-2 cost (0.25 h): were failed transcripts charged?');
    expect(json.summary).toMatchObject({ match: 4, mismatch: 1, missing: 1, extra: 1, over_billed: '1.04', under_billed: '0.04' });
  });

  it('a JSON statement that matches (aliases resolved, token directions apart) exits 0 — if nothing is left over', () => {
    const run = tallyman(['reconcile', 'fixtures/quickstart.csv', '--statement', 'fixtures/reconcile/statement.json', '--format', 'json']);
    const json = JSON.parse(run.stdout);
    // "best" is universal-3-pro: with its add-ons (no add-on lines itemised): 0.1575 + 0.04 + 0.01 = 0.2075 → 0.21
    expect(json.lines.filter((l: { status: string }) => l.status !== 'match')).toEqual([]);
    expect(run.status).toBe(0);
    expect(tallyman(['reconcile', 'fixtures/quickstart.csv', '--statement', 'fixtures/reconcile/statement.json', '--tolerance', '0']).status).toBe(0);
  });

  it('a bad statement line is exit 2 with file, line and field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tallyman-st-'));
    writeFileSync(join(dir, 's.csv'), 'product,model,amount\nprerecorded,universal-2,12,5\n');
    expect(tallyman(['reconcile', 'fixtures/quickstart.csv', '--statement', join(dir, 's.csv')]).status).toBe(2);
    writeFileSync(join(dir, 't.csv'), 'product,model,amount,date\nprerecorded,universal-2,abc,2026-05-01\n');
    const run = tallyman(['reconcile', 'fixtures/quickstart.csv', '--statement', join(dir, 't.csv')]);
    expect([run.status, run.stderr.replace(dir + '/', '').trim()]).toEqual([2, 'tallyman: t.csv:2: field "amount": "abc" is not a decimal amount (write e.g. 12.50)']);
  });
});

describe('FOCUS 1.3 export', () => {
  const REQUIRED = ['BilledCost', 'EffectiveCost', 'ListCost', 'ContractedCost', 'BillingCurrency', 'ChargePeriodStart', 'ChargePeriodEnd', 'ChargeCategory',
    'ChargeDescription', 'ConsumedQuantity', 'ConsumedUnit', 'PricingQuantity', 'PricingUnit', 'ServiceName', 'SkuId', 'SkuPriceId', 'SubAccountId', 'Tags'];

  it('has the columns, one row per charge, and BilledCost adds up to the invoice total', () => {
    const run = tallyman(['invoice', 'fixtures/quickstart.csv', '--format', 'focus']);
    const rows = parse(run.stdout, { columns: true }) as Record<string, string>[];
    for (const column of REQUIRED) expect(Object.keys(rows[0]!)).toContain(column);
    const sum = rows.reduce((s, r) => s.plus(r.BilledCost!), new Decimal(0));
    const grouped = JSON.parse(tallyman(['invoice', 'fixtures/quickstart.csv', '--group-by', 'project,api_key,customer,day', '--format', 'json']).stdout);
    expect(sum.toFixed(2)).toBe(grouped.total);
    expect(sum.toFixed(2)).toBe('1.32');
    const llm = rows.find((r) => r.SkuId === 'llm-gateway/claude-sonnet-4.5/input')!;
    expect(llm).toMatchObject({
      BilledCost: '0.36', ChargeCategory: 'Usage', ChargePeriodStart: '2026-05-07T00:00:00Z', ChargePeriodEnd: '2026-05-08T00:00:00Z',
      ConsumedQuantity: '120000', ConsumedUnit: 'Tokens', PricingQuantity: '0.12', PricingUnit: '1M Tokens', ServiceName: 'llm-gateway',
      SubAccountId: 'sales', Tags: '{"api_key":"key-b","customer_id":"globex"}', ProviderName: 'AssemblyAI', BillingCurrency: 'USD',
    });
    expect(llm.SkuPriceId).toMatch(/^llm-gateway\/claude-sonnet-4\.5\/input@2026-04-01#[0-9a-f]{12}$/);
  });

  it('Tencent rows carry the tier reached', () => {
    const rows = parse(tallyman(['invoice', 'fixtures/tencent-month.csv', '--rates', 'tencent-asr', '--format', 'focus']).stdout, { columns: true }) as Record<string, string>[];
    expect(rows[0]).toMatchObject({ BilledCost: '378.00', SkuPriceDetails: '{"tier":"300–1000 h"}', ChargePeriodStart: '2026-05-03T16:00:00Z' });
  });

  it('cuts charge periods in the --tz zone, not the card\'s', () => {
    const rows = parse(tallyman(['invoice', 'fixtures/quickstart.csv', '--tz', 'Asia/Tokyo', '--format', 'focus']).stdout, { columns: true }) as Record<string, string>[];
    expect(rows[0]).toMatchObject({ ChargePeriodStart: '2026-05-03T15:00:00Z', ChargePeriodEnd: '2026-05-04T15:00:00Z', BillingPeriodStart: '2026-04-30T15:00:00Z' });
  });
});
