import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { vi } from 'vitest';
import { registerAudit } from '../../src/commands/audit.js';
import { registerBalance } from '../../src/commands/balance.js';
import { registerEstimate } from '../../src/commands/estimate.js';
import { registerInvoice } from '../../src/commands/invoice.js';
import { registerReconcile } from '../../src/commands/reconcile.js';
import { isExpectedError } from '../../src/util/errors.js';

/**
 * Runs a command's JSON the way the CLI does: in this process through the command's own
 * registration (flags parsed by commander, then core, renderer, `--out`), or as the built binary in
 * a child process under another `TZ` (a zone set at run time is not reliable in Node).
 */
export type CommandName = 'invoice' | 'audit' | 'balance' | 'reconcile' | 'estimate';

/** What a run gave: its exit code and its JSON (or, for bad input, exit 2, the error line the CLI prints). */
export interface Outcome {
  code: number;
  json: string;
}

const REGISTER = { invoice: registerInvoice, audit: registerAudit, balance: registerBalance, reconcile: registerReconcile, estimate: registerEstimate };
const BIN = join(import.meta.dirname, '../../bin/tallyman.js');

/** The command line of a run over `files` (estimate reads them with `--from-log`). */
export function commandLine(command: CommandName, flags: string[], files: string[]): string[] {
  return command === 'estimate' ? ['estimate', ...flags, '--format', 'json', '--from-log', ...files] : [command, ...files, ...flags, '--format', 'json'];
}

/** Runs a command line in this process, its JSON written to `out`; standard error (warnings) is dropped. */
export async function inProcess(args: string[], out: string): Promise<Outcome> {
  const program = new Command('tallyman').exitOverride();
  let code: number | undefined;
  let failure: unknown;
  REGISTER[args[0] as CommandName](program, async (action) => {
    try {
      code = await action();
    } catch (error) {
      failure = error;
    }
  });
  for (const command of program.commands) command.exitOverride();
  const quiet = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await program.parseAsync([...args, '--out', out], { from: 'user' });
  } finally {
    quiet.mockRestore();
  }
  if (isExpectedError(failure)) return { code: 2, json: `tallyman: ${failure.message.split('\n').join('\ntallyman: ')}\n` };
  if (failure !== undefined) throw failure;
  return { code: code!, json: readFileSync(out, 'utf8') };
}

/** Runs a command line with the built binary under `TZ=zone` (for bad input, the JSON is the error line). */
export function inZone(args: string[], zone: string): Promise<Outcome & { stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', TZ: zone } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, json: code === 2 ? stderr : stdout, stderr }));
  });
}

/** Runs `tasks` at most `width` at a time. */
export async function inTurn<T>(tasks: (() => Promise<T>)[], width: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, worker));
  return results;
}
