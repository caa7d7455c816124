import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBinary, type Run } from './binary.js';

const BIN = join(import.meta.dirname, '../../bin/tallyman.js');
const ROOT = join(import.meta.dirname, '../..');

/** Runs the real, built binary. */
const tallyman = (args: string[], env: Record<string, string> = {}, input?: string): Run => runBinary(args, { env, input });

const GOLDEN = [
  { name: 'quickstart', args: ['invoice', 'fixtures/quickstart.csv', '--format', 'json'] },
  { name: 'native', args: ['invoice', 'fixtures/native/transcripts.json', 'fixtures/native/list.json', 'fixtures/native/stream-events.ndjson', 'fixtures/native/llm.ndjson', '--format', 'json'] },
  { name: 'tencent-month', args: ['invoice', 'fixtures/tencent-month.csv', '--rates', 'tencent-asr', '--group-by', 'project,day', '--format', 'json'] },
];

describe('golden invoices, byte for byte, under any TZ and locale', () => {
  for (const { name, args } of GOLDEN) {
    for (const TZ of ['UTC', 'America/Los_Angeles', 'Asia/Kathmandu']) {
      it(`${name} (TZ=${TZ})`, () => {
        const run = tallyman(args, { TZ, LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8' });
        expect(run.status).toBe(0);
        expect(run.stdout).toBe(readFileSync(join(ROOT, 'fixtures/golden', `${name}.json`), 'utf8'));
      });
    }
  }

  it('the quickstart golden adds up by hand: 0.15 + 0.16 + 0.04 + 0.01 + 0.48 + 0.36 + 0.12 = 1.32', () => {
    const golden = JSON.parse(readFileSync(join(ROOT, 'fixtures/golden/quickstart.json'), 'utf8'));
    expect(golden.lines.map((l: { amount: string }) => l.amount)).toEqual(['0.15', '0.16', '0.04', '0.01', '0.48', '0.36', '0.12']);
    expect(golden.total).toBe('1.32');
    expect(golden.records).toEqual({ counted: 7, billed: 6, free: 1, skipped: 0, excluded: 0, duplicates: 0, undated: 0, unclosed_sessions: 1, pending: 0 });
    expect(golden.warnings[0]).toMatchObject({ code: 'UNCLOSED_SESSION', count: 1, amount: '0.45' });
  });

  it('the Tencent golden: 315 h on 4 May → 378.00, 200 h on 5 May → 280.00, 300 h of file → 285.00', () => {
    const golden = JSON.parse(readFileSync(join(ROOT, 'fixtures/golden/tencent-month.json'), 'utf8'));
    expect(golden.lines.map((l: Record<string, string>) => [l.model, l.day, l.tier, l.amount])).toEqual([
      ['realtime', '2026-05-04', '300–1000 h', '378.00'],
      ['realtime', '2026-05-05', '< 300 h', '280.00'],
      ['file', '2026-05-04', '300–1000 h', '285.00'],
      ['file', '2026-05-05', '< 300 h', '0.00'],
      ['file-large', '2026-05-06', '< 300 h', '1.80'],
    ]);
    expect(golden.total).toBe('944.80');
  });
});

describe('the table, the formats and the streams', () => {
  it('prints a table with subtotals, the total and the unclosed-session warning', () => {
    const run = tallyman(['invoice', 'fixtures/quickstart.csv']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/subtotal streaming │ 0\.48 │/);
    expect(run.stdout).toMatch(/TOTAL │ 1\.32 │/);
    expect(run.stdout).toContain('warning UNCLOSED_SESSION: 1 streaming session(s) never closed were billed at the cap: 3 h billed for 0.03 h of audio, 0.45 USD beyond their audio');
    expect(Math.max(...run.stdout.split('\n').map((l) => l.length))).toBeLessThanOrEqual(200);
    for (const line of run.stdout.split('\n').filter((l) => l.startsWith('│') || l.startsWith('┌'))) expect(line.length).toBeLessThanOrEqual(100);
    expect(run.stdout).not.toMatch(/\u001b\[/);
    expect(run.stderr).toBe('');
  });

  it('colours only when forced (FORCE_COLOR), never when piped or with NO_COLOR', () => {
    expect(tallyman(['invoice', 'fixtures/quickstart.csv'], { NO_COLOR: '' }).stdout).not.toMatch(/\u001b\[/);
    expect(tallyman(['invoice', 'fixtures/quickstart.csv'], { FORCE_COLOR: '1', NO_COLOR: '' }).stdout).toMatch(/\u001b\[/);
    expect(tallyman(['invoice', 'fixtures/quickstart.csv'], { FORCE_COLOR: '1' }).stdout).not.toMatch(/\u001b\[/);
  });

  it('reads standard input with -', () => {
    const run = tallyman(['invoice', '-', '--format', 'json'], {}, readFileSync(join(ROOT, 'fixtures/quickstart.csv'), 'utf8'));
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout).total).toBe('1.32');
  });

  it('CSV neutralises formulas in text cells and keeps amounts as numbers, with a TOTAL row', () => {
    const run = tallyman(['invoice', 'fixtures/formula.csv', '--group-by', 'project,customer', '--format', 'csv']);
    expect(run.stdout.split('\n')).toEqual([
      'product,model,addon,token_type,tier,project,customer,quantity,unit,base_quantity,base_unit,rate,amount,amount_exact,card_version,card_hash',
      `prerecorded,universal-2,,,,"'=HYPERLINK(""http://evil.example"",""click"")",'+cmd,1,hour,3600,second,0.15,0.15,0.15,2026-04-01,faf0caa5a885`,
      // 1800 s × 0.15 / 3600 = 0.075 → 0.08 half-up
      "prerecorded,universal-2,,,,'@sum,'-2+3,0.5,hour,1800,second,0.15,0.08,0.075,2026-04-01,faf0caa5a885",
      'TOTAL,,,,,,,,,,,,0.23,,,',
      '',
    ]);
  });

  it('markdown has the table, the total and the warnings', () => {
    const run = tallyman(['invoice', 'fixtures/quickstart.csv', '--format', 'markdown']);
    expect(run.stdout).toContain('| Product | Model | Add-on | Quantity | Rate | Amount (USD) |');
    expect(run.stdout).toContain('**Total: 1.32 USD**');
    expect(run.stdout).toContain('- **UNCLOSED_SESSION**');
  });

  it('--out writes the file, warnings still go to standard error', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'tallyman-out-')), 'invoice.json');
    const run = tallyman(['invoice', 'fixtures/quickstart.csv', '--format', 'json', '--out', out]);
    expect(run.stdout).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8')).total).toBe('1.32');
    expect(run.stderr).toContain('tallyman: warning UNCLOSED_SESSION');
  });

  it('--month keeps the month and says how many records it left out', () => {
    const run = tallyman(['invoice', 'fixtures/quickstart.csv', '--from', '2026-05-04', '--to', '2026-05-06', '--format', 'json']);
    const invoice = JSON.parse(run.stdout);
    // only tr-003 (1 h universal-2 = 0.15) and the failed tr-004 are in [4 May, 6 May)
    expect(invoice.total).toBe('0.15');
    expect(invoice.period).toEqual({ from: '2026-05-04', to: '2026-05-06' });
    expect(invoice.records.excluded).toBe(5);
    expect(invoice.warnings.map((w: { code: string }) => w.code)).toEqual(['EXCLUDED_BY_PERIOD']);
    expect(JSON.parse(tallyman(['invoice', 'fixtures/quickstart.csv', '--month', '2026-06', '--format', 'json']).stdout).total).toBe('0.00');
  });

  it('a large log (many backpressure waits in the CSV reader) leaves standard error empty', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tallyman-big-'));
    const rows = ['kind,id,timestamp,model,audio_duration'];
    for (let i = 0; i < 150_000; i++) rows.push(`transcript,t${i},2026-05-01T00:00:00Z,universal-2,60`);
    writeFileSync(join(dir, 'big.csv'), `${rows.join('\n')}\n`);
    const run = tallyman(['invoice', join(dir, 'big.csv'), '--format', 'json']);
    expect(run.stderr).toBe('');
    // 150,000 × 60 s = 2500 h × 0.15 = 375.00
    expect(JSON.parse(run.stdout).total).toBe('375.00');
  });

  it('a closed pipe is not a crash', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tallyman-pipe-'));
    const rows = ['kind,id,timestamp,customer_id,model,audio_duration'];
    for (let i = 0; i < 4000; i++) rows.push(`transcript,t${i},2026-05-01T00:00:00Z,customer-${i},universal-2,60`);
    writeFileSync(join(dir, 'many.csv'), `${rows.join('\n')}\n`);
    const result = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" invoice "${join(dir, 'many.csv')}" --group-by customer --format json | head -1`], { encoding: 'utf8' });
    expect(result.stdout).toBe('{\n');
    expect(result.stderr).toBe('');
  });
});

