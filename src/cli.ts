import { createRequire } from 'node:module';
import type { Command } from 'commander';
import { commandName, threadToWarm } from './commands/argv.js';
import { isExpectedError } from './util/errors.js';

// A thread the run will need starts first, before the command line's parser and the command's modules are loaded (15–25 ms
// sooner): a big CSV log's worker thread (engine/parallel.ts), or under --engine duckdb DuckDB's, which loads the package
// and opens the instance meanwhile (engine/duckdb-host.ts).
const warm = threadToWarm(process.argv);
if (warm === 'part') (await import('./engine/parallel.js')).warmPart(process.argv.slice(2), process.env);
else if (warm === 'duckdb') (await import('./engine/duckdb-host.js')).warmDuckdb(process.env.TALLYMAN_DUCKDB_MEMORY);
const { Command: Program, CommanderError } = await import('commander');
const { mergeDisplayFlags, noColorOption, widthOption } = await import('./commands/display.js');

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
