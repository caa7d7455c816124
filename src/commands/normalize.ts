import { extname } from 'node:path';
import { Option, type Command } from 'commander';
import { normalizeLog } from '../engine/normalize.js';
import { canonicalWriter, type CanonicalFormat } from '../report/canonical.js';
import { UsageError } from '../util/errors.js';
import { AtomicFile, checkOut, note, writeStdout } from '../util/output.js';
import { TimeZone } from '../util/time.js';
import { hintStdin, parseMap } from './shared.js';

interface NormalizeFlags {
  out?: string;
  format?: CanonicalFormat;
  inputTz: string;
  map: string[];
  skipInvalid: boolean;
}

const FORMATS: readonly CanonicalFormat[] = ['parquet', 'ndjson', 'csv'];
const BY_EXTENSION: Record<string, CanonicalFormat> = { '.parquet': 'parquet', '.ndjson': 'ndjson', '.jsonl': 'ndjson', '.csv': 'csv' };

/** `tallyman normalize FILES... --out FILE`: any log tallyman reads, written in the canonical schema. */
export function registerNormalize(program: Command, run: (action: () => Promise<number>) => Promise<void>): void {
  program
    .command('normalize')
    .description('write any usage log tallyman reads (native shapes too) in the canonical schema: Parquet, NDJSON or CSV')
    .argument('<files...>', 'usage logs (CSV, JSON, NDJSON, Parquet; native shapes); - reads standard input')
    .option('-o, --out <file>', 'the file to write (.parquet, .ndjson or .csv); - or none: standard output (NDJSON or CSV)')
    .addOption(new Option('-f, --format <format>', 'output format (default: by the --out extension)').choices([...FORMATS]))
    .option('--input-tz <zone>', 'IANA zone for timestamps written without an offset', 'UTC')
    .option('--map <field=column>', 'read a canonical field from another column (repeatable)', (v: string, p: string[]) => [...p, v], [] as string[])
    .option('--skip-invalid', 'skip invalid records (each is listed) instead of stopping', false)
    .addHelpText('after', `
Examples:
  $ tallyman normalize transcripts/*.json list-pages/*.json --out usage.parquet
  $ tallyman normalize stream-events.ndjson --out usage.csv
  $ tallyman normalize gateway.ndjson --format ndjson | gzip > usage.ndjson.gz`)
    .action((files: string[], flags: NormalizeFlags) => run(() => normalizeCommand(files, flags)));
}

async function normalizeCommand(files: string[], flags: NormalizeFlags): Promise<number> {
  const toStdout = flags.out === undefined || flags.out === '-';
  const format = flags.format ?? (toStdout ? 'ndjson' : BY_EXTENSION[extname(flags.out!).toLowerCase()]);
  if (format === undefined) throw new UsageError(`--out ${flags.out}: say the format by the extension (.parquet, .ndjson, .csv) or with --format`);
  if (format === 'parquet' && toStdout) throw new UsageError('--format parquet writes a file: add --out usage.parquet (Parquet is written with its footer last, for readers that seek)');
  checkOut(flags.out, files);
  hintStdin(files);
  const options = { inputZone: TimeZone.of(flags.inputTz), map: parseMap(flags.map), skipInvalid: flags.skipInvalid };
  const file = toStdout ? undefined : new AtomicFile(flags.out!);
  const pending: Promise<void>[] = [];
  const sink = (chunk: Uint8Array | string): void => {
    if (file) file.write(chunk);
    else pending.push(writeStdout(chunk));
  };
  const writer = canonicalWriter(format, sink, 'tallyman normalize');
  let result;
  try {
    result = await normalizeLog(files, options, (record) => writer.add(record));
    writer.finish();
  } catch (error) {
    file?.abort();
    throw error;
  }
  file?.commit();
  await Promise.all(pending);
  const { skipped } = result;
  if (skipped.count > 0) note(`tallyman: warning SKIPPED_INVALID: ${skipped.count} invalid record(s) were skipped (--skip-invalid): ${skipped.examples.map((e) => e.message).join('; ')}${skipped.count > skipped.examples.length ? '; ...' : ''}`);
  if (result.pending > 0) note(`tallyman: ${result.pending} transcript(s) still queued or processing were not written: they are not billable yet`);
  note(`tallyman: ${result.written} record(s) written${flags.out && flags.out !== '-' ? ` to ${flags.out}` : ''}`);
  return 0;
}
