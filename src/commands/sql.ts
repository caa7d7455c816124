import { Option, type Command } from 'commander';
import { parseGroupBy } from '../pricing/group-by.js';
import { periodFromFlags } from '../pricing/period.js';
import { openCard } from '../rates/open.js';
import { compileSql, NOT_EXPRESSIBLE } from '../sql/compile.js';
import { DIALECTS, type DialectName } from '../sql/dialect.js';
import { checkOut, emit } from '../util/output.js';
import { TimeZone } from '../util/time.js';
import { parseMap } from './shared.js';

interface SqlFlags {
  rates: string;
  dialect: DialectName;
  table: string;
  map: string[];
  columns?: string;
  month?: string;
  from?: string;
  to?: string;
  groupBy?: string;
  tz?: string;
  inputTz: string;
  explain: boolean;
  out?: string;
}

/** `tallyman sql`: the rate card compiled into one statement that turns a canonical usage table into the bucket table. */
export function registerSql(program: Command, run: (action: () => Promise<number>) => Promise<void>): void {
  program
    .command('sql')
    .description('print the SQL statement that sums a usage table into the bucket table, for a warehouse')
    .option('-r, --rates <card>', 'rate card: a built-in name or a JSON/YAML file', 'assemblyai')
    .addOption(new Option('--dialect <dialect>', 'SQL dialect').choices([...DIALECTS]).default('duckdb'))
    .option('--table <from>', 'the usage table: a name or any FROM item (read_parquet(\'logs/*.parquet\'))', 'usage')
    .option('--map <field=column>', 'read a canonical field from another column (repeatable)', (v: string, p: string[]) => [...p, v], [] as string[])
    .option('--columns <names>', 'the columns the table has, comma-separated (default: every canonical field); the others are read as not given')
    .option('--month <YYYY-MM>', 'bill one calendar month (in --tz)')
    .option('--from <date>', 'start of the period, inclusive (date or ISO instant)')
    .option('--to <date>', 'end of the period, exclusive (date or ISO instant)')
    .option('-g, --group-by <dims>', 'split buckets by project, api_key, customer, day, month (comma-separated)')
    .option('--tz <zone>', "IANA zone for periods and day/month grouping (default: the card's)")
    .option('--input-tz <zone>', 'IANA zone for timestamps written without an offset', 'UTC')
    .option('--explain', 'print what the statement cannot express as tallyman invoice does, instead of the statement', false)
    .option('-o, --out <file>', 'write the statement to a file')
    .addHelpText('after', `
Examples:
  $ tallyman sql --dialect bigquery --table billing.usage --month 2026-05 > may.sql
  $ tallyman sql --dialect duckdb --table "read_parquet('logs/*.parquet')" --group-by project
  $ tallyman invoice --buckets may-buckets.csv   # the statement's result, exported, priced exactly`)
    .action((flags: SqlFlags) => run(() => sqlCommand(flags)));
}

async function sqlCommand(flags: SqlFlags): Promise<number> {
  checkOut(flags.out, [flags.rates]);
  const card = await openCard(flags.rates);
  const zone = flags.tz ? TimeZone.of(flags.tz) : card.timezone;
  const statement = compileSql({
    card,
    dialect: flags.dialect,
    table: flags.table,
    map: parseMap(flags.map),
    columns: flags.columns?.split(',').map((c) => c.trim()).filter((c) => c !== ''),
    period: periodFromFlags(flags, zone),
    zone,
    inputZone: TimeZone.of(flags.inputTz),
    groupBy: parseGroupBy(flags.groupBy),
  });
  await emit(flags.explain ? `${NOT_EXPRESSIBLE.map((n) => `- ${n}`).join('\n')}\n` : statement, flags.out);
  return 0;
}
