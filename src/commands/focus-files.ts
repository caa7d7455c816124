import { extname, join } from 'node:path';
import type { Invoice } from '../pricing/invoice.js';
import { focusCsv, focusParquet, focusRows, type FocusRow } from '../report/focus.js';

export { FOCUS_GROUP_BY } from '../report/focus.js';
import { UsageError } from '../util/errors.js';
import { checkOut, checkOutFolder, emit, makeFolder } from '../util/output.js';

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
 * Hive-style partition Spark, DuckDB, Athena and BigQuery read as a column. Each file is written
 * whole or not at all; a billing period the run has no charges in is left as it was (a reload of
 * May does not touch April). Charges with no day (undated records) go to `billing_period=undated`.
 */
export async function writeFocusFiles(invoice: Invoice, target: { out?: string | undefined; outDir?: string | undefined; fileFormat: 'parquet' | 'csv' }, inputs: readonly string[]): Promise<void> {
  const rows = focusRows(invoice);
  const dir = target.outDir;
  if (dir === undefined) return emit(focusParquet(rows), target.out);
  const byMonth = new Map<string, FocusRow[]>();
  for (const row of rows) {
    const month = row.month ?? 'undated';
    const part = byMonth.get(month);
    if (part === undefined) byMonth.set(month, [row]);
    else part.push(row);
  }
  // Every file is made before any is written, so that a failure (a price past DECIMAL(38,9)) writes none.
  const files = [...byMonth].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([month, part]) => ({
    path: join(dir, `billing_period=${month}`, `focus.${target.fileFormat}`),
    content: target.fileFormat === 'parquet' ? focusParquet(part) : focusCsv(part),
  }));
  for (const file of files) {
    makeFolder(`--out-dir ${dir}`, join(file.path, '..'));
    checkOut(file.path, inputs);
    await emit(file.content, file.path);
  }
}
