import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { registerAudit } from './commands/audit.js';
import { registerBalance } from './commands/balance.js';
import { registerCheck } from './commands/check.js';
import { registerDiff } from './commands/diff.js';
import { registerEstimate } from './commands/estimate.js';
import { registerInvoice } from './commands/invoice.js';
import { registerReconcile } from './commands/reconcile.js';
import { registerRates } from './commands/rates.js';
import { isExpectedError } from './util/errors.js';

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

function buildProgram(): Command {
  const program = new Command('tallyman')
    .description('Cost estimator and usage auditor for usage-billed speech and LLM APIs')
    .version(version)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`tallyman: ${text.replace(/^error: /, '')}`) })
    .showHelpAfterError('(run with --help for usage)');
  registerInvoice(program, run);
  registerAudit(program, run);
  registerBalance(program, run);
  registerEstimate(program, run);
  registerDiff(program, run);
  registerCheck(program, run);
  registerReconcile(program, run);
  registerRates(program, run);
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

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

try {
  await buildProgram().parseAsync(process.argv);
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
