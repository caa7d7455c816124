import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAKERS } from './make.js';

/**
 * The hostile-input corpus: each case of `cases.json` runs the real binary on files of `cases/`
 * (or made at run time, when too big to keep), in a temporary copy of that folder, and must end in
 * its exit code with its first line on standard error, and no stack trace, no hang, and no file
 * written. Cases run four at a time.
 */
interface Case {
  name: string;
  args: string[];
  /** A file of the case folder piped to standard input. */
  stdin?: string;
  /** A generator of `make.ts` that writes big or special files into the copy (and may add arguments). */
  make?: keyof typeof MAKERS;
  exit: number;
  /** The first line on standard error, or a pattern for it (`{ "match": "..." }`). */
  stderr?: string | { match: string };
  /** Lines on standard error (default: 1 for an error, 0 otherwise). */
  lines?: number;
  /** Text standard output must hold. */
  stdout?: string;
}

interface Outcome {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  seconds: number;
  /** Files in the copy afterwards that were not there before. */
  written: string[];
}

const HERE = import.meta.dirname;
const BIN = join(HERE, '../../bin/tallyman.js');
const CASES_DIR = join(HERE, 'cases');
const CASES = JSON.parse(readFileSync(join(HERE, 'cases.json'), 'utf8')) as Case[];
/** A case that takes longer has hung. */
const HANG_SECONDS = 30;
const PARALLEL = 4;

const ROOT = mkdtempSync(join(tmpdir(), 'tallyman-hostile-'));
const outcomes = new Map<string, Outcome>();
let before: string[] = [];

function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

/** Runs one case in a fresh copy of the case folder; never rejects. */
async function runCase(c: Case): Promise<Outcome> {
  const dir = join(ROOT, c.name);
  cpSync(CASES_DIR, dir, { recursive: true });
  const extra = c.make ? MAKERS[c.make](dir) : [];
  const files = listing(dir);
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [BIN, ...c.args, ...extra], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', HOME: dir, TMPDIR: dir, TZ: 'UTC' },
    stdio: [c.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  if (c.stdin) child.stdin!.end(readFileSync(join(dir, c.stdin)));
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const timer = setTimeout(() => child.kill('SIGKILL'), HANG_SECONDS * 1000);
  const [status, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('close', (code, sig) => resolve([code, sig])));
  clearTimeout(timer);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const written = listing(dir).filter((file) => !files.includes(file));
  rmSync(dir, { recursive: true, force: true });
  return { status, signal, stdout, stderr, seconds, written };
}

beforeAll(async () => {
  before = listing(CASES_DIR);
  const queue = [...CASES];
  const worker = async (): Promise<void> => {
    for (let c = queue.shift(); c !== undefined; c = queue.shift()) outcomes.set(c.name, await runCase(c));
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
}, 180_000);

afterAll(() => rmSync(ROOT, { recursive: true, force: true }));

describe('hostile input: never a crash, a hang or a silent acceptance', () => {
  it('the manifest names each case once, and each file of cases/ is used', () => {
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    const named = new Set(CASES.flatMap((c) => [...c.args, c.stdin ?? '']));
    const unused = readdirSync(CASES_DIR).filter((file) => ![...named].some((arg) => arg === file || arg.startsWith(`${file}/`)) && !REFERENCED.has(file));
    expect(unused).toEqual([]);
  });

  for (const c of CASES) {
    it(`${c.name}: exit ${c.exit}`, () => {
      const run = outcomes.get(c.name)!;
      const lines = run.stderr === '' ? [] : run.stderr.replace(/\n$/, '').split('\n');
      expect(run.signal, `hung past ${HANG_SECONDS} s`).toBeNull();
      expect(lines.filter((line) => /^\s+at /.test(line)), 'a stack trace').toEqual([]);
      expect({ exit: run.status, first: lines[0] }).toEqual({
        exit: c.exit,
        first: typeof c.stderr === 'object' ? expect.stringMatching(new RegExp(c.stderr.match)) : c.stderr,
      });
      expect(lines.length, run.stderr).toBe(c.lines ?? (c.exit === 2 ? 1 : 0));
      if (c.stdout !== undefined) expect(run.stdout).toContain(c.stdout);
      expect(run.written, 'files written').toEqual([]);
    });
  }

  it('left the corpus as it was', () => {
    expect(listing(CASES_DIR)).toEqual(before);
  });

  // After an intended change of messages: TALLYMAN_HOSTILE_UPDATE=1 rewrites the manifest's exit codes
  // and first lines from this run (patterns are kept); review the diff as for a golden file.
  it.runIf(process.env.TALLYMAN_HOSTILE_UPDATE === '1')('updates cases.json', () => {
    const updated = CASES.map((c) => {
      const run = outcomes.get(c.name)!;
      const lines = run.stderr === '' ? [] : run.stderr.replace(/\n$/, '').split('\n');
      const { lines: _lines, stdout, ...rest } = c;
      const stderr = typeof c.stderr === 'object' ? c.stderr : lines[0];
      const count = lines.length === (run.status === 2 ? 1 : 0) ? {} : { lines: lines.length };
      return { ...rest, exit: run.status ?? -1, ...(stderr === undefined ? {} : { stderr }), ...count, ...(stdout === undefined ? {} : { stdout }) };
    });
    writeFileSync(join(HERE, 'cases.json'), `${JSON.stringify(updated, null, 2)}\n`);
  });
});

/** Files of cases/ that cases name inside other files (a config's usage and golden, a card's extends). */
const REFERENCED = new Set(['ok.csv', 'check-golden-not-json.golden']);
