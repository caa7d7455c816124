import { extname, join } from 'node:path';
import type { Invoice } from '../pricing/invoice.js';
import { focusFiles } from '../report/focus.js';

export { FOCUS_GROUP_BY } from '../report/focus.js';
import { UsageError } from '../util/errors.js';
import { checkOutFolder, FileSet } from '../util/output.js';

/** Whether `--out` names a Parquet file (by its extension). */
export function isParquet(out: string | undefined): boolean {
  return out !== undefined && extname(out).toLowerCase() === '.parquet';
}

/** `--out-dir` goes with `--format focus`, never with `--out`, and names a folder (made if missing). */
export function checkOutDir(flags: { format: string; out?: string | undefined; outDir?: string | undefined }): void {
  if (flags.format !== 'focus') throw new UsageError('--out-dir writes one FOCUS file per billing period: add --format focus');
  if (flags.out !== undefined) throw new UsageError('--out-dir and --out both name where to write: give one of them');
  checkOutFolder('--out-dir', flags.outDir!);
}

/**
 * Writes an invoice's FOCUS rows: to `--out x.parquet` as one Parquet file, or with `--out-dir DIR`
 * as one file per billing period, `DIR/billing_period=YYYY-MM/focus.parquet` (or `.csv`), the
 * Hive-style partition Spark, DuckDB, Athena and BigQuery read as a column. Each file is written in
 * pieces as its rows are made, into a temporary file beside it, and all are put in place only once
 * every one is complete: a failure (a price past DECIMAL(38,9)) writes none. A billing period the
 * run has no charges in is left as it was (a reload of May does not touch April). Charges with no
 * day (undated records) go to `billing_period=undated`.
 */
export function writeFocusFiles(invoice: Invoice, target: { out?: string | undefined; outDir?: string | undefined; fileFormat: 'parquet' | 'csv' }, inputs: readonly string[]): void {
  const dir = target.outDir;
  const format = dir === undefined ? 'parquet' : target.fileFormat;
  const set = new FileSet(dir === undefined ? `--out ${target.out}` : `--out-dir ${dir}`, inputs);
  try {
    // Every file is opened (its folder made, refused if it is an input) before any is written.
    const files = focusFiles(invoice, format, dir !== undefined).map((file) => ({
      out: set.open(dir === undefined ? target.out! : join(dir, `billing_period=${file.period}`, `focus.${format}`)),
      pieces: file.pieces,
    }));
    for (const { out, pieces } of files) for (const piece of pieces) out.write(piece);
  } catch (error) {
    set.abort();
    throw error;
  }
  set.commit();
}
