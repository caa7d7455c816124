import { tableColumns, tableOf } from '../pricing/bucket-table.js';
import type { Invoice } from '../pricing/invoice.js';
import { csvRecord, csvText } from './csv.js';
import { SCHEMA_VERSION } from './schema-version.js';

/**
 * The bucket table of an invoice (docs/sql.md) as CSV: a data file for `invoice --buckets` and for
 * warehouses, so text is written as it is (not neutralised for spreadsheets) and empty cells are
 * "not given".
 */
export function renderBucketsCsv(invoice: Invoice): string {
  const columns = tableColumns(invoice.groupBy, invoice.usageDay === true);
  const rows = tableOf(invoice).map((row) => columns.map((c) => (row[c] === null ? '' : String(row[c]))));
  return csvText([columns, ...rows].map(csvRecord));
}

/** The bucket table as JSON: `schema_version`, the columns, and the rows as objects (integers as numbers). */
export function renderBucketsJson(invoice: Invoice): string {
  return `${JSON.stringify({ schema_version: SCHEMA_VERSION, command: 'buckets', columns: tableColumns(invoice.groupBy, invoice.usageDay === true), rows: tableOf(invoice) }, null, 2)}\n`;
}
