import { createRequire } from 'node:module';
import type { Command } from 'commander';
import { isExpectedError } from './util/errors.js';

/** The commands that read usage logs through the engine (a big CSV among their arguments gets a worker thread). */
const READS_LOGS = new Set(['invoice', 'audit', 'balance', 'reconcile', 'estimate']);

// A thread the run will need starts first, before the command line's parser and the command's modules are loaded (15–25 ms
// sooner): a big CSV log's worker thread (engine/parallel.ts), or under --engine duckdb DuckDB's, which loads the package
// and opens the instance meanwhile (engine/duckdb-host.ts).
await warmThreads(process.argv);
const { Command: Program, CommanderError } = await import('commander');
const { mergeDisplayFlags, noColorOption, widthOption } = await import('./commands/display.js');

async function warmThreads(argv: readonly string[]): Promise<void> {
  const named = commandName(argv);
  if (named === undefined || !READS_LOGS.has(named)) return;
  if (!engineDuckdb(argv)) (await import('./engine/parallel.js')).warmPart(argv.slice(2), process.env);
  else if (readsWithDuckdb(named, argv)) (await import('./engine/duckdb-host.js')).warmDuckdb(process.env.TALLYMAN_DUCKDB_MEMORY);
}

/** Whether DuckDB will read a log: `invoice` (not of a bucket table) or `estimate --from-log`, and no help or version asked. */
function readsWithDuckdb(named: string, argv: readonly string[]): boolean {
  const has = (flag: string): boolean => argv.some((arg) => arg === flag || arg.startsWith(`${flag}=`));
  if (['-h', '--help', '-V', '--version'].some(has)) return false;
  return named === 'invoice' ? !has('--buckets') : named === 'estimate' && has('--from-log');
}

type Register = (program: Command, run: (action: () => Promise<number>) => Promise<void>) => void;

/**
 * The commands, in the order `--help` lists them, each loaded only when asked for: a run loads the
 * modules of its own command, not the other seven (about 100 ms of module loading saved a run).
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  invoice: async () => (await import('./commands/invoice.js')).registerInvoice,
  audit: async () => (await import('./commands/audit.js')).registerAudit,
  balance: async () => (await import('./commands/balance.js')).registerBalance,
  estimate: async () => (await import('./commands/estimate.js')).registerEstimate,
  diff: async () => (await import('./commands/diff.js')).registerDiff,
  check: async () => (await import('./commands/check.js')).registerCheck,
  reconcile: async () => (await import('./commands/reconcile.js')).registerReconcile,
  explain: async () => (await import('./commands/explain.js')).registerExplain,
  rates: async () => (await import('./commands/rates.js')).registerRates,
  sql: async () => (await import('./commands/sql.js')).registerSql,
  normalize: async () => (await import('./commands/normalize.js')).registerNormalize,
};

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/** Exit codes of SPEC §4. */
export const EXIT = { ok: 0, findings: 1, badInput: 2 } as const;

/** Runs one command action and turns its outcome into the exit code; the only place that sets it. */
async function run(action: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await action();
  } catch (error) {
    if (isExpectedError(error)) {
      process.stderr.write(`tallyman: ${error.message.split('\n').join('\ntallyman: ')}\n`);
      process.exitCode = EXIT.badInput;
      return;
    }
    throw error;
  }
}

async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Program('tallyman')
    .description('Cost estimator and usage auditor for usage-billed speech and LLM APIs')
    .version(version)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`tallyman: ${text.replace(/^error: /, '')}`) })
    .showHelpAfterError('(run with --help for usage)')
    // Display flags before the command are the program's (`tallyman --no-color invoice …`); after it, the command's own.
    .addOption(noColorOption())
    .addOption(widthOption())
    .enablePositionalOptions()
    .hook('preAction', (_, command) => mergeDisplayFlags(program.opts(), command));
  // The command named first, when it is one; `--version` none; else all of them (top-level help, an unknown command).
  const named = commandName(argv);
  const versionOnly = named === undefined && (argv.includes('--version') || argv.includes('-V'));
  const wanted = versionOnly ? [] : named !== undefined && Object.hasOwn(COMMANDS, named) ? [named] : Object.keys(COMMANDS);
  for (const register of await Promise.all(wanted.map((name) => COMMANDS[name]!()))) register(program, run);
  program.addHelpText('after', `
Examples:
  $ tallyman invoice fixtures/quickstart.csv
  $ tallyman invoice logs/may.csv --month 2026-05 --group-by project --format json
  $ tallyman rates list
  $ tallyman rates validate my-card.yaml

Exit codes: 0 ok, 1 findings or failed checks, 2 bad input, card or usage.`);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** `--engine duckdb` (or `--engine=duckdb`): DuckDB reads the log, with no worker thread of tallyman's. */
function engineDuckdb(argv: readonly string[]): boolean {
  return argv.some((arg, i) => arg === '--engine=duckdb' || (arg === '--engine' && argv[i + 1] === 'duckdb'));
}

/** The first word after the program's own flags: the command, when it is one. */
function commandName(argv: readonly string[]): string | undefined {
  for (let i = 2; i < argv.length; i++) {
    if (argv[i] === '--width') i++;
    else if (!argv[i]!.startsWith('-')) return argv[i];
  }
  return undefined;
}

// A failed write to standard output is answered by the write that made it (util/output.ts emit): a
// reader that went away (`| head`) is not an error, and the command still ends with its own exit code
// (findings are 1 however the output is read); any other failure (`> /dev/full`) is one line, exit 2.
// Here the stream's own error event is only kept from ending the process with a stack trace.
process.stdout.on('error', () => {});
// Diagnostics that cannot be written (`2> /dev/full`, a closed pipe) are lost, not an error of their
// own: the data went to standard output, and the command ends with the exit code its work decided.
process.stderr.on('error', () => {});

try {
  await (await buildProgram(process.argv)).parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : EXIT.badInput;
  } else if (isExpectedError(error)) {
    process.stderr.write(`tallyman: ${error.message}\n`);
    process.exitCode = EXIT.badInput;
  } else {
    throw error;
  }
}
