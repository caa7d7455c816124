import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';

/** What a user means: a balance needs a start, colour by the common conventions, flags before the command, output paths checked first. */

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/tallyman.js');
const DIR = mkdtempSync(join(tmpdir(), 'tallyman-conv-'));

function tallyman(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const COLOUR = /\u001b\[/;
const QUICKSTART = ['invoice', 'fixtures/quickstart.csv'];

describe('balance needs where the account starts', () => {
  it('without --balance, --account, --monthly-credits or a free tier with credits: exit 2, one line saying what to add', () => {
    for (const extra of [[], ['--autopay', '25:50'], ['--tier', 'paid'], ['--rates', 'tencent-asr', '--tier', 'free']]) {
      const run = tallyman(['balance', 'fixtures/ledger/prepaid.csv', ...extra]);
      expect(run.status).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe('tallyman: balance needs where the account starts: --balance AMOUNT (prepaid), --monthly-credits N (a credit plan), --account FILE, or --tier free on a card with free credits\n');
    }
  });

  it('the free tier starts from the card\'s free credits, a credit plan from its first grant', () => {
    const free = tallyman(['balance', 'fixtures/ledger/prepaid.csv', '--tier', 'free', '--format', 'json']);
    expect(free.status).toBe(0);
    expect(JSON.parse(free.stdout).account.free_credits).toBe('50.00');
    const plan = tallyman(['balance', 'fixtures/ledger/credits.csv', '--rates', 'credits-example', '--monthly-credits', '600', '--credits-per-usd', '60', '--format', 'json']);
    expect(plan.status).toBe(0);
    expect(JSON.parse(plan.stdout).events[0]).toMatchObject({ type: 'grant', amount: '600' });
  });
});

describe('colour: --no-color and NO_COLOR win, then FORCE_COLOR, then the terminal', () => {
  it('FORCE_COLOR=1..3 colours a pipe; 0, false and empty do not; NO_COLOR or --no-color (before or after the command) win over it', () => {
    for (const level of ['1', '3']) expect(tallyman(QUICKSTART, { FORCE_COLOR: level }).stdout).toMatch(COLOUR);
    for (const off of ['0', 'false', '']) expect(tallyman(QUICKSTART, { FORCE_COLOR: off }).stdout).not.toMatch(COLOUR);
    expect(tallyman(QUICKSTART, { FORCE_COLOR: '1', NO_COLOR: '1' }).stdout).not.toMatch(COLOUR);
    // An empty NO_COLOR is no NO_COLOR.
    expect(tallyman(QUICKSTART, { FORCE_COLOR: '1', NO_COLOR: '' }).stdout).toMatch(COLOUR);
    expect(tallyman([...QUICKSTART, '--no-color'], { FORCE_COLOR: '3' }).stdout).not.toMatch(COLOUR);
    expect(tallyman(['--no-color', ...QUICKSTART], { FORCE_COLOR: '3' }).stdout).not.toMatch(COLOUR);
  });
});

describe('flags before the command', () => {
  it('--no-color and --width are accepted before the command as after it; others are not', () => {
    const before = tallyman(['--width', '70', '--no-color', ...QUICKSTART]);
    expect(before.status).toBe(0);
    expect(before.stdout).toBe(tallyman([...QUICKSTART, '--width', '70']).stdout);
    expect(Math.max(...before.stdout.split('\n').map((l) => stringWidth(l)))).toBeLessThanOrEqual(70);
    // The command's own --width wins over the program's.
    expect(tallyman(['--width', '200', ...QUICKSTART, '--width', '70']).stdout).toBe(before.stdout);
    expect(tallyman(['--width', '70', 'check', '--config', 'examples/tallyman.config.json']).status).toBe(0);
    const narrow = tallyman([...QUICKSTART, '--width', '40']);
    expect(narrow.status).toBe(2);
    expect(narrow.stderr).toContain('--width 40 is narrower than 60 columns');
    expect(tallyman(['--format', 'json', ...QUICKSTART]).status).toBe(2);
  });

  it('a pipe keeps the full width, byte for byte, unless COLUMNS or --width says otherwise', () => {
    const piped = tallyman(QUICKSTART);
    expect(tallyman([...QUICKSTART, '--width', '0']).stdout).toBe(piped.stdout);
    expect(Math.max(...piped.stdout.split('\n').map((l) => stringWidth(l)))).toBeGreaterThan(100);
    const columns = tallyman(QUICKSTART, { COLUMNS: '80' }).stdout;
    expect(Math.max(...columns.split('\n').map((l) => stringWidth(l)))).toBeLessThanOrEqual(80);
    // Written to a file, COLUMNS (the terminal's) does not apply.
    const out = join(DIR, 'invoice.txt');
    expect(tallyman([...QUICKSTART, '--out', out], { COLUMNS: '80' }).status).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(piped.stdout);
  });

  it('the balance table is 100 columns wide, as every table is', () => {
    const table = tallyman(['balance', 'fixtures/ledger/prepaid.csv', '--balance', '26']).stdout.split('\n').filter((l) => /^[┌│└├]/.test(l));
    expect(new Set(table.map((l) => stringWidth(l)))).toEqual(new Set([100]));
  });
});

describe('output paths are checked before any work', () => {
  it('an --out in a folder that does not exist is exit 2 naming the folder, before the log is read', () => {
    const out = join(DIR, 'missing/deeper/report.json');
    // The log does not exist either: the output path is checked first.
    for (const args of [['invoice', 'no/such.csv'], ['audit', 'no/such.csv'], ['balance', 'no/such.csv', '--balance', '1'], ['reconcile', 'no/such.csv', '--statement', 'no/such.csv'], ['estimate', '--from-log', 'no/such.csv']]) {
      const run = tallyman([...args, '--format', 'json', '--out', out]);
      expect(run.status).toBe(2);
      expect(run.stderr).toBe(`tallyman: --out ${out}: the folder ${join(DIR, 'missing/deeper')} does not exist; create it first (mkdir -p ${join(DIR, 'missing/deeper')})\n`);
    }
    const diff = tallyman(['diff', 'fixtures/golden/quickstart.json', 'fixtures/golden/quickstart.json', '--out', out]);
    expect([diff.status, diff.stderr]).toEqual([2, expect.stringContaining('does not exist; create it first')]);
  });

  it('an --out that is a folder is exit 2 saying to name a file in it', () => {
    const run = tallyman([...QUICKSTART, '--out', DIR]);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(`tallyman: --out ${DIR} is a folder: name a file in it, e.g. ${join(DIR, 'report.txt')}\n`);
  });

  it('check: --reporter junit into a missing folder fails before any case runs; --out alone means junit when it ends in .xml', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tallyman-check-'));
    writeFileSync(join(dir, 'q.csv'), readFileSync(join(ROOT, 'fixtures/quickstart.csv')));
    writeFileSync(join(dir, 'tallyman.config.json'), JSON.stringify({ cases: [{ name: 'q', usage: ['q.csv'], expect: 'golden/q.json' }] }));
    mkdirSync(join(dir, 'golden'));
    const config = join(dir, 'tallyman.config.json');
    // With --update, a case that ran would have written its golden.
    const missing = tallyman(['check', '--config', config, '--update', '--reporter', 'junit', '--out', join(dir, 'reports/check.xml')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain(`the folder ${join(dir, 'reports')} does not exist`);
    expect(missing.stdout).toBe('');
    expect(existsSync(join(dir, 'golden/q.json'))).toBe(false);

    const implied = tallyman(['check', '--config', config, '--update', '--out', join(dir, 'check.xml')]);
    expect(implied.status).toBe(0);
    expect(readFileSync(join(dir, 'check.xml'), 'utf8')).toMatch(/^<\?xml[\s\S]*<testcase classname="tallyman.check" name="q">/);
    const text = tallyman(['check', '--config', config, '--out', join(dir, 'check.txt')]);
    expect(text.status).toBe(2);
    expect(text.stderr).toBe(`tallyman: --out ${join(dir, 'check.txt')} is where --reporter writes its file: add --reporter junit (the text of check goes to standard output; redirect it with > FILE)\n`);
    expect(existsSync(join(dir, 'check.txt'))).toBe(false);
    expect(tallyman(['check', '--config', config, '--reporter', 'junit']).stderr).toBe('tallyman: --reporter junit needs --out FILE\n');
  });
});
