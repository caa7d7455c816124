import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/tallyman.js');
const dir = mkdtempSync(join(tmpdir(), 'tallyman-diff-'));

function tallyman(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function saved(name: string, args: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, tallyman([...args, '--format', 'json']).stdout);
  return path;
}

describe('tallyman estimate, the real binary', () => {
  for (const TZ of ['UTC', 'America/Los_Angeles', 'Asia/Kathmandu']) {
    it(`the usage file on two cards matches its golden (TZ=${TZ})`, () => {
      const run = tallyman(['estimate', '--usage', 'fixtures/estimate/usage.yaml', '--rates', 'assemblyai,tencent-asr', '--format', 'json'], { TZ });
      expect(run.stdout).toBe(readFileSync(join(ROOT, 'fixtures/golden/estimate-usage.json'), 'utf8'));
    });
  }

  it('the golden by hand: AssemblyAI 105 + 10 + 53.25 + 150 + 75 = 393.25; Tencent offers no LLM gateway nor diarization', () => {
    const golden = JSON.parse(readFileSync(join(ROOT, 'fixtures/golden/estimate-usage.json'), 'utf8'));
    expect(golden.estimates.map((e: Record<string, unknown>) => [e.card, e.total, e.complete, e.not_offered])).toEqual([
      ['assemblyai', '393.25', true, []],
      // file: 500 h / 30 = 16.7 h a day at 1.0 = 500.00; realtime: 300 h / 30 = 10 h a day at 1.4 = 420.00 (billed on audio)
      ['tencent-asr', '920.00', false, ['add-on speaker_labels (file-asr)', 'LLM gateway']],
    ]);
    expect(golden.cheapest).toEqual({ card: 'assemblyai', total: '393.25' });
  });

  it('names the cheapest in the table; a bad value is exit 2 with a hint', () => {
    const run = tallyman(['estimate', '--transcribe', '500h', '--model', 'universal-2', '--rates', 'tencent-asr,assemblyai']);
    expect(run.stdout).toContain('Cheapest: assemblyai at 75.00 USD.');
    expect(run.stdout).toMatch(/tencent-asr │\s+500\.00 USD │ \+425\.00 \(\+566\.7%\)/);
    const bad = tallyman(['estimate', '--input-tokens', '5MM']);
    expect([bad.status, bad.stderr.trim()]).toEqual([2, 'tallyman: --input-tokens "5MM" is not a count: write 1200, 200k or 5M (a whole number once scaled)']);
    expect(tallyman(['estimate']).status).toBe(2);
    expect(tallyman(['estimate', '--usage', 'fixtures/cards/broken.yaml']).stderr).toMatch(/broken\.yaml:1: name: is not a known key/);
  });

  it('--from-log turns a real log into an average month', () => {
    const run = tallyman(['estimate', '--from-log', 'fixtures/tencent-month.csv', '--rates', 'tencent-asr', '--format', 'json']);
    const json = JSON.parse(run.stdout);
    expect(json.source).toBe('6 record(s) over 3 day(s) of fixtures/tencent-month.csv, scaled to 30 day(s)');
    // realtime: 515 h in 3 days → 5150 h a month → 171.7 h a day, first tier: 5150 × 1.4 = 7210.00
    expect(json.usage.stream[0]).toMatchObject({ hours: '5150', model: 'realtime' });
    expect(json.estimates[0].lines[0]).toMatchObject({ model: 'realtime', amount: '7210.00' });
  });
});

describe('tallyman diff', () => {
  const before = saved('before.json', ['estimate', '--transcribe', '100h', '--model', 'universal-2']);
  const after = saved('after.json', ['estimate', '--transcribe', '120h', '--model', 'universal-2', '--features', 'speaker_labels']);

  it('lines added, removed and changed, with absolute and percentage change', () => {
    // 100 h → 120 h of universal-2: 15.00 → 18.00 (+3.00, +20%); diarization added: 120 × 0.02 = 2.40; total 15.00 → 20.40 (+5.40, +36%)
    const json = JSON.parse(tallyman(['diff', before, after, '--format', 'json']).stdout);
    const c = json.comparisons[0];
    expect(c.lines.map((l: Record<string, string>) => [l.addon, l.status, l.old, l.new, l.change, l.change_percent])).toEqual([
      [null, 'changed', '15.00', '18.00', '3.00', '20'],
      ['speaker_labels', 'added', null, '2.40', '2.40', null],
    ]);
    expect(c.total).toEqual({ old: '15.00', new: '20.40', change: '5.40', change_percent: '36' });
    const back = JSON.parse(tallyman(['diff', after, before, '--format', 'json']).stdout).comparisons[0];
    expect(back.lines[1]).toMatchObject({ addon: 'speaker_labels', status: 'removed', change: '-2.40' });
  });

  it('--fail-above is a budget gate: exactly at it passes, a cent or a hundredth of a percent over fails', () => {
    expect(tallyman(['diff', before, after, '--fail-above', '5.40']).status).toBe(0);
    expect(tallyman(['diff', before, after, '--fail-above', '5.39']).status).toBe(1);
    expect(tallyman(['diff', before, after, '--fail-above', '36%']).status).toBe(0);
    expect(tallyman(['diff', before, after, '--fail-above', '35.99%']).status).toBe(1);
    expect(tallyman(['diff', after, before, '--fail-above', '0']).status).toBe(0);
  });

  it('compares invoices too, and refuses what is not a tallyman report', () => {
    expect(tallyman(['diff', 'fixtures/golden/quickstart.json', 'fixtures/golden/quickstart.json', '--fail-above', '0']).stdout).toContain('TOTAL (USD)');
    const bad = tallyman(['diff', 'fixtures/golden/audit-streams.json', after]);
    expect([bad.status, bad.stderr.trim()]).toEqual([2, 'tallyman: fixtures/golden/audit-streams.json:1: is a tallyman audit report; diff compares invoices and estimates (give the --format json output of tallyman invoice or estimate)']);
    expect(tallyman(['diff', 'fixtures/quickstart.csv', after]).status).toBe(2);
    expect(tallyman(['diff', before, after, '--fail-above', 'lots']).stderr).toContain('--fail-above "lots" is not an amount (12.50) or a percentage (5%)');
  });

  it('markdown for a pull request', () => {
    const md = tallyman(['diff', before, after, '--fail-above', '10%', '--format', 'markdown']).stdout;
    expect(md).toContain('**assemblyai**: 15.00 → 20.40 USD (+5.40, +36.00%)');
    expect(md).toContain('❌ over the --fail-above budget');
  });
});
