import { InvalidArgumentError, Option, type Command } from 'commander';
import { noColorOption, widthOption } from './display.js';
import type { ChalkInstance } from 'chalk';
import type { InvoiceOptions } from '../engine/index.js';
import { engineSettings } from '../engine/settings.js';
import type { BucketTableOptions } from '../engine/buckets.js';
import { periodFromFlags } from '../pricing/period.js';
import { openCard } from '../rates/open.js';
import { painter, useColor } from '../report/color.js';
import { TimeZone } from '../util/time.js';
import type { Dimension } from '../pricing/dimensions.js';
import { CANONICAL_FIELDS, type CanonicalField } from '../ingest/record.js';
import { UsageError } from '../util/errors.js';

/** Options every log-reading command shares, declared once. */
export interface LogFlags {
  rates: string;
  format: string;
  out?: string;
  tz?: string;
  inputTz: string;
  month?: string;
  from?: string;
  to?: string;
  map: string[];
  skipInvalid: boolean;
  allowUnpriced: boolean;
  color: boolean;
  width?: number;
}

/** Adds the shared flags of commands that read usage logs. */
export function addLogOptions(command: Command, formats: readonly string[]): Command {
  return command
    .option('-r, --rates <card>', 'rate card: a built-in name or a JSON/YAML file', 'assemblyai')
    .addOption(new Option('-f, --format <format>', 'output format').choices(formats as string[]).default('table'))
    .option('-o, --out <file>', 'write the output to a file instead of standard output')
    .option('--month <YYYY-MM>', 'bill one calendar month (in --tz)')
    .option('--from <date>', 'start of the period, inclusive (date or ISO instant)')
    .option('--to <date>', 'end of the period, exclusive (date or ISO instant)')
    .option('--tz <zone>', "IANA zone for periods and day/month grouping (default: the card's)")
    .option('--input-tz <zone>', 'IANA zone for timestamps written without an offset', 'UTC')
    .option('--map <field=column>', 'read a canonical field from another column (repeatable)', collect, [])
    .option('--skip-invalid', 'skip invalid records (each is listed) instead of stopping', false)
    .option('--allow-unpriced', 'list usage the card does not price at zero instead of stopping', false)
    .addOption(noColorOption())
    .addOption(widthOption());
}

/** One line on standard error when a log is read from standard input and that is a terminal: how to end it. */
export function hintStdin(files: readonly string[], stdin: { isTTY?: boolean } = process.stdin): void {
  if (files.includes('-') && stdin.isTTY === true) process.stderr.write('tallyman: reading usage from standard input; end with Ctrl-D\n');
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Parses `--map field=column` pairs; unknown fields are usage errors. */
export function parseMap(pairs: readonly string[]): Map<CanonicalField, string> {
  const map = new Map<CanonicalField, string>();
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const field = pair.slice(0, at);
    const column = pair.slice(at + 1);
    if (at <= 0 || column === '') throw new UsageError(`--map "${pair}" is not field=column, e.g. --map audio_duration=duration_s`);
    if (!(CANONICAL_FIELDS as readonly string[]).includes(field)) {
      throw new UsageError(`--map: "${field}" is not a canonical field (${CANONICAL_FIELDS.join(', ')})`);
    }
    map.set(field as CanonicalField, column);
  }
  return map;
}

/** The invoice pass every log-reading command runs, from the shared flags. */
export async function invoiceOptions(flags: LogFlags, groupBy: Dimension[]): Promise<InvoiceOptions> {
  const card = await openCard(flags.rates);
  const zone = flags.tz ? TimeZone.of(flags.tz) : card.timezone;
  return {
    card,
    zone,
    inputZone: TimeZone.of(flags.inputTz),
    period: periodFromFlags(flags, zone),
    groupBy,
    map: parseMap(flags.map),
    skipInvalid: flags.skipInvalid,
    allowUnpriced: flags.allowUnpriced,
    cardSource: { spec: flags.rates, baseDir: process.cwd() },
    ...engineSettings(process.env),
  };
}


