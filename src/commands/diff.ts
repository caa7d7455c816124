import { Option, type Command } from 'commander';
import { diffReports, parseThreshold } from '../diff/index.js';
import { formats, renderer } from '../report/index.js';
import { checkOut, emit } from '../util/output.js';
import { noColorOption, tableWidth, widthOption } from './display.js';
import { tablePainter } from './shared.js';

/** `tallyman diff OLD.json NEW.json`: what changed between two invoices or estimates; a budget gate for CI. */
export function registerDiff(program: Command, run: (action: () => Promise<number>) => Promise<void>): void {
  program
    .command('diff')
    .description('compare two invoices or estimates (--format json output) line by line')
    .argument('<old>', 'the earlier report (- for standard input)')
    .argument('<new>', 'the later report (- for standard input)')
    .option('--fail-above <amount|percent>', 'exit 1 when the total grows by more than this (12.50 or 5%)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(formats('diff')).default('table'))
    .option('-o, --out <file>', 'write the output to a file')
    .addOption(noColorOption())
    .addOption(widthOption())
    .addHelpText(
      'after',
      `
Examples:
  $ tallyman invoice april.csv --format json > april.json && tallyman invoice may.csv --format json > may.json
  $ tallyman diff april.json may.json
  $ tallyman invoice may.csv --format json | tallyman diff april.json -    # one side from standard input
  $ tallyman diff golden.json new.json --fail-above 5%      # a budget gate in CI: exit 1 above 5% more`,
    )
    .action((oldPath: string, newPath: string, flags: { failAbove?: string; format: string; out?: string; color: boolean; width?: number }) =>
      run(async () => {
        checkOut(flags.out, [oldPath, newPath]);
        const result = await diffReports(oldPath, newPath, flags.failAbove === undefined ? undefined : parseThreshold(flags.failAbove));
        await emit((await renderer('diff', flags.format))(result, tablePainter(flags), tableWidth(flags)), flags.out);
        return result.failed ? 1 : 0;
      }),
    );
}
