import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** The repository's root, where the CLI tests run the binary. */
export const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/tallyman.js');

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real, built binary from the repository's root, without colour; `input` is standard input. */
export function runBinary(args: readonly string[], options: { env?: Record<string, string>; input?: string | Buffer } = {}): Run {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...options.env },
    input: options.input,
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The standard output of a run of the binary that must succeed (exit 0; its standard error is the failure's message). */
export function outputOf(args: readonly string[]): string {
  const result = runBinary(args);
  if (result.status !== 0) throw new Error(`exit ${result.status} of tallyman ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}
