import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/tallyman.js');
const GOLDEN = readFileSync(join(ROOT, 'fixtures/golden/quickstart.json'), 'utf8');
const SECRET = 'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const KEEP = 'a file outside the config folder: never to be overwritten\n';

/**
 * A repository checked out for a pull request: its check config in `ci/` with a log and a golden,
 * and beside it, `outside/`, files the config must not reach: a secret and a file to keep.
 */
function layout(): { dir: string; ci: string; outside: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tallyman-confine-'));
  const ci = join(dir, 'ci');
  const outside = join(dir, 'outside');
  mkdirSync(join(ci, 'golden'), { recursive: true });
  mkdirSync(outside);
  copyFileSync(join(ROOT, 'fixtures/quickstart.csv'), join(ci, 'q.csv'));
  writeFileSync(join(ci, 'golden/q.json'), GOLDEN);
  copyFileSync(join(ROOT, 'fixtures/quickstart.csv'), join(outside, 'q.csv'));
  writeFileSync(join(outside, 'secret.json'), `${SECRET}\n`);
  writeFileSync(join(outside, 'keep.json'), KEEP);
  return { dir, ci, outside };
}

/** Writes `ci/tallyman.config.json` with these cases and runs check on it from the repository's root. */
function check(dir: string, cases: object[], ...args: string[]) {
  writeFileSync(join(dir, 'ci/tallyman.config.json'), JSON.stringify({ cases }));
  // A timeout: a run that opened a pipe as a log would wait for ever.
  const run = spawnSync(process.execPath, [BIN, 'check', '--config', 'ci/tallyman.config.json', ...args], {
    cwd: dir, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' }, encoding: 'utf8', timeout: 15_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The one line a refused path gives, without its `tallyman: ci/tallyman.config.json: case "c": ` start. */
function refusal(stderr: string): string {
  const lines = stderr.split('\n').filter((line) => line !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]!.startsWith('tallyman: ci/tallyman.config.json: case "c": ')).toBe(true);
  return lines[0]!.slice('tallyman: ci/tallyman.config.json: case "c": '.length);
}

const RULE = 'a check config reads and writes only files below its own folder';

describe('check reads and writes only below its config folder', () => {
  it('the layout itself passes: a log and a golden in the folder', () => {
    const { dir } = layout();
    const run = check(dir, [{ name: 'c', usage: 'q.csv', expect: 'golden/q.json' }]);
    expect(run.stdout).toBe('PASS c: total 1.32 USD\n1 passed, 0 failed\n');
    expect(run.status).toBe(0);
  });

  it('a golden that climbs out (../) is refused, to read and to --update, and nothing outside is written', () => {
    const { dir, outside } = layout();
    for (const update of [[], ['--update']]) {
      const run = check(dir, [{ name: 'c', usage: 'q.csv', expect: '../outside/keep.json' }], ...update);
      expect(refusal(run.stderr)).toBe(`golden "../outside/keep.json" leads out of the config's folder; ${RULE}`);
      expect(run.status).toBe(2);
      expect(run.stdout).toBe('');
    }
    expect(readFileSync(join(outside, 'keep.json'), 'utf8')).toBe(KEEP);
    expect(readdirSync(outside).sort()).toEqual(['keep.json', 'q.csv', 'secret.json']);
  });

  it('an absolute golden is refused, even with --update, and is not written', () => {
    const { dir, outside } = layout();
    const target = join(outside, 'new.json');
    const run = check(dir, [{ name: 'c', usage: 'q.csv', expect: { golden: target } }], '--update');
    expect(refusal(run.stderr)).toBe(`golden ${JSON.stringify(target)} is an absolute path; ${RULE}: name it relative to the config`);
    expect(run.status).toBe(2);
    expect(readdirSync(outside).sort()).toEqual(['keep.json', 'q.csv', 'secret.json']);
  });

  it('a golden that is a link out of the folder is refused: its content is never shown, and --update does not write through it', () => {
    const { dir, ci, outside } = layout();
    symlinkSync(join(outside, 'secret.json'), join(ci, 'golden/secret.json'));
    symlinkSync(join(outside, 'keep.json'), join(ci, 'golden/keep.json'));
    const read = check(dir, [{ name: 'c', usage: 'q.csv', expect: 'golden/secret.json' }]);
    expect(refusal(read.stderr)).toBe(`golden "golden/secret.json" leads out of the config's folder through a symbolic link; ${RULE}`);
    expect(read.status).toBe(2);
    expect(read.stdout + read.stderr).not.toContain('wJalrXUtnFEMI');
    const write = check(dir, [{ name: 'c', usage: 'q.csv', expect: 'golden/keep.json' }], '--update');
    expect(refusal(write.stderr)).toBe(`golden "golden/keep.json" leads out of the config's folder through a symbolic link; ${RULE}`);
    expect(write.status).toBe(2);
    expect(readFileSync(join(outside, 'keep.json'), 'utf8')).toBe(KEEP);
  });

  it('--update of a new golden in a linked folder that leads out is refused, and nothing is created there', () => {
    const { dir, ci, outside } = layout();
    symlinkSync(outside, join(ci, 'out'));
    const run = check(dir, [{ name: 'c', usage: 'q.csv', expect: 'out/new.json' }], '--update');
    expect(refusal(run.stderr)).toBe(`golden "out/new.json" leads out of the config's folder through a symbolic link; ${RULE}`);
    expect(run.status).toBe(2);
    expect(readdirSync(outside).sort()).toEqual(['keep.json', 'q.csv', 'secret.json']);
  });

  it('a log that climbs out, is absolute, or is a link out of the folder is refused', () => {
    const { dir, ci, outside } = layout();
    symlinkSync(join(outside, 'q.csv'), join(ci, 'linked.csv'));
    const cases: [string, string][] = [
      ['../outside/q.csv', `usage "../outside/q.csv" leads out of the config's folder; ${RULE}`],
      ['logs/../../outside/q.csv', `usage "logs/../../outside/q.csv" leads out of the config's folder; ${RULE}`],
      [join(outside, 'q.csv'), `usage ${JSON.stringify(join(outside, 'q.csv'))} is an absolute path; ${RULE}: name it relative to the config`],
      ['linked.csv', `usage "linked.csv" leads out of the config's folder through a symbolic link; ${RULE}`],
    ];
    for (const [usage, message] of cases) {
      const run = check(dir, [{ name: 'c', usage: [usage], expect: { total: '1.32' } }]);
      expect(refusal(run.stderr)).toBe(message);
      expect(run.status).toBe(2);
    }
  });

  it('a link that stays in the folder and a name that begins with two dots are fine', () => {
    const { dir, ci } = layout();
    mkdirSync(join(ci, 'logs'));
    symlinkSync('../q.csv', join(ci, 'logs/linked.csv'));
    copyFileSync(join(ci, 'q.csv'), join(ci, '..q.csv'));
    const run = check(dir, [{ name: 'c', usage: ['logs/linked.csv'], expect: { total: '1.32' } }, { name: 'd', usage: ['..q.csv', 'logs/../q.csv'], expect: { max_total: '3' } }]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('a log that is not a regular file (a folder, a pipe, standard input) is refused before it is read', () => {
    const { dir, ci } = layout();
    mkdirSync(join(ci, 'logs'));
    expect(spawnSync('mkfifo', [join(ci, 'pipe.csv')]).status).toBe(0);
    for (const [usage, problem] of [['logs', 'is not a regular file'], ['pipe.csv', 'is not a regular file'], ['-', `is standard input, not a file; ${RULE}`]]) {
      const run = check(dir, [{ name: 'c', usage: [usage], expect: { total: '1.32' } }]);
      expect(refusal(run.stderr)).toBe(`usage ${JSON.stringify(usage)} ${problem}`);
      expect(run.status).toBe(2);
    }
  });

  it('a card file, and a card it extends, must be in the folder too', () => {
    const { dir, ci, outside } = layout();
    writeFileSync(join(outside, 'card.yaml'), 'secret_token: ghp_notreallyasecret\n');
    writeFileSync(join(ci, 'card.json'), JSON.stringify({ name: 'mine', extends: '../outside/card.yaml' }));
    const direct = check(dir, [{ name: 'c', usage: 'q.csv', rates: '../outside/card.yaml', expect: { total: '1.32' } }]);
    expect(refusal(direct.stderr)).toBe(`card "../outside/card.yaml" leads out of the config's folder; ${RULE}`);
    const extended = check(dir, [{ name: 'c', usage: 'q.csv', rates: 'card.json', expect: { total: '1.32' } }]);
    expect(refusal(extended.stderr)).toBe(`card "../outside/card.yaml" leads out of the config's folder; ${RULE}`);
    expect(extended.stderr).not.toContain('ghp_');
    writeFileSync(join(ci, 'card.json'), JSON.stringify({ name: 'mine', extends: 'assemblyai' }));
    expect(check(dir, [{ name: 'c', usage: 'q.csv', rates: 'card.json', expect: { total: '1.32' } }]).status).toBe(0);
  });

  it('one case that leads out refuses the whole config before any golden is written', () => {
    const { dir, ci } = layout();
    const run = check(dir, [{ name: 'first', usage: 'q.csv', expect: 'golden/new.json' }, { name: 'c', usage: 'q.csv', expect: '../outside/new.json' }], '--update');
    expect(refusal(run.stderr)).toBe(`golden "../outside/new.json" leads out of the config's folder; ${RULE}`);
    expect(readdirSync(join(ci, 'golden'))).toEqual(['q.json']);
  });
});

describe('a broken golden is one line, exit 2, never its content', () => {
  const NOT_JSON = 'is not JSON (an invoice that tallyman check --update writes): restore it, or run tallyman check --update to write it again';

  it('a golden whose first line looks like a secret is named, not shown, compared exactly or with max_increase', () => {
    const { dir, ci } = layout();
    writeFileSync(join(ci, 'golden/q.json'), `${SECRET}\n{ "schema_version": 1 }\n`);
    for (const expect_ of ['golden/q.json', { golden: 'golden/q.json', max_increase: '5%' }]) {
      const run = check(dir, [{ name: 'c', usage: 'q.csv', expect: expect_ }]);
      expect(refusal(run.stderr)).toBe(`golden "golden/q.json" ${NOT_JSON}`);
      expect(run.status).toBe(2);
      expect(run.stdout + run.stderr).not.toContain('wJalrXUtnFEMI');
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('--update writes a broken golden again, whole, leaving no temporary file; then it passes', () => {
    const { dir, ci } = layout();
    writeFileSync(join(ci, 'golden/q.json'), `${SECRET}\n`);
    const update = check(dir, [{ name: 'c', usage: 'q.csv', expect: 'golden/q.json' }], '--update');
    expect(update.stdout).toBe('UPDATED c: total 1.32 USD\n1 passed, 0 failed\n');
    expect(readFileSync(join(ci, 'golden/q.json'), 'utf8')).toBe(GOLDEN);
    expect(readdirSync(join(ci, 'golden'))).toEqual(['q.json']);
    expect(check(dir, [{ name: 'c', usage: 'q.csv', expect: 'golden/q.json' }]).status).toBe(0);
  });

  it('--update through a link that stays in the folder writes the file it points to and keeps the link', () => {
    const { dir, ci } = layout();
    mkdirSync(join(ci, 'store'));
    writeFileSync(join(ci, 'store/q.json'), 'stale\n');
    symlinkSync('../store/q.json', join(ci, 'golden/linked.json'));
    expect(check(dir, [{ name: 'c', usage: 'q.csv', expect: 'golden/linked.json' }], '--update').status).toBe(0);
    expect(readFileSync(join(ci, 'store/q.json'), 'utf8')).toBe(GOLDEN);
    expect(readFileSync(join(ci, 'golden/linked.json'), 'utf8')).toBe(GOLDEN);
    expect(readdirSync(join(ci, 'store'))).toEqual(['q.json']);
  });
});

describe('check --out, the user’s own flag, under the rules of every --out', () => {
  it('may be outside the config folder, but never one of the config’s inputs', () => {
    const { dir, outside } = layout();
    const junit = join(outside, 'junit.xml');
    const ok = check(dir, [{ name: 'c', usage: 'q.csv', expect: 'golden/q.json' }], '--reporter', 'junit', '--out', junit);
    expect(ok.status).toBe(0);
    expect(readFileSync(junit, 'utf8')).toContain('<testsuites name="tallyman check" tests="1" failures="0" errors="0">');
    for (const input of ['ci/golden/q.json', 'ci/q.csv', 'ci/tallyman.config.json']) {
      const run = check(dir, [{ name: 'c', usage: 'q.csv', expect: 'golden/q.json' }], '--update', '--reporter', 'junit', '--out', input);
      expect(run.stderr).toMatch(new RegExp(`^tallyman: --out ${input} is one of the command's inputs \\(.*\\): write the output to another file\\n$`));
      expect(run.status).toBe(2);
    }
    expect(readFileSync(join(dir, 'ci/golden/q.json'), 'utf8')).toBe(GOLDEN);
  });
});
