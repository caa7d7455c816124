import { skippedLines } from '../report/invoice.js';
import type { Command } from 'commander';
import { readStatementMap } from '../ingest/statement-map.js';
import { reconcile } from '../reconcile/index.js';
import { formats, renderer } from '../report/index.js';
import { parseDecimal } from '../util/decimal.js';
import { UsageError } from '../util/errors.js';
import { checkOut, emit, note } from '../util/output.js';
import { tableWidth } from './display.js';
import { addLogOptions, hintStdin, invoiceOptions, tablePainter, type LogFlags } from './shared.js';

/** `tallyman reconcile FILE... --statement FILE`: a provider's statement checked line by line against the log. */
export function registerReconcile(program: Command, run: (action: () => Promise<number>) => Promise<void>): void {
  const command = program
    .command('reconcile')
    .description("check a provider's statement line by line against the invoice of the log")
    .argument('<files...>', 'usage logs (CSV, JSON, NDJSON, Parquet); - reads standard input')
    .requiredOption('-s, --statement <file>', 'the statement: CSV or JSON with product, model, addon?, date|month?, quantity?, amount')
    .option('--statement-map <file>', "read another provider's bill export: a YAML or JSON map of its columns and names (Tencent Cloud's bill detail is recognised without one)")
    .option('--tolerance <amount>', 'a difference up to this is a match', '0.01');
  addLogOptions(command, formats('reconcile')).addHelpText(
    'after',
    `
Examples:
  $ tallyman reconcile fixtures/quickstart.csv --statement fixtures/reconcile/statement.csv
  $ tallyman reconcile logs/may.csv --month 2026-05 --statement may-statement.json --format json`,
  );
  command.action((files: string[], flags: LogFlags & { statement: string; statementMap?: string; tolerance: string }) =>
    run(async () => {
      checkOut(flags.out, [...files, flags.rates, flags.statement, flags.statementMap]);
      const tolerance = parseDecimal(flags.tolerance);
      if (tolerance === undefined || tolerance.isNegative()) throw new UsageError(`--tolerance "${flags.tolerance}" is not an amount such as 0.01`);
      hintStdin(files);
      const map = flags.statementMap === undefined ? undefined : readStatementMap(flags.statementMap);
      const result = await reconcile(files, flags.statement, await invoiceOptions(flags, []), tolerance, map);
      if (result.statement.map !== undefined) note(`statement read as ${result.statement.map}: ${result.lines.filter((l) => l.source !== null).length} line(s)${result.statement.passedOver > 0 ? `, ${result.statement.passedOver} row(s) of other products passed over` : ''}`);
      await emit((await renderer('reconcile', flags.format))(result, tablePainter(flags), tableWidth(flags)), flags.out);
      for (const line of skippedLines(result.invoice)) note(line);
      return result.lines.every((l) => l.status === 'match') ? 0 : 1;
    }),
  );
}
