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

describe('tallyman audit, the real binary', () => {
  for (const TZ of ['UTC', 'America/Los_Angeles', 'Asia/Kathmandu']) {
    it(`matches the golden audit byte for byte (TZ=${TZ})`, () => {
      const run = tallyman(['audit', 'fixtures/audit/streams.csv', '--format', 'json'], { TZ });
      expect(run.stdout).toBe(readFileSync(join(ROOT, 'fixtures/golden/audit-streams.json'), 'utf8'));
      expect(run.status).toBe(1);
    });
  }

  it('the golden summary adds up: 0.45 + 0.33 + 0.03 + 0.04 = 0.85 at stake', () => {
    const golden = JSON.parse(readFileSync(join(ROOT, 'fixtures/golden/audit-streams.json'), 'utf8'));
    expect(golden.summary.money_at_stake).toBe('0.85');
    expect(golden.summary.by_severity).toEqual({ error: 0, warning: 3, info: 2 });
  });

  it('--fail-on sets exit 1 at or above a severity: warnings fail by default, not at --fail-on error', () => {
    expect(tallyman(['audit', 'fixtures/audit/streams.csv']).status).toBe(1);
    expect(tallyman(['audit', 'fixtures/audit/streams.csv', '--fail-on', 'error']).status).toBe(0);
    expect(tallyman(['audit', 'fixtures/quickstart.csv', '--tier', 'free', '--fail-on', 'error']).status).toBe(1);
    expect(tallyman(['audit', 'fixtures/tencent-month.csv', '--rates', 'tencent-asr']).status).toBe(0);
    expect(tallyman(['audit', 'fixtures/tencent-month.csv', '--rates', 'tencent-asr', '--fail-on', 'info']).status).toBe(0);
  });

  it('bad input is exit 2 with one line', () => {
    const run = tallyman(['audit', 'fixtures/cards/broken.yaml']);
    expect(run.status).toBe(2);
    expect(tallyman(['audit', 'fixtures/audit/streams.csv', '--idle-ratio', 'lots']).stderr).toContain('--idle-ratio "lots" must be a number');
    expect(tallyman(['audit', 'fixtures/audit/streams.csv', '--tier', 'gold']).status).toBe(2);
  });

  it('table, csv and markdown', () => {
    const table = tallyman(['audit', 'fixtures/audit/streams.csv']).stdout;
    expect(table).toContain('Streaming billed 1.08 USD; closed at the end of their audio: 0.27 USD; avoidable: 0.81 USD.');
    for (const line of table.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
    const csv = tallyman(['audit', 'fixtures/audit/streams.csv', '--format', 'csv']).stdout.split('\n');
    expect(csv[0]).toBe('severity,code,file,line,id,at,amount,message');
    expect(csv).toHaveLength(7);
    expect(tallyman(['audit', 'fixtures/audit/streams.csv', '--format', 'markdown']).stdout).toContain('| warning | UNCLOSED_SESSION | 1 | 0.45 |');
  });
});
