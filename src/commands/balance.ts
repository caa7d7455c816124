import { skippedLines } from '../report/invoice.js';
import type { Command } from 'commander';
import { resolveAccount, type AccountFlags } from '../ledger/account.js';
import { runBalance } from '../ledger/index.js';
import { formats, renderer } from '../report/index.js';
import { parseDecimal } from '../util/decimal.js';
import { UsageError } from '../util/errors.js';
import { checkOut, emit, note } from '../util/output.js';
import { progress } from './progress.js';
import type { RateCard } from '../rates/card.js';
import { tableWidth } from './display.js';
import { boundedWholeNumber, addAccountOptions, addLogOptions, checkHtmlOut, hintStdin, invoiceOptions, tablePainter, type LogFlags } from './shared.js';

interface BalanceFlags extends LogFlags, AccountFlags {
  days: number;
  dailySpend?: string;
}

/** `tallyman balance FILE...`: the ledger of a log on an account, and where it is heading. */
export function registerBalance(program: Command, run: (action: () => Promise<number>) => Promise<void>): void {
  const command = program
    .command('balance')
    .description('replay a log against a prepaid balance or a monthly-credit plan, and project it')
    .argument('<files...>', 'usage logs (CSV, JSON, NDJSON, Parquet); - reads standard input')
    .option('--days <n>', 'days to project after the last record (0 for none, at most 3660)', boundedWholeNumber('--days', 3660), 30)
    .option('--daily-spend <amount>', "spend per projected day (default: the log's average)");
  addAccountOptions(command, true);
  addLogOptions(command, formats('balance')).addHelpText(
    'after',
    `
Examples:
  $ tallyman balance fixtures/ledger/prepaid.csv --balance 30 --autopay 25:50
  $ tallyman balance usage.csv --tier free --days 60
  $ tallyman balance calls.csv --rates credits-example --monthly-credits 600 --addon voice-cloning=100 --credits-per-usd 60
  $ tallyman balance usage.csv --account account.yaml --format json
  $ tallyman balance usage.csv --balance 30 --format html --out balance.html`,
  );
  command.action((files: string[], flags: BalanceFlags) => run(() => balanceCommand(files, flags)));
}

async function balanceCommand(files: string[], flags: BalanceFlags): Promise<number> {
  checkHtmlOut(flags);
  checkOut(flags.out, [...files, flags.rates, flags.account]);
  const options = await invoiceOptions(flags, []);
  const account = await resolveAccount(flags, options.card);
  if (!startsSomewhere(flags, options.card)) {
    throw new UsageError('balance needs where the account starts: --balance AMOUNT (prepaid), --monthly-credits N (a credit plan), --account FILE, or --tier free on a card with free credits');
  }
  const dailySpend = flags.dailySpend === undefined ? undefined : parseDecimal(flags.dailySpend);
  if (flags.dailySpend !== undefined && (dailySpend === undefined || dailySpend.isNegative())) {
    throw new UsageError(`--daily-spend "${flags.dailySpend}" is not an amount such as 12.50`);
  }
  hintStdin(files);
  const tick = progress(process.stderr, process.env);
  const result = await runBalance(files, {
    ...options,
    onProgress: tick.update,
    onPhase: tick.phase,
    account,
    projectionDays: flags.days,
    dailySpend,
  });
  tick.phase('rendering');
  const text = (await renderer('balance', flags.format))(result, tablePainter(flags), tableWidth(flags));
  tick.done();
  await emit(text, flags.out);
  for (const line of skippedLines(result.invoice)) note(line);
  return 0;
}

/**
 * Whether the flags say where the ledger starts: a balance, an account file (a balance it does not
 * set is 0), a monthly-credit plan (its first grant), or the free tier of a card that grants free
 * credits. Autopay alone says how the balance is refilled, not what it is.
 */
function startsSomewhere(flags: BalanceFlags, card: RateCard): boolean {
  if (flags.balance !== undefined || flags.account !== undefined || flags.monthlyCredits !== undefined) return true;
  const free = card.versions[card.versions.length - 1]!.limits.freeCredits;
  return flags.tier === 'free' && free !== undefined && free.greaterThan(0);
}
