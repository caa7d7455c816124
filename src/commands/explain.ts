import type { Command } from 'commander';
import { computeInvoice } from '../engine/index.js';
import { explain, RecordFinder, type ExplainTarget } from '../explain/index.js';
import { parseGroupBy } from '../pricing/group-by.js';
import { formats, renderer } from '../report/index.js';
import { UsageError } from '../util/errors.js';
import { checkOut, emit } from '../util/output.js';
import { tableWidth } from './display.js';
import { addLogOptions, hintStdin, invoiceOptions, tablePainter, type LogFlags } from './shared.js';

interface ExplainFlags extends LogFlags {
  groupBy?: string;
  line?: string;
  id?: string;
  product?: string;
  model?: string;
}

/** `tallyman explain FILE... --line N | --id ID | --product P --model M`: why a record or a model costs what it does. */
export function registerExplain(program: Command, run: (action: () => Promise<number>) => Promise<void>): void {
  const command = program
    .command('explain')
    .description('why a record or a model costs what it does: plan, periods, tier slices, allocation, rounding')
    .argument('<files...>', 'usage logs (CSV, JSON, NDJSON); - reads standard input')
    .option('--line <[file:]n>', 'the record on line N of the log (of FILE when several are given)')
    .option('--id <id>', 'the record with this id')
    .option('--product <product>', 'every line of a product (with --model)')
    .option('--model <model>', 'the model of --product')
    .option('-g, --group-by <dims>', 'explain the invoice split by project, api_key, customer, day, month (comma-separated)');
  addLogOptions(command, formats('explain')).addHelpText('after', `
Examples:
  $ tallyman explain fixtures/quickstart.csv --id tr-001
  $ tallyman explain fixtures/quickstart.csv --line 7 --format json
  $ tallyman explain logs/may.csv --rates tencent-asr --product file-asr --model file
  $ tallyman explain logs/may.csv --rates my-card.yaml --id call-7 --group-by day   # the slices its day filled`);
  command.action((files: string[], flags: ExplainFlags) => run(() => explainCommand(files, flags)));
}

/** The one target the flags name; anything else is a usage error. */
export function targetOf(flags: Pick<ExplainFlags, 'line' | 'id' | 'product' | 'model'>): ExplainTarget {
  const given = [flags.line !== undefined, flags.id !== undefined, flags.product !== undefined || flags.model !== undefined].filter(Boolean).length;
  if (given !== 1) throw new UsageError('explain: give one of --line N, --id ID or --product P --model M');
  if (flags.id !== undefined) return { id: flags.id };
  if (flags.line !== undefined) {
    const match = /^(?:(.+):)?(\d+)$/.exec(flags.line);
    if (match === null || Number(match[2]) < 1) throw new UsageError(`--line "${flags.line}" is not a line number (N, or FILE:N)`);
    return { line: Number(match[2]), file: match[1] };
  }
  if (flags.product === undefined || flags.model === undefined) throw new UsageError('explain: --product and --model go together');
  return { product: flags.product, model: flags.model };
}

async function explainCommand(files: string[], flags: ExplainFlags): Promise<number> {
  const target = targetOf(flags);
  // Line N of which file: with several files, a bare N would silently be the first file's.
  if ('line' in target && target.file === undefined && files.length > 1) {
    throw new UsageError(`--line ${target.line}: ${files.length} files are given; say which, as --line FILE:${target.line} (e.g. --line ${files[0]}:${target.line})`);
  }
  checkOut(flags.out, [...files, flags.rates]);
  hintStdin(files);
  const finder = new RecordFinder(target);
  const invoice = await computeInvoice(files, { ...(await invoiceOptions(flags, parseGroupBy(flags.groupBy))), observers: [finder], explain: true, byDay: true });
  const text = (await renderer('explain', flags.format))(explain(invoice, target, finder.found), tablePainter(flags), tableWidth(flags));
  await emit(text, flags.out);
  return 0;
}
