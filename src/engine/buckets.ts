import { billOf } from '../pricing/bill.js';
import { foldOfTable, groupByOfHeader, hasUsageDay, periodFlagsOf } from '../pricing/bucket-table.js';
import type { Dimension } from '../pricing/dimensions.js';
import type { Invoice } from '../pricing/invoice.js';
import { isBounded, periodFromFlags, type Period } from '../pricing/period.js';
import type { RateCard } from '../rates/card.js';
import { InputError, UsageError } from '../util/errors.js';
import { TimeZone } from '../util/time.js';

/** What pricing a bucket table needs: the card, and the flags the table must agree with where given. */
export interface BucketTableOptions {
  card: RateCard;
  /** `--tz`, `--month`/`--from`/`--to` and `--group-by` as given (undefined: take the table's). */
  zone: TimeZone | undefined;
  period: Period | undefined;
  groupBy: readonly Dimension[] | undefined;
  allowUnpriced: boolean;
  /** The statement the table came from was run here (`--engine duckdb`): its invalid records are found by the js engine. */
  invalidHint?: string;
}

/** Prices a bucket table (docs/sql.md) into the invoice the raw log gives. */
export async function priceBucketFile(path: string, options: BucketTableOptions): Promise<Invoice> {
  // The file readers are loaded here, not by `--engine duckdb`, which hands its rows over (priceBucketRows).
  const { format, header, rows } = await (await import('../ingest/buckets.js')).readBucketFile(path);
  // CSV and Parquet hold every column; JSON rows may leave out empty ones.
  const complete = format !== 'json';
  const tableGroupBy = groupByOfHeader(header, path, complete);
  const groupBy = options.groupBy !== undefined && !complete ? [...options.groupBy] : tableGroupBy;
  if (options.groupBy !== undefined && options.groupBy.join(',') !== groupBy.join(',')) {
    throw new UsageError(`${path}: the bucket table is grouped by ${groupBy.join(',') || 'nothing'}, not by ${options.groupBy.join(',') || 'nothing'}: make it again with tallyman sql --group-by, or drop --group-by`);
  }
  return priceBucketRows(path, rows, groupBy, options);
}

/** Prices the rows of a bucket table already read (`--engine duckdb` hands its result over as rows). */
export function priceBucketRows(path: string, rows: Parameters<typeof foldOfTable>[0], groupBy: readonly Dimension[], options: BucketTableOptions): Invoice {
  const { view, settings } = foldOfTable(rows, groupBy, options.card, path);
  if (settings.invalid > 0) {
    throw new InputError(undefined, undefined, `${path}: ${settings.invalid} record(s) of the usage table are invalid (a bad or missing value) and were not counted`,
      options.invalidHint ?? 'run tallyman invoice (or audit) on the log itself to see each one with its file, line and field');
  }
  const zone = TimeZone.of(settings.zone);
  if (options.zone !== undefined && options.zone.name !== zone.name) {
    throw new UsageError(`${path}: the bucket table was cut in ${zone.name}, not ${options.zone.name}: make it again with tallyman sql --tz, or drop --tz`);
  }
  const period = periodFromFlags(periodFlagsOf(settings), zone);
  if (options.period !== undefined && isBounded(options.period) && (options.period.from !== period.from || options.period.to !== period.to)) {
    throw new UsageError(`${path}: the bucket table covers ${settings.periodFrom ?? '…'} to ${settings.periodTo ?? '…'}, not the period asked for: make it again with the same --month/--from/--to, or drop them`);
  }
  return billOf(view, { card: options.card, zone, sources: [path], period, groupBy, allowUnpriced: options.allowUnpriced, shadowDay: hasUsageDay(options.card, groupBy), daily: false }, { count: 0, examples: [] }, { pending: 0, passedOver: 0 });
}
