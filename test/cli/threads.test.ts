import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// The benchmark's generator: rows of every kind whose exact total is known by construction.
import { expectedTotal, header, row } from '../../bench/generate.js';

const BIN = join(import.meta.dirname, '../../bin/tallyman.js');
const HEADER = ['kind', 'id', 'timestamp', 'project', 'api_key', 'customer_id', 'model', 'audio_duration', 'channels', 'features', 'status', 'session_duration', 'terminated', 'input_tokens', 'output_tokens'];
const ROWS = 2000;

/** Runs the built binary; `threads` 2 cuts every file in two (TALLYMAN_SPLIT_BYTES=1), 1 reads it on one thread. */
function tallyman(args: string[], threads: 1 | 2): { status: number | null; stdout: string; stderr: string } {
  const env = { PATH: process.env.PATH ?? '', NO_COLOR: '1', TALLYMAN_THREADS: String(threads), TALLYMAN_SPLIT_BYTES: '1', TALLYMAN_TRACE: '1' };
  const result = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'tallyman-threads-'));
/** The generator's rows as CSV lines (line i + 2 of the file holds row i). */
const lines = Array.from({ length: ROWS }, (_, i) => {
  const r = row(i) as Record<string, string>;
  return HEADER.map((h) => r[h] ?? '').join(',');
});

function log(name: string, body: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${HEADER.join(',')}\n${body.join('\n')}\n`);
  return path;
}

/** The invoice on two threads, after checking it is the one-thread invoice byte for byte, and how the file was read. */
function same(args: string[]): { stdout: string; stderr: string; status: number | null } {
  const two = tallyman(args, 2);
  const one = tallyman(args, 1);
  expect(two.stdout).toBe(one.stdout);
  expect(two.status).toBe(one.status);
  expect(two.stderr.replace(/^tallyman: .*: (one|two) thread.*\n/gm, '')).toBe(one.stderr.replace(/^tallyman: .*: (one|two) thread.*\n/gm, ''));
  return two;
}

describe('worker threads: a file cut in two gives the one-thread invoice', () => {
  it('folds a clean log on two threads, exactly', () => {
    const path = log('clean.csv', lines);
    const run = same(['invoice', path, '--format', 'json', '--group-by', 'project,api_key,customer,day']);
    expect(run.stderr).toContain("two threads, the worker's part taken in");
    // The total known by construction (bench/generate.js, summed with BigInt and rounded half-up per line).
    const plain = same(['invoice', path, '--format', 'json']);
    expect(JSON.parse(plain.stdout).total).toBe(expectedTotal(ROWS));
    // The HTML report's daily shares come from buckets split by a hidden day, in the worker too.
    expect(same(['invoice', path, '--format', 'html']).stdout).toContain(`${expectedTotal(ROWS)} USD in all`);
  });

  it('reads the second part again when its ids repeat ids of the first', () => {
    const body = [...lines];
    body[ROWS - 10] = body[5]!; // row 5 again, near the end: a duplicate the worker cannot know of
    const run = same(['invoice', log('dup-across.csv', body), '--format', 'json']);
    expect(run.stderr).toContain('the second part read again');
    expect(run.stdout).toContain(`t5 at ${join(dir, 'dup-across.csv')}:7 and ${join(dir, 'dup-across.csv')}:${ROWS - 10 + 2}`);
  });

  it('takes in duplicates within the second part with their own line numbers', () => {
    const body = [...lines];
    body[ROWS - 10] = body[ROWS - 20]!;
    const run = same(['invoice', log('dup-within.csv', body), '--format', 'json']);
    expect(run.stderr).toContain("the worker's part taken in");
    expect(run.stdout).toContain(`:${ROWS - 20 + 2} and `);
  });

  it('gives the second part back at a quoted or invalid row, with the same error', () => {
    const quoted = [...lines];
    quoted[ROWS - 5] = quoted[ROWS - 5]!.replace(',p', ',"p');
    quoted[ROWS - 5] = quoted[ROWS - 5]!.replace(/,(k\d+)/, '",$1');
    expect(same(['invoice', log('quoted.csv', quoted), '--format', 'json']).stderr).toContain('the second part given back, the text reader from line');
    const invalid = [...lines];
    invalid[ROWS - 5] = invalid[ROWS - 5]!.replace('2026-05', 'May-2026');
    const run = same(['invoice', log('invalid.csv', invalid)]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`invalid.csv:${ROWS - 5 + 2}: field "timestamp"`);
    expect(same(['invoice', log('skipped.csv', invalid), '--skip-invalid', '--format', 'json']).stdout).toContain('SKIPPED_INVALID');
  });

  it('ends a run whose worker, started early for a big CSV, is never given a job', () => {
    // A CSV named on the command line starts its worker before the command runs; a run that ends before
    // reading (here a card that does not exist) must not wait on it.
    const path = log('early.csv', lines.slice(0, 50));
    const started = Date.now();
    const run = tallyman(['invoice', path, '--rates', join(dir, 'no-such-card.yaml')], 2);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('no-such-card.yaml');
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('reads several files in order, each cut in two', () => {
    const a = log('a.csv', lines.slice(0, 1000));
    const b = log('b.csv', lines.slice(1000));
    const run = same(['invoice', a, b, '--format', 'json', '--group-by', 'customer,month']);
    expect(run.stderr.match(/two threads/g)).toHaveLength(2);
  });

  it("finds a later file's repeat of an id read by the worker (its ids join the first thread's table)", () => {
    const a = log('first.csv', lines.slice(0, 1000));
    const b = log('again.csv', [lines[900]!, ...lines.slice(1000, 1010)]);
    const run = same(['invoice', a, b, '--format', 'json']);
    expect(run.stderr).toContain(`${a}: two threads, the worker's part taken in`);
    expect(run.stdout).toContain(`t900 at ${a}:902 and ${b}:2`);
    expect(JSON.parse(run.stdout).records.duplicates).toBe(1);
  });
});

