import { Option, type Command } from 'commander';
import { chunkRenderer, formats } from '../report/index.js';
import { checkOut, emit, note } from '../util/output.js';
import { parseGroupBy } from '../pricing/group-by.js';
import { tableWidth } from './display.js';
import { addLogOptions, bucketOptions, checkHtmlOut, checkSources, engineOption, hintStdin, invoiceOptions, tablePainter, type LogFlags } from './shared.js';
import { progress } from './progress.js';

interface InvoiceFlags extends LogFlags {
  groupBy?: string;
  buckets?: string;
  engine: string;
  outDir?: string;
  fileFormat: 'parquet' | 'csv';
}

/** `tallyman invoice FILE...`: exact invoice lines of a usage log on a rate card. */
export function registerInvoice(program: Command, run: (action: () => Promise<number>) => Promise<void>): void {
  const command = program
    .command('invoice')
    .description('price a usage log on a rate card and print the invoice')
    .argument('[files...]', 'usage logs (CSV, JSON, NDJSON, Parquet); - reads standard input')
    .option('-g, --group-by <dims>', 'split lines by project, api_key, customer, day, month (comma-separated)')
    .option('--buckets <file>', 'price a bucket table (made by tallyman sql in a warehouse: CSV, JSON, NDJSON) instead of a log')
    .addOption(engineOption())
    .option('--out-dir <dir>', 'with --format focus: one file per billing period, DIR/billing_period=YYYY-MM/focus.parquet (or .csv)')
    .addOption(new Option('--file-format <format>', 'with --out-dir: the files\' format').choices(['parquet', 'csv']).default('parquet'));
  addLogOptions(command, formats('invoice')).addHelpText(
    'after',
    `
Examples:
  $ tallyman invoice fixtures/quickstart.csv
  $ tallyman invoice logs/*.csv --month 2026-05 --group-by project,customer
  $ tallyman invoice usage.ndjson --rates tencent-asr --format json --out invoice.json
  $ tallyman invoice logs/may.csv --format html --out may.html   # charts and tables, one file
  $ cat usage.csv | tallyman invoice - --format csv > invoice.csv
  $ tallyman invoice logs/may.csv --month 2026-05 --format focus --out focus.csv   # FOCUS 1.3 for FinOps tools
  $ tallyman invoice logs/*.parquet --format focus --out-dir focus/   # focus/billing_period=2026-05/focus.parquet, ...
  $ tallyman invoice --buckets may-buckets.csv --format json   # a bucket table from tallyman sql (docs/sql.md)`,
  );
  command.action((files: string[], flags: InvoiceFlags) => run(() => invoiceCommand(files, flags)));
}

async function invoiceCommand(files: string[], flags: InvoiceFlags): Promise<number> {
  checkHtmlOut(flags);
  checkSources(files, flags);
  checkOut(flags.out, [...files, flags.rates, ...(flags.buckets === undefined ? [] : [flags.buckets])]);
  // What only some runs need is loaded by them (Parquet, the bucket table, DuckDB; the in-process engine, not under --engine
  // duckdb): each run starts faster.
  const focusFiles = flags.format === 'focus' || flags.outDir !== undefined ? await import('./focus-files.js') : undefined;
  if (flags.outDir !== undefined) focusFiles!.checkOutDir(flags);
  hintStdin(files);
  const tick = progress(process.stderr, process.env);
  // A FOCUS row is a charge of one project, key and customer on one day.
  const groupBy = focusFiles && flags.format === 'focus' ? [...focusFiles.FOCUS_GROUP_BY] : parseGroupBy(flags.groupBy);
  const paint = tablePainter(flags);
  // The daily spend is drawn in the HTML report, and as a sparkline under a table on a terminal.
  const daily = flags.format === 'html' || paint.level > 0;
  const options = { ...(await invoiceOptions(flags, groupBy)), onProgress: tick.update, onPhase: tick.phase, daily };
  const invoice = flags.buckets !== undefined
    ? await (await import('../engine/buckets.js')).priceBucketFile(flags.buckets, bucketOptions(flags, options, flags.groupBy === undefined ? undefined : groupBy))
    : flags.engine === 'duckdb'
      ? await (await import('../engine/duckdb.js')).duckdbInvoice(files, options, process.env.TALLYMAN_DUCKDB_MEMORY)
      : await (await import('../engine/index.js')).computeInvoice(files, options);
  tick.phase('rendering');
  if (focusFiles && flags.format === 'focus' && (flags.outDir !== undefined || focusFiles.isParquet(flags.out))) {
    focusFiles.writeFocusFiles(invoice, { out: flags.out, outDir: flags.outDir, fileFormat: flags.fileFormat }, [...files, flags.rates]);
  } else {
    await emit((await chunkRenderer('invoice', flags.format))(invoice, paint, tableWidth(flags)), flags.out);
  }
  tick.done();
  // The invoice's renderers are loaded once the invoice is made (with --engine duckdb, while DuckDB's thread runs the statement).
  if (flags.format !== 'table' && flags.format !== 'markdown') for (const line of (await import('../report/invoice.js')).warningLines(invoice)) note(line);
  if (flags.format === 'focus' && flags.groupBy) note('tallyman: --group-by is ignored with --format focus: each row is a project, API key, customer and day');
  return 0;
}
