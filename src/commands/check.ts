import { Option, type Command } from 'commander';
import { loadCheckConfig } from '../check/config.js';
import { planCheck } from '../check/plan.js';
import { runCheck } from '../check/run.js';
import { painter, useColor } from '../report/color.js';
import { formats, renderer } from '../report/index.js';
import { UsageError } from '../util/errors.js';
import { checkOut, emit } from '../util/output.js';

/** `tallyman check`: the cases of tallyman.config.json against golden invoices and budgets, for CI. */
export function registerCheck(program: Command, run: (action: () => Promise<number>) => Promise<void>): void {
  program
    .command('check')
    .description('run the cases of tallyman.config.json: golden invoices and budgets, for CI')
    .option('-c, --config <file>', 'the config file (JSON or YAML)', 'tallyman.config.json')
    .option('--update', 'rewrite the golden files instead of comparing them', false)
    .addOption(new Option('--reporter <reporter>', 'also write a report file').choices(formats('check').filter((format) => format !== 'text')))
    .option('-o, --out <file>', 'where --reporter writes')
    .option('--no-color', 'never colour the output')
    .addHelpText(
      'after',
      `
Examples:
  $ tallyman check                                   # tallyman.config.json in this folder
  $ tallyman check --config examples/tallyman.config.json --reporter junit --out check.xml
  $ tallyman check --update                          # accept the new invoices as golden`,
    )
    .action((flags: { config: string; update: boolean; reporter?: string; out?: string; color: boolean }) =>
      run(async () => {
        if (flags.reporter && !flags.out) throw new UsageError('--reporter junit needs --out FILE');
        const plain = painter(false);
        const invoiceJson = await renderer('invoice', 'json');
        // Every path of the config is checked against its folder before any case runs; --out, the
        // user's own flag, may be anywhere but on one of the config's inputs.
        const plan = planCheck(loadCheckConfig(flags.config), flags.config, flags.update);
        checkOut(flags.out, [flags.config, ...plan.files]);
        const results = await runCheck(plan, (invoice) => invoiceJson(invoice, plain));
        await emit((await renderer('check', 'text'))(results, painter(useColor(process.stdout, process.env, flags.color))), undefined);
        if (flags.reporter !== undefined) await emit((await renderer('check', flags.reporter))(results, plain), flags.out);
        return results.every((r) => r.passed) ? 0 : 1;
      }),
    );
}
