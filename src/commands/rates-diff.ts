import { Option, type Command } from 'commander';
import { cardChanges, cardSide, logUnderBoth, type CardDiffResult } from '../diff/cards.js';
import { periodFromFlags } from '../pricing/period.js';
import { loadCard } from '../rates/load.js';
import { formats, renderer } from '../report/index.js';
import { TimeZone } from '../util/time.js';
import { checkOut, emit } from '../util/output.js';
import { tableWidth, widthOption } from './display.js';
import { parseMap, tablePainter } from './shared.js';

interface DiffFlags {
  log?: string[];
  month?: string;
  from?: string;
  to?: string;
  tz?: string;
  inputTz: string;
  map: string[];
  skipInvalid: boolean;
  allowUnpriced: boolean;
  format: string;
  out?: string;
  color: boolean;
  width?: number;
}

/** `tallyman rates diff A B [--log FILE...]`: two cards or two versions of one, and what a log costs under each. */
export function registerRatesDiff(rates: Command, run: (action: () => Promise<number>) => Promise<void>): void {
  rates
    .command('diff')
    .description('what changed between two cards or two versions of one (CARD@YYYY-MM-DD), and what a log costs under each')
    .argument('<a>', 'a built-in name or card file, optionally @version (assemblyai@2026-04-01)')
    .argument('<b>', 'the other card or version')
    .option('--log <files...>', 'price these usage logs under both and compare, line by line')
    .option('--month <YYYY-MM>', 'only this month of the log')
    .option('--from <date>', 'the log from this date or instant')
    .option('--to <date>', 'the log up to this date or instant (exclusive)')
    .option('--tz <zone>', "zone of periods (default: each card's)")
    .option('--input-tz <zone>', 'zone of timestamps written without an offset', 'UTC')
    .option('--map <field=column...>', 'read another tool\'s column names', [])
    .option('--skip-invalid', 'skip invalid records and list them', false)
    .option('--allow-unpriced', 'price unknown models at zero and say so', false)
    .addOption(new Option('-f, --format <format>', 'output format').choices(formats('rates-diff')).default('table'))
    .option('-o, --out <file>', 'write the output to a file')
    .option('--no-color', 'no colour')
    .addOption(widthOption())
    .addHelpText('after', `
Examples:
  $ tallyman rates diff assemblyai@2026-07-14 assemblyai@2026-09-02
  $ tallyman rates diff assemblyai fixtures/cards/acme-contract.yaml --log fixtures/quickstart.csv`)
    .action((a: string, b: string, flags: DiffFlags) =>
      run(async () => {
        checkOut(flags.out, [...(flags.log ?? [])]);
        const [sa, sb] = [cardSide(a, (spec) => loadCard(spec)), cardSide(b, (spec) => loadCard(spec))];
        const result: CardDiffResult = { a: sa, b: sb, changes: cardChanges(sa, sb), log: null };
        if (flags.log !== undefined) {
          result.log = await logUnderBoth(flags.log, sa, sb, (card) => {
            const zone = flags.tz ? TimeZone.of(flags.tz) : card.timezone;
            return { card, zone, inputZone: TimeZone.of(flags.inputTz), period: periodFromFlags(flags, zone), groupBy: [], map: parseMap(flags.map), skipInvalid: flags.skipInvalid, allowUnpriced: flags.allowUnpriced, threads: 1 };
          });
        }
        await emit((await renderer('rates-diff', flags.format))(result, tablePainter(flags), tableWidth(flags)), flags.out);
        return 0;
      }),
    );
}
