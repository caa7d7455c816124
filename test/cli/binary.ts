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
