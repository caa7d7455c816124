import { skippedLines } from '../report/invoice.js';
import { Option, type Command } from 'commander';
import { failsAt, runAudit, type Severity } from '../audit/index.js';
import { formats, renderer } from '../report/index.js';
import { UsageError } from '../util/errors.js';
import { checkOut, emit, note } from '../util/output.js';
import { progress } from './progress.js';
import { hasAccount, resolveAccount, type AccountFlags } from '../ledger/account.js';
import { tableWidth } from './display.js';
import { addAccountOptions, addLogOptions, checkHtmlOut, hintStdin, invoiceOptions, tablePainter, wholeNumber, type LogFlags } from './shared.js';

interface AuditFlags extends LogFlags, AccountFlags {
  tier: 'free' | 'paid';
  failOn: Severity;
  idleRatio: string;
  rateLimit?: number;
  llmRateLimit?: number;
  concurrency?: number;
  streamRate?: number;
  maxFindings: number;
}

/** `tallyman audit FILE...`: money spent for nothing, and limits the traffic breaks. */
export function registerAudit(program: Command, run: (action: () => Promise<number>) => Promise<void>): void {
  const command = program
    .command('audit')
    .description('find unclosed and idle streams, broken limits, duplicates and other costly findings')
    .argument('<files...>', 'usage logs (CSV, JSON, NDJSON, Parquet); - reads standard input')
    .addOption(new Option('--tier <tier>', 'account tier for limits and the LLM gateway').choices(['free', 'paid']).default('paid'))
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices(['info', 'warning', 'error']).default('warning'))
    .option('--idle-ratio <n>', 'IDLE_SESSION when session time is at least N × the audio', '2')
    .option('--rate-limit <n>', "requests allowed in 5 minutes (default: the card's)", wholeNumber('--rate-limit'))
    .option('--concurrency <n>', "transcripts in flight allowed (default: the card's for the tier)", wholeNumber('--concurrency'))
    .option('--stream-rate <n>', "new streaming sessions allowed per minute (default: the card's for the tier)", wholeNumber('--stream-rate'))
    .option('--llm-rate-limit <n>', "LLM gateway requests allowed per minute per model (default: the card's)", wholeNumber('--llm-rate-limit'))
    .option('--max-findings <n>', 'findings listed per code (all are counted)', wholeNumber('--max-findings'), 1000);
  addAccountOptions(command, false);
  addLogOptions(command, formats('audit')).addHelpText(
    'after',
    `
Examples:
  $ tallyman audit fixtures/audit/streams.csv
  $ tallyman audit logs/*.ndjson --tier free --fail-on error
  $ tallyman audit usage.csv --format markdown > audit.md     # a pull-request comment
  $ tallyman audit usage.csv --format html --out audit.html   # a report to forward
  $ tallyman audit usage.csv --format json --fail-on info      # exit 1 on any finding
  $ tallyman audit usage.csv --balance 20                      # NEGATIVE_BALANCE with an account`,
  );
  command.action((files: string[], flags: AuditFlags) => run(() => auditCommand(files, flags)));
}

async function auditCommand(files: string[], flags: AuditFlags): Promise<number> {
  if (!/^\d+(\.\d+)?$/.test(flags.idleRatio) || Number(flags.idleRatio) < 1) {
    throw new UsageError(`--idle-ratio "${flags.idleRatio}" must be a number of at least 1, e.g. 2 or 1.5`);
  }
  checkHtmlOut(flags);
  checkOut(flags.out, [...files, flags.rates, flags.account]);
  const options = await invoiceOptions(flags, []);
  hintStdin(files);
  const tick = progress(process.stderr, process.env);
  const result = await runAudit(files, {
    ...options,
    account: hasAccount(flags) ? await resolveAccount(flags, options.card) : undefined,
    onProgress: tick.update,
    onPhase: tick.phase,
    tier: flags.tier,
    idleRatio: Number(flags.idleRatio),
    limits: { requestsPer5Minutes: flags.rateLimit, concurrency: flags.concurrency, newStreamsPerMinute: flags.streamRate, llmRequestsPerMinute: flags.llmRateLimit },
    keepPerCode: flags.maxFindings,
  });
  tick.phase('rendering');
  const text = (await renderer('audit', flags.format))(result, tablePainter(flags), tableWidth(flags));
  tick.done();
  await emit(text, flags.out);
  for (const line of skippedLines(result.invoice)) note(line);
  return failsAt(result, flags.failOn) ? 1 : 0;
}