describe('errors: exit 2, one line naming file, line and field, no stack trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tallyman-err-'));
  const file = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const cases: [string, string[], RegExp][] = [
    ['a negative duration', ['invoice', file('neg.csv', 'kind,id,timestamp,model,audio_duration\ntranscript,a,2026-05-01T00:00:00Z,universal-2,-5\n')], /neg\.csv:2: field "audio_duration": "-5" is negative/],
    ['an unknown model', ['invoice', file('model.csv', 'kind,id,timestamp,model,audio_duration\ntranscript,a,2026-05-01T00:00:00Z,whisper-9,5\n')], /model\.csv:2: field "model": card assemblyai \(version 2026-04-01\) does not price transcript model "whisper-9"/],
    ['a ragged row', ['invoice', file('ragged.csv', 'kind,id\ntranscript,a,extra\n')], /ragged\.csv:2: has a different number of fields/],
    ['a missing file', ['invoice', 'no/such.csv'], /cannot read no\/such\.csv: no such file/],
    ['more log files than a row can name', ['invoice', ...Array.from({ length: 65_536 }, (_, i) => `part-${i}.csv`)], /^tallyman: 65536 log files in one run, more than 65535: join them/],
    ['an unknown card', ['invoice', 'fixtures/quickstart.csv', '--rates', 'nope'], /nope: \(root\): no built-in card of that name/],
    ['a broken card', ['invoice', 'fixtures/quickstart.csv', '--rates', 'fixtures/cards/broken.yaml'], /fixtures\/cards\/broken\.yaml:8: products\[0\]\.models\.negative/],
    ['an unknown zone', ['invoice', 'fixtures/quickstart.csv', '--tz', 'Nowhere/City'], /unknown time zone "Nowhere\/City"/],
    ['a bad month', ['invoice', 'fixtures/quickstart.csv', '--month', '2026-13'], /--month "2026-13" is not a month/],
    ['a bad group-by', ['invoice', 'fixtures/quickstart.csv', '--group-by', 'planet'], /--group-by: "planet" is not one of/],
    ['an unknown flag', ['invoice', 'fixtures/quickstart.csv', '--frobnicate'], /unknown option '--frobnicate'/],
    ['a bad format', ['invoice', 'fixtures/quickstart.csv', '--format', 'pdf'], /argument 'pdf' is invalid/],
  ];
  for (const [what, args, message] of cases) {
    it(what, () => {
      const run = tallyman(args);
      expect(run.status).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.replace(dir + '/', '')).toMatch(message);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    });
  }

  it('stops at once on a bad record early in a large file (the reader unwinds, no hang)', () => {
    const rows = ['kind,id,audio_duration', 'transcript,a,-1', ...Array.from({ length: 200_000 }, (_, i) => `transcript,b${i},1`)];
    const run = tallyman(['invoice', file('early.csv', `${rows.join('\n')}\n`)]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/early\.csv:2: field "audio_duration": "-1" is negative/);
    const yaml = tallyman(['audit', 'fixtures/cards/broken.yaml']);
    expect(yaml.status).toBe(2);
  });

  it('--skip-invalid goes on and lists what it skipped, in JSON and on standard error', () => {
    const path = file('skip.csv', 'kind,id,timestamp,model,audio_duration\ntranscript,a,2026-05-01T00:00:00Z,universal-2,3600\ntranscript,b,2026-05-01T00:00:00Z,universal-2,-1\n');
    const run = tallyman(['invoice', path, '--skip-invalid', '--format', 'json']);
    expect(run.status).toBe(0);
    const invoice = JSON.parse(run.stdout);
    expect(invoice.total).toBe('0.15');
    expect(invoice.records.skipped).toBe(1);
    expect(invoice.skipped).toEqual([{ file: path, line: 3, index: null, message: `${path}:3: field "audio_duration": "-1" is negative (durations are seconds, 0 or more)` }]);
    expect(run.stderr).toContain('warning SKIPPED_INVALID: 1 invalid record(s) were skipped');
  });

  it('--allow-unpriced lists unknown usage at zero instead of stopping', () => {
    const path = file('unpriced.csv', 'kind,id,timestamp,model,audio_duration\ntranscript,a,2026-05-01T00:00:00Z,whisper-9,3600\n');
    const invoice = JSON.parse(tallyman(['invoice', path, '--allow-unpriced', '--format', 'json']).stdout);
    expect(invoice.lines[0]).toMatchObject({ model: 'whisper-9', amount: '0.00', priced: false });
    expect(invoice.warnings[0].code).toBe('UNPRICED');
  });

  it('a repeated id is billed once and reported', () => {
    const path = file('dup.csv', 'kind,id,timestamp,model,audio_duration\ntranscript,a,2026-05-01T00:00:00Z,universal-2,3600\ntranscript,a,2026-05-01T00:00:00Z,universal-2,3600\n');
    const invoice = JSON.parse(tallyman(['invoice', path, '--format', 'json']).stdout);
    expect(invoice.total).toBe('0.15');
    expect(invoice.warnings[0]).toMatchObject({ code: 'DUPLICATE_ID', count: 1 });
    expect(invoice.warnings[0].message).toContain(`a at ${path}:2 and ${path}:3`);
  });
});

