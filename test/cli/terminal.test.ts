import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';

/**
 * The real binary in a real pseudo-terminal (util-linux `script`), at 60, 80, 100 and 200 columns:
 * every line within the width, every amount whole.
 */

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/tallyman.js');
const DIR = mkdtempSync(join(tmpdir(), 'tallyman-tty-'));
const hasScript = spawnSync('script', ['--version']).status === 0;

const quote = (arg: string): string => `'${arg.replaceAll("'", "'\\''")}'`;

/**
 * Runs commands one after another in a pseudo-terminal of `columns` columns, standard error on it
 * too, and gives each one's screen text: line ends as `\n`, colour and the progress line's
 * carriage returns and erasures taken out.
 */
function inTerminal(columns: number, runs: readonly string[][], env: Record<string, string> = {}, input?: string): string[] {
  const marker = '--- next ---';
  const script = [`stty cols ${columns} rows 50`, ...runs.map((args) => `${quote(process.execPath)} ${quote(BIN)} ${args.map(quote).join(' ')}; echo ${quote(marker)}`)].join('; ');
  return screens(spawnSync('script', ['-qfec', script, '/dev/null'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', TERM: 'xterm', SHELL: '/bin/sh', TZ: 'UTC', ...env },
    input,
    encoding: 'utf8',
    timeout: 60_000,
  }).stdout, marker).slice(0, runs.length);
}

