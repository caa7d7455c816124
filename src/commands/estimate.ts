import { Option, type Command } from 'commander';
import { runEstimate, usageFromLog } from '../estimate/index.js';
import { usageFromFlags, type EstimateFlags } from '../estimate/usage.js';
import { openCard } from '../rates/open.js';
import { formats, renderer } from '../report/index.js';
import { UsageError } from '../util/errors.js';
import { checkOut, emit } from '../util/output.js';
import { TimeZone } from '../util/time.js';
import { noColorOption, tableWidth, widthOption } from './display.js';
import { engineOption, engineSettings, hintStdin, parseMap, tablePainter } from './shared.js';

interface Flags extends EstimateFlags {
  rates: string;
  format: string;
  out?: string;
  fromLog?: string[];
  inputTz: string;
  tz?: string;
  map: string[];
  color: boolean;
  width?: number;
  engine: string;
}

/** `tallyman estimate`: what-if costs for one period, on one card or several side by side. */
export function registerEstimate(program: Command, run: (action: () => Promise<number>) => Promise<void>): void {
  program
    .command('estimate')
    .description('what-if cost of usage for one day or month, on one or several cards side by side')
    .option('--transcribe <duration>', 'pre-recorded audio: 90s, 45m, 1.5h, 01:30:00')
    .option('--model <model>', 'speech model for --transcribe')
    .option('--features <a,b>', 'add-ons for --transcribe, comma-separated')
    .option('--channels <n>', 'audio channels for --transcribe', undefined)
    .option('--stream <duration>', 'streaming session time')
    .option('--stream-model <model>', 'streaming model')
    .option('--sessions <n>', 'streaming sessions in all (default: one per hour of audio)')
    .option('--unclosed <n>', 'of which never closed (billed at the cap)')
    .option('--llm-model <model>', 'LLM gateway model')
    .option('--input-tokens <count>', 'input tokens: 1200, 200k, 5M')
    .option('--output-tokens <count>', 'output tokens')
    .option('--usage <file>', 'the same quantities as a JSON or YAML file (several products at once)')
    .option('--from-log <files...>', "a real log's usage, scaled to an average period")
    .addOption(new Option('--period <period>', 'the period the quantities are for').choices(['day', 'month']).default('month'))
    .option('--days-per-month <n>', 'days a month is spread over on cards with daily tiers', undefined)
    .option('-r, --rates <cards>', 'card names or files, comma-separated, priced side by side', 'assemblyai')
    .addOption(new Option('-f, --format <format>', 'output format').choices(formats('estimate')).default('table'))
    .option('-o, --out <file>', 'write the output to a file')
    .option('--tz <zone>', 'zone for --from-log days')
    .option('--input-tz <zone>', 'zone for --from-log timestamps without an offset', 'UTC')
    .option('--map <field=column>', 'for --from-log: read a field from another column (repeatable)', (v: string, p: string[]) => [...p, v], [] as string[])
    .addOption(engineOption())
    .addOption(noColorOption())
    .addOption(widthOption())
    .addHelpText(
      'after',
      `
Examples:
  $ tallyman estimate --transcribe 500h --model universal-3-pro --features speaker_labels
  $ tallyman estimate --llm-model claude-sonnet-4.5 --input-tokens 50M --output-tokens 5M
  $ tallyman estimate --stream 300h --sessions 1200 --unclosed 20 --rates assemblyai,tencent-asr
  $ tallyman estimate --usage fixtures/estimate/usage.yaml --rates assemblyai,tencent-asr --format json
  $ tallyman estimate --from-log logs/may.csv --rates tencent-asr     # last month on Tencent`,
    )
    .action((flags: Flags) => run(() => estimateCommand(flags)));
}

async function estimateCommand(flags: Flags): Promise<number> {
  let usage = usageFromFlags(flags);
  const cardSpecs = flags.rates.split(',').map((r) => r.trim()).filter(Boolean);
  checkOut(flags.out, [...(flags.fromLog ?? []), flags.usage, ...cardSpecs]);
  const cards = await Promise.all(cardSpecs.map((r) => openCard(r)));
  let source = flags.usage ? `from ${flags.usage}` : 'from flags';
  if (flags.engine === 'duckdb' && !flags.fromLog) throw new UsageError('--engine duckdb reads the log of --from-log: give --from-log FILE, or drop --engine');
  if (flags.fromLog) {
    hintStdin(flags.fromLog);
    const zone = flags.tz ? TimeZone.of(flags.tz) : cards[0]!.timezone;
    const fromLog = await usageFromLog(flags.fromLog, usage, { inputZone: TimeZone.of(flags.inputTz), map: parseMap(flags.map), zone, card: cards[0]!,
      engine: { cardSource: { spec: cardSpecs[0]!, baseDir: process.cwd() }, ...engineSettings(process.env) },
      ...(flags.engine === 'duckdb' ? { duckdb: { memory: process.env.TALLYMAN_DUCKDB_MEMORY } } : {}),
    });
    usage = fromLog.usage;
    source = fromLog.source;
  }
  if (usage.transcribe.length + usage.stream.length + usage.llm.length === 0) {
    throw new UsageError('nothing to estimate: give --transcribe, --stream, --input-tokens, --usage FILE or --from-log FILE');
  }
  const result = await runEstimate(usage, cards, source);
  await emit((await renderer('estimate', flags.format))(result, tablePainter(flags), tableWidth(flags)), flags.out);
  return 0;
}
