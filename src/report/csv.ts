import { stringify } from 'csv-stringify/sync';

const FORMULA_START = /^[=+\-@\t\r]/;

/** A text cell made safe for spreadsheets: a leading `=`, `+`, `-`, `@`, tab or CR is defused with `'`. */
export function safeText(value: string | null): string {
  if (value === null) return '';
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** A cell of a CSV row: text is neutralised, numbers (already formatted as decimal strings) stay numbers. */
export type Cell = { text: string | null } | { number: string };

/** Writes rows as RFC 4180 CSV with LF line ends; any field with a line break or comma is quoted. */
export function writeCsv(header: readonly string[], rows: readonly Cell[][]): string {
  const records = rows.map((row) => row.map((cell) => ('number' in cell ? cell.number : safeText(cell.text))));
  return stringify([header as string[], ...records], { record_delimiter: 'unix', quoted_match: /[\r\n]/ });
}
