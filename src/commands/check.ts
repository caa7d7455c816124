import { Option, type Command } from 'commander';
import { loadCheckConfig } from '../check/config.js';
import { planCheck } from '../check/plan.js';
import { runCheck } from '../check/run.js';
import { painter, useColor } from '../report/color.js';
import { formats, renderer } from '../report/index.js';
import { UsageError } from '../util/errors.js';
import { checkOut, emit } from '../util/output.js';
import { noColorOption, tableWidth, widthOption } from './display.js';

/** `tallyman check`: the cases of tallyman.config.json against golden invoices and budgets, for CI. */
export function registerCheck(program: Command, run: (action: () => Promise<number>) => Promise<void>): void {
  program
    .command('check')
    .description('run the cases of tallyman.config.json: golden invoices and budgets, for CI')
    .option('-c, --config <file>', 'the config file (JSON or YAML)', 'tallyman.config.json')
    .option('--update', 'rewrite the golden files instead of comparing them', false)
    .addOption(new Option('--reporter <reporter>', 'also write a report file').choices(formats('check').filter((format) => format !== 'text')))
    .option('-o, --out <file>', 'where --reporter writes (an --out ending in .xml alone means --reporter junit)')
    .addOption(noColorOption())
    .addOption(widthOption())
    .addHelpText(
      'after',
      `
Examples:
  $ tallyman check                                   # tallyman.config.json in this folder
  $ tallyman check --config examples/tallyman.config.json --reporter junit --out check.xml
  $ tallyman check --update                          # accept the new invoices as golden`,
    )
    .action((flags: { config: string; update: boolean; reporter?: string; out?: string; color: boolean; width?: number }) =>
      run(async () => {
        const reporter = reporterOf(flags);
        const plain = painter(false);
        const invoiceJson = await renderer('invoice', 'json');
        // Every path of the config is checked against its folder before any case runs; --out, the
        // user's own flag, may be anywhere but on one of the config's inputs.
        const plan = planCheck(loadCheckConfig(flags.config), flags.config, flags.update);
        checkOut(flags.out, [flags.config, ...plan.files]);
        const results = await runCheck(plan, (invoice) => invoiceJson(invoice, plain));
        await emit((await renderer('check', 'text'))(results, painter(useColor(process.stdout, process.env, flags.color)), tableWidth({ width: flags.width })), undefined);
        if (reporter !== undefined) await emit((await renderer('check', reporter))(results, plain), flags.out);
        return results.every((r) => r.passed) ? 0 : 1;
      }),
    );
}

/**
 * The report file `check` writes, if any: `--reporter` names it and needs `--out`; an `--out` alone
 * that ends in `.xml` is a JUnit report (the one XML report check writes), any other is a usage error
 * (the text always goes to standard output).
 */
function reporterOf(flags: { reporter?: string; out?: string }): string | undefined {
  if (flags.reporter !== undefined && flags.out === undefined) throw new UsageError(`--reporter ${flags.reporter} needs --out FILE`);
  if (flags.reporter !== undefined || flags.out === undefined) return flags.reporter;
  if (/\.xml$/i.test(flags.out)) return 'junit';
  throw new UsageError(`--out ${flags.out} is where --reporter writes its file: add --reporter junit (the text of check goes to standard output; redirect it with > FILE)`);
}