/**
 * An HTML report is a file: written with `--out`, or to standard output when that is not a terminal
 * (a redirect or a pipe). Into a terminal it is a usage error that says what to do.
 */
export function checkHtmlOut(flags: { out?: string | undefined; format: string }, stdout: { isTTY?: boolean } = process.stdout): void {
  if (flags.format === 'html' && (flags.out === undefined || flags.out === '-') && stdout.isTTY) {
    throw new UsageError('--format html writes a file: add --out report.html (or redirect standard output)');
  }
}

/** Colour for a table on standard output, when it is a terminal and colour is allowed. */
export function tablePainter(flags: { out?: string | undefined; format: string; color: boolean }): ChalkInstance {
  const toTerminal = flags.out === undefined && flags.format === 'table';
  return painter(toTerminal && useColor(process.stdout, process.env, flags.color));
}

/** A whole number flag; anything else is a usage error (exit 2) that commander reports with the flag. */
export function wholeNumber(flag: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${flag} "${value}" is not a whole number`);
    return Number(value);
  };
}

/** A whole number flag of at most `max` (a projection of ten years, not of a billion days). */
export function boundedWholeNumber(flag: string, max: number): (value: string) => number {
  const parse = wholeNumber(flag);
  return (value) => {
    const n = parse(value);
    if (n > max) throw new InvalidArgumentError(`${flag} "${value}" is more than ${max}`);
    return n;
  };
}

/** Account flags, shared by `balance` and `audit` (SPEC §3). */
export function addAccountOptions(command: Command, withTier: boolean): Command {
  if (withTier) command.addOption(new Option('--tier <tier>', 'account tier: free has its credit and no LLM gateway').choices(['free', 'paid']));
  return command
    .option('--account <file>', 'account settings (JSON or YAML)')
    .option('--balance <amount>', 'prepaid balance at the start of the log')
    .option('--autopay <below:to>', 'after a deduction leaves the balance below BELOW, refill to TO (e.g. 25:50)')
    .option('--autopay-inclusive', 'trigger autopay at BELOW too (≤ instead of <)')
    .option('--monthly-credits <n>', 'credits granted at the start of every month (a monthly-credit plan)')
    .option('--rollover <months>', 'months a grant stays usable after its own (default 2)')
    .option('--addon <name=credits>', 'credits deducted at the start of every month (repeatable)', (v: string, p: string[]) => [...p, v], [] as string[])
    .option('--topup <usd>', 'automatic top-up when credits run out, in USD (default 10; 0 for none)')
    .option('--credits-per-usd <n>', 'credits a top-up dollar buys (needed on a card priced in credits)');
}

/** `--engine js|duckdb`: who reads the log (docs/sql.md); the default engine needs no optional package. */
export function engineOption(): Option {
  return new Option('--engine <engine>', 'who reads the log: js (in-process) or duckdb (the SQL of tallyman sql, run by embedded DuckDB; optional package @duckdb/node-api)').choices(['js', 'duckdb']).default('js');
}

/** A log, or a bucket table with --buckets: one of them, never both (a usage error otherwise). */
export function checkSources(files: readonly string[], flags: { buckets?: string | undefined; engine?: string }): void {
  if (flags.buckets !== undefined && files.length > 0) throw new UsageError('give usage logs or --buckets FILE, not both');
  if (flags.buckets !== undefined && flags.engine === 'duckdb') throw new UsageError('--engine duckdb reads logs; --buckets prices a table already summed: give one of them');
  if (flags.buckets === undefined && files.length === 0) throw new UsageError("missing usage logs: give one or more files (- reads standard input), or --buckets FILE");
}

/** The options of pricing a bucket table, from the shared flags: those given must agree with the table. */
export function bucketOptions(flags: LogFlags, options: InvoiceOptions, groupBy: Dimension[] | undefined): BucketTableOptions {
  return {
    card: options.card,
    zone: flags.tz === undefined ? undefined : options.zone,
    period: flags.month === undefined && flags.from === undefined && flags.to === undefined ? undefined : options.period,
    groupBy,
    allowUnpriced: flags.allowUnpriced,
  };
}

export { engineSettings };
