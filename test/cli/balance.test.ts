import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/tallyman.js');

function tallyman(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const GOLDEN = [
  { name: 'balance-prepaid', args: ['balance', 'fixtures/ledger/prepaid.csv', '--balance', '26', '--autopay', '25:50', '--days', '7', '--format', 'json'] },
  { name: 'balance-credits', args: ['balance', 'fixtures/ledger/credits.csv', '--rates', 'credits-example', '--account', 'fixtures/ledger/account.yaml', '--days', '45', '--format', 'json'] },
];

describe('tallyman balance, the real binary', () => {
  for (const { name, args } of GOLDEN) {
    for (const TZ of ['UTC', 'America/Los_Angeles', 'Asia/Kathmandu']) {
      it(`${name} matches its golden file (TZ=${TZ})`, () => {
        const run = tallyman(args, { TZ });
        expect(run.stderr).toBe('');
        expect(run.stdout).toBe(readFileSync(join(ROOT, 'fixtures/golden', `${name}.json`), 'utf8'));
      });
    }
  }

  it('prepaid golden by hand: 26 − 1.50 = 24.50 < 25 → autopay 25.50 to 50; then −3 −3 −1.50 → 42.50', () => {
    const golden = JSON.parse(readFileSync(join(ROOT, 'fixtures/golden/balance-prepaid.json'), 'utf8'));
    expect(golden.events.filter((e: { projected: boolean }) => !e.projected).map((e: Record<string, string>) => [e.type, e.amount, e.balance])).toEqual([
      ['usage', '-1.50', '24.50'], ['autopay', '25.50', '50.00'], ['usage', '-3.00', '47.00'], ['usage', '-3.00', '44.00'], ['usage', '-1.50', '42.50'],
    ]);
    expect([golden.end_balance, golden.blocked_at, golden.autopay]).toEqual(['42.50', null, { count: 1, total: '25.50' }]);
    // 9.00 over the 4 days of the log = 2.25 a day
    expect(golden.projection[0]).toEqual({ date: '2026-05-05', balance: '40.25' });
  });

  it('credits golden: 350 credits expire on 1 Sep; the projection says 379 more expire on 1 Oct', () => {
    const golden = JSON.parse(readFileSync(join(ROOT, 'fixtures/golden/balance-credits.json'), 'utf8'));
    expect([golden.expired_total, golden.end_balance, golden.projection_summary.expiring]).toEqual(['350', '1690', '379']);
  });

  it('table with summary; csv and markdown', () => {
    const table = tallyman(['balance', 'fixtures/ledger/prepaid.csv', '--balance', '8']).stdout;
    expect(table).toContain('BLOCKED at 2026-05-04T09:02:00Z at fixtures/ledger/prepaid.csv:5');
    expect(table).toContain('Your current account balance is negative');
    expect(table).not.toMatch(/\u001b\[/);
    const csv = tallyman(['balance', 'fixtures/ledger/prepaid.csv', '--balance', '26', '--autopay', '25:50', '--days', '2', '--format', 'csv']).stdout.split('\n');
    expect(csv[0]).toBe('at,type,amount,balance,projected,note');
    expect(csv[2]).toBe('2026-05-01T09:02:00Z,autopay,25.50,50.00,false,below 25: refill to 50');
    expect(tallyman(['balance', 'fixtures/ledger/prepaid.csv', '--balance', '26', '--format', 'markdown']).stdout).toContain('| At | Type | Amount | Balance | Note |');
  });

  it('draws the balance as a line chart only on a (forced) terminal', () => {
    const args = ['balance', 'fixtures/ledger/prepaid.csv', '--balance', '30', '--autopay', '25:50'];
    expect(tallyman(args).stdout).not.toMatch(/[╭╮╰╯]/);
    const chart = tallyman(args, { FORCE_COLOR: '1', NO_COLOR: '' }).stdout.replace(/\x1b\[[0-9;]*m/g, '');
    // 34 days (2026-05-01 to the end of the 30-day projection, 2026-06-03), three autopays (▲).
    expect(chart).toMatch(/^50 ┤.*╭/m);
    expect(chart).toMatch(/└─{34}\n +▲ +▲ +▲/);
    expect(chart).toMatch(/ 2026-05-01 +2026-06-03\n/);
  });

  it('bad settings are exit 2 with one line', () => {
    for (const [args, message] of [
      [['--autopay', '25'], /--autopay "25" is not BELOW:TO/],
      [['--autopay', '50:25'], /TO must be above BELOW/],
      [['--balance', 'lots'], /--balance "lots" is not a decimal amount/],
      [['--days', '-1'], /--days "-1" is not a whole number/],
      [['--account', 'nope.yaml'], /nope\.yaml: \(root\): cannot read the file: no such file/],
      [['--monthly-credits', '100', '--autopay', '5:10'], /autopay is for prepaid balances/],
      [['--balance', '0.0000000000001'], /balance \(--balance\) 0\.0000000000001 has more than 12 decimals/],
    ] as [string[], RegExp][]) {
      const run = tallyman(['balance', 'fixtures/ledger/prepaid.csv', ...args]);
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(message);
    }
  });

  it('audit reports NEGATIVE_BALANCE when an account is given, and only then', () => {
    const run = tallyman(['audit', 'fixtures/ledger/prepaid.csv', '--balance', '8', '--format', 'json']);
    expect(run.status).toBe(1);
    const finding = JSON.parse(run.stdout).findings[0];
    expect(finding).toMatchObject({ code: 'NEGATIVE_BALANCE', severity: 'error', file: 'fixtures/ledger/prepaid.csv', line: 5, amount: '0.00' });
    expect(finding.message).toContain('Your current account balance is negative');
    expect(tallyman(['audit', 'fixtures/ledger/prepaid.csv', '--fail-on', 'error']).status).toBe(0);
    expect(tallyman(['audit', 'fixtures/ledger/prepaid.csv', '--balance', '8', '--autopay', '5:20', '--fail-on', 'error']).status).toBe(0);
  });
});