describe('worker threads: commands that observe the fold give their one-thread answer', () => {
  // The mixed shape: both stream shapes, unclosed sessions, ids repeated within the second part,
  // transcripts with add-ons and channels, LLM calls: findings of most audit codes on both threads.
  const columns = header('mixed') as string[];
  // (1900 rows: the cut falls where no id repeats one of the first part, so the worker's part is taken in.)
  const mixed = Array.from({ length: 1900 }, (_, i) => {
    const r = row(i, 'mixed') as Record<string, string>;
    return columns.map((h) => r[h] ?? '').join(',');
  });
  const path = join(dir, 'mixed.csv');
  writeFileSync(path, `${columns.join(',')}\n${mixed.join('\n')}\n`);
  const statement = join(dir, 'statement.csv');
  writeFileSync(statement, 'product,model,addon,amount\nstreaming,universal-streaming,,1.00\n');
  const taken = "two threads, the worker's part taken in";

  it('audit: the same findings, counts, stakes and places (lines of the second part moved)', () => {
    const run = same(['audit', path, '--format', 'json', '--max-findings', '400']);
    expect(run.stderr).toContain(taken);
    const audit = JSON.parse(run.stdout) as { findings: { code: string; line: number; related: { line: number } | null }[] };
    // Findings from both parts, the second's at its own lines of the whole file (a duplicate's first place too).
    expect(audit.findings.some((f) => f.line > 1900 * 0.6)).toBe(true);
    expect(audit.findings.some((f) => f.code === 'DUPLICATE_ID' && f.related!.line > 1900 * 0.6)).toBe(true);
    expect(new Set(audit.findings.map((f) => f.code)).size).toBeGreaterThan(3);
  });

  it('balance, reconcile and estimate --from-log, each on two threads', () => {
    for (const args of [
      ['balance', path, '--balance', '500', '--autopay', '100:200', '--days', '3', '--format', 'json'],
      ['reconcile', path, '--statement', statement, '--format', 'json'],
      ['estimate', '--from-log', path, '--format', 'json'],
    ]) expect(same(args).stderr).toContain(taken);
  });
});
