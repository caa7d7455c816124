import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, lstatSync, mkdtempSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/tallyman.js');
const ENV = { PATH: process.env.PATH ?? '', NO_COLOR: '1' };

/** Runs the real binary with standard output opened on `stdout` (a file descriptor), to its end. */
function runWithStdout(args: string[], stdout: number | 'pipe'): Promise<{ status: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: ENV, stdio: ['ignore', stdout, 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => done({ status, stderr }));
  });
}

describe('output that cannot be written', () => {
  it.skipIf(!existsSync('/dev/full'))('standard output on a full device (> /dev/full) is one line on standard error, exit 2, no stack', async () => {
    const full = openSync('/dev/full', 'w');
    const run = await runWithStdout(['invoice', 'fixtures/quickstart.csv'], full);
    closeSync(full);
    expect(run.stderr).toBe('tallyman: cannot write standard output: no space left on device\n');
    expect(run.status).toBe(2);
  });

  it.skipIf(!existsSync('/dev/full'))('diagnostics on a full device (2> /dev/full) are lost, the output and the exit code are not', () => {
    const full = openSync('/dev/full', 'w');
    const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: ENV, stdio: ['ignore', 'pipe', full], encoding: 'utf8' });
    const invoice = run(['invoice', 'fixtures/quickstart.csv', '--format', 'json']); // its warnings go to standard error too
    const audit = run(['audit', 'fixtures/quickstart.csv', '--format', 'json']);
    const missing = run(['invoice', 'fixtures/no-such-log.csv']);
    closeSync(full);
    expect([invoice.status, JSON.parse(invoice.stdout).total]).toEqual([0, '1.32']);
    expect(audit.status).toBe(1); // its findings
    expect(missing.status).toBe(2);
  });

  it('an --out in a folder that does not exist is one line naming the folder, exit 2, and leaves no file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tallyman-out-'));
    const out = join(dir, 'missing/invoice.json');
    const run = spawnSync(process.execPath, [BIN, 'invoice', 'fixtures/quickstart.csv', '--out', out], { cwd: ROOT, env: ENV, encoding: 'utf8' });
    expect(run.stderr).toBe(`tallyman: --out ${out}: the folder ${join(dir, 'missing')} does not exist; create it first (mkdir -p ${join(dir, 'missing')})\n`);
    expect(run.status).toBe(2);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an --out that is a pipe (like /dev/stdout or /dev/null) is written to, not replaced by a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tallyman-out-'));
    const fifo = join(dir, 'pipe');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
    let read = '';
    reader.stdout.on('data', (chunk: Buffer) => (read += chunk.toString()));
    const readerDone = new Promise((done) => reader.on('close', done));
    const run = await runWithStdout(['invoice', 'fixtures/quickstart.csv', '--format', 'json', '--out', fifo], 'pipe');
    // A run that replaced the pipe by a file never opened it: the reader would wait for ever.
    const stop = setTimeout(() => reader.kill(), 5000);
    await readerDone;
    clearTimeout(stop);
    expect(run.status).toBe(0);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(dir)).toEqual(['pipe']);
    expect(read).toBe(readFileSync(join(ROOT, 'fixtures/golden/quickstart.json'), 'utf8'));
  });
});