describe('rates', () => {
  it('list, show, schema and validate', () => {
    expect(tallyman(['rates', 'list']).stdout).toMatch(/^assemblyai\s+USD\s+10 version\(s\)/);
    expect(tallyman(['rates', 'show', 'tencent-asr']).stdout).toContain('realtime: volume tiers per day: < 300 h @ 1.4; 300–1000 h @ 1.2');
    expect(JSON.parse(tallyman(['rates', 'schema']).stdout).$schema).toContain('json-schema.org');
    expect(tallyman(['rates', 'validate', 'fixtures/cards/negotiated.yaml']).stdout).toContain('ok (acme-contract, 10 version(s)');
    const bad = tallyman(['rates', 'validate', 'fixtures/cards/broken.yaml']);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(4);
  });

  it('--help has examples and exits 0', () => {
    const run = tallyman(['invoice', '--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Examples:');
  });
});

describe('HTML reports and terminal charts from the real binary', () => {
  it('writes a self-contained HTML invoice with --out, the same bytes every time', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tallyman-html-'));
    const out = join(dir, 'r.html');
    expect(tallyman(['invoice', 'fixtures/month.csv', '--format', 'html', '--out', out]).status).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|src=|url\(|@import/i); // nothing to fetch, nothing to run
    expect(html).toContain('13.63 USD in all');
    const again = tallyman(['invoice', 'fixtures/month.csv', '--format', 'html'], { TZ: 'Asia/Kathmandu', LANG: 'de_DE.UTF-8' });
    expect(again.stdout).toBe(html);
    // The input is named by its base name: the same log from an absolute path elsewhere gives the same page.
    expect(html).toContain('<dt>Input</dt><dd>month.csv</dd>');
    const copy = join(dir, 'month.csv');
    writeFileSync(copy, readFileSync(join(ROOT, 'fixtures/month.csv')));
    expect(tallyman(['invoice', copy, '--format', 'html']).stdout).toBe(html);
  });

  it('names the zone --tz cuts the days in, in the JSON and in the HTML period', () => {
    const args = ['invoice', 'fixtures/tencent-month.csv', '--rates', 'tencent-asr', '--tz', 'UTC'];
    expect(JSON.parse(tallyman([...args, '--format', 'json']).stdout).timezone).toBe('UTC');
    // Its records run from 2026-05-03T17:00Z to 05-05T16:00Z: the card's Shanghai days 05-04 to 05-06, UTC days 05-03 to 05-05.
    expect(tallyman([...args, '--format', 'html']).stdout).toContain('<dt>Period</dt><dd>2026-05-03 to 2026-05-05 · local days in UTC (first to last record)</dd>');
    expect(tallyman(['invoice', 'fixtures/tencent-month.csv', '--rates', 'tencent-asr', '--format', 'html']).stdout).toContain('2026-05-04 to 2026-05-06 · local days in Asia/Shanghai');
  });

  it('gives every calendar day a place in the daily chart, a day without spend too', () => {
    // fixtures/quickstart.csv bills on 3, 4, 6 and 7 May; 5 May has only a failed (free) transcript.
    const html = tallyman(['invoice', 'fixtures/quickstart.csv', '--format', 'html']).stdout;
    expect(html.match(/<tr><td>2026-05-0\d<\/td>/g)).toEqual(['03', '04', '05', '06', '07'].map((d) => `<tr><td>2026-05-${d}</td>`));
    expect(html.match(/class="bar"/g)).toHaveLength(4);
  });

  it('draws the daily-spend sparkline only on a (forced) terminal', () => {
    expect(tallyman(['invoice', 'fixtures/month.csv']).stdout).not.toContain('Daily spend');
    const forced = tallyman(['invoice', 'fixtures/month.csv'], { FORCE_COLOR: '1', NO_COLOR: '' }).stdout.replace(/\x1b\[[0-9;]*m/g, '');
    expect(forced).toMatch(/Daily spend 2026-05-01 [▁▂▃▄▅▆▇█]{30} 2026-05-30 · highest 2026-05-24: 0\.69 USD/);
  });
});