/** A terminal's output as the text it shows, cut at each marker line. */
function screens(output: string, marker: string): string[] {
  const screen = output
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((line) => line.slice(line.lastIndexOf('\r') + 1).replace(/\u001b\[[0-9;]*[A-Za-z]/g, ''))
    .join('\n');
  return screen.split(`${marker}\n`);
}

/** The same command's JSON, piped. */
function json(args: string[]): Record<string, unknown> {
  const run = spawnSync(process.execPath, [BIN, ...args, '--format', 'json'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' }, encoding: 'utf8' });
  return JSON.parse(run.stdout);
}

/** Whether `amount` stands whole on one line of `text`: not next to another digit, point or comma. */
function whole(text: string, amount: string): boolean {
  return new RegExp(`(?<![\\d.,])${amount.replace(/[.+]/g, '\\$&')}(?![\\d.,]*\\d)`).test(text);
}

const INVOICE = ['invoice', 'fixtures/month.csv'];
const AUDIT = ['audit', 'fixtures/audit/streams.csv'];
const BALANCE = ['balance', 'fixtures/ledger/credits.csv', '--rates', 'credits-example', '--account', 'fixtures/ledger/account.yaml', '--days', '45'];
const RECONCILE = ['reconcile', 'fixtures/quickstart.csv', '--statement', 'fixtures/reconcile/statement.csv'];
const ESTIMATE = ['estimate', '--stream', '300h', '--sessions', '1200', '--unclosed', '20', '--rates', 'assemblyai,tencent-asr'];

/** The amounts each command's table must show whole, from its JSON. */
function amounts(): string[][] {
  type Rows = Record<string, string>[];
  const invoice = json(INVOICE) as { lines: Rows; total: string };
  const audit = json(AUDIT) as { findings: Rows; summary: { codes: Rows } };
  const balance = json(BALANCE) as { events: (Record<string, string> & { projected: boolean })[]; end_balance: string };
  const reconcile = json(RECONCILE) as { lines: Rows };
  const estimate = json(ESTIMATE) as { estimates: { total: string; lines: Rows }[] };
  return [
    [...invoice.lines.flatMap((l) => [l.amount!, l.rate!]), invoice.total],
    [...audit.findings.map((f) => f.amount!), ...audit.summary.codes.map((c) => c.amount!)].filter(Boolean),
    [...balance.events.filter((e) => !e.projected).flatMap((e) => [e.amount, e.balance]), balance.end_balance],
    reconcile.lines.flatMap((l) => [l.computed!, l.billed!, l.difference!]),
    estimate.estimates.flatMap((e) => [e.total, ...e.lines.map((l) => l.amount!)]),
  ];
}

describe.skipIf(!hasScript)('on a terminal, tables, titles and summaries fit its width', () => {
  const expected = amounts();
  // Every table at 60 and 80; at 100 and 200 the invoice, the audit and the balance (the others fit 100 as they are).
  for (const columns of [60, 80, 100, 200]) {
    const runs = columns <= 80 ? [INVOICE, AUDIT, BALANCE, RECONCILE, ESTIMATE] : [INVOICE, AUDIT, BALANCE];
    it(`${columns} columns: ${runs.map((r) => r[0]).join(', ')}`, () => {
      const screens = inTerminal(columns, runs);
      screens.forEach((screen, i) => {
        const lines = screen.split('\n');
        for (const line of lines) expect(stringWidth(line), `${columns} columns: ${line}`).toBeLessThanOrEqual(columns);
        for (const amount of expected[i]!) expect(whole(screen, amount), `${amount} whole at ${columns} columns in\n${screen}`).toBe(true);
        // Nothing is cut to fit: a cell wraps instead.
        expect(lines.filter((line) => line.startsWith('│') && line.includes('…'))).toEqual([]);
      });
      // On a terminal, with colour, the charts are drawn too: within the width as well.
      expect(screens[0]).toMatch(/Daily spend 2026-05-01/);
      expect(screens[2]).toMatch(/┤/);
    });
  }

  it('COLUMNS and --width (before or after the command) set the width; --width 0 and a pipe keep the full one', () => {
    const wide = inTerminal(200, [INVOICE], { COLUMNS: '60' })[0]!;
    expect(Math.max(...wide.split('\n').map((l) => stringWidth(l)))).toBeLessThanOrEqual(60);
    const [before, after, none] = inTerminal(200, [['--width', '70', ...INVOICE], [...INVOICE, '--width', '70'], ['invoice', 'fixtures/quickstart.csv', '--width', '0']]);
    for (const screen of [before!, after!]) expect(Math.max(...screen.split('\n').map((l) => stringWidth(l)))).toBeLessThanOrEqual(70);
    expect(before).toBe(after);
    // --width 0: the widths of a pipe (the invoice table within 100 columns, its lines unwrapped).
    expect(none).toContain('warning UNCLOSED_SESSION');
    expect(Math.max(...none!.split('\n').map((l) => stringWidth(l)))).toBeGreaterThan(100);
  });

  it('a long period is charted by week, a longer one by month, and says so', () => {
    const log = (days: number): string => {
      const path = join(DIR, `days-${days}.csv`);
      const rows = ['kind,id,timestamp,model,audio_duration'];
      for (let d = 0; d < days; d += 3) rows.push(`transcript,t${d},${new Date(Date.UTC(2025, 5, 1 + d)).toISOString()},file,${600 + d}`);
      writeFileSync(path, `${rows.join('\n')}\n`);
      return path;
    };
    const [weeks, months, ledger] = inTerminal(80, [['invoice', log(120), '-r', 'tencent-asr'], ['invoice', log(500), '-r', 'tencent-asr'], ['balance', log(120), '-r', 'tencent-asr', '--balance', '100', '--days', '0']]);
    // 1 June 2025 is a Sunday: the first week is that day; 17 weeks from Monday 2 June follow.
    expect(weeks).toMatch(/\nSpend by week 2025-06-01 [▁▂▃▄▅▆▇█]{18} 2025-09-26\n {2}highest week 2025-09-08: 0\.59 USD\n/);
    // June 2025 to October 2026: 17 months.
    expect(months).toMatch(/\nSpend by month 2025-06-01 [▁▂▃▄▅▆▇█]{17} 2026-10-12\n {2}highest month 2026-08: 3\.18 USD\n/);
    expect(ledger).toMatch(/\n {4}└─{18}\n/);
    expect(ledger).toMatch(/\(balance at the end of each\s+week; projected after the log\)/);
    for (const screen of [weeks!, months!, ledger!]) expect(Math.max(...screen.split('\n').map((l) => stringWidth(l)))).toBeLessThanOrEqual(80);
  });
});

describe.skipIf(!hasScript)('on a terminal, what a run says on standard error', () => {
  it('reading - from the terminal says how to end it, once; from a pipe it says nothing', () => {
    const log = readFileSync(join(ROOT, 'fixtures/quickstart.csv'), 'utf8');
    // The terminal echoes what is typed; Ctrl-D ends it.
    const [typed] = inTerminal(80, [['invoice', '-', '--format', 'json']], {}, `${log}\u0004`);
    expect(typed!.match(/reading usage from standard input; end with Ctrl-D/g)).toHaveLength(1);
    expect(typed).toContain('"total": "1.32"');
    const piped = spawnSync(process.execPath, [BIN, 'invoice', '-', '--format', 'json'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' }, input: log, encoding: 'utf8' });
    expect(piped.stderr).not.toContain('standard input');
  });

  it('the progress line says what the run does after reading, then clears itself', () => {
    const path = join(DIR, 'slow.csv');
    const rows = ['kind,id,timestamp,model,audio_duration'];
    for (let i = 0; i < 30_000; i++) rows.push(`transcript,t${i},2026-05-0${1 + (i % 9)}T00:00:00Z,universal-2,60`);
    writeFileSync(path, `${rows.join('\n')}\n`);
    // A log that comes slowly (a second's pause after its first 15,000 records), so the line shows.
    const marker = '--- end ---';
    const command = `{ head -n 15001 ${quote(path)}; sleep 1; tail -n +15002 ${quote(path)}; } | ${quote(process.execPath)} ${quote(BIN)} audit - --fail-on error; echo ${quote(marker)}`;
    const raw = spawnSync('script', ['-qfec', `stty cols 80; ${command}`, '/dev/null'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', TERM: 'xterm', SHELL: '/bin/sh' }, encoding: 'utf8', timeout: 60_000 }).stdout;
    // Each state of the line, in order, as the carriage returns and erasures separate them.
    const states = raw.slice(0, raw.indexOf('Audit ·')).split('\r\u001b[K').filter(Boolean);
    expect(states.some((s) => /^\d[\d,]* records · [\d,]+ records\/s$/.test(s))).toBe(true);
    expect(states.slice(-3)).toEqual(['30,000 records read · pricing…', '30,000 records read · checking limits, overlaps and tiers…', '30,000 records read · rendering…']);
    // Cleared before the output: the table starts at the beginning of a clean line.
    expect(raw).toMatch(/\r\u001b\[KAudit · card assemblyai/);
    expect(screens(raw, marker)[0]).toMatch(/^Audit · card assemblyai/);
  });
});
