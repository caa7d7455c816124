const FORMULA_START = /^[=+\-@\t\r]/;
/** A field that must be quoted: it holds the delimiter, a quote or a line break. */
const NEEDS_QUOTES = /[",\r\n]/;

/** A text cell made safe for spreadsheets: a leading `=`, `+`, `-`, `@`, tab or CR is defused with `'`. */
export function safeText(value: string | null): string {
  if (value === null) return '';
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** A cell of a CSV row: text is neutralised, numbers (already formatted as decimal strings) stay numbers. */
export type Cell = { text: string | null } | { number: string };

/**
 * One CSV record, without its line end: fields holding a comma, a quote, CR or LF quoted, quotes
 * doubled, an empty field left empty (RFC 4180, as csv-stringify writes it with `quoted_match:
 * /[\r\n]/`). Fields are taken as they are: pass text cells through `safeText`.
 */
export function csvRecord(fields: readonly string[]): string {
  return fields.map((field) => (NEEDS_QUOTES.test(field) ? `"${field.replaceAll('"', '""')}"` : field)).join(',');
}

/**
 * Records as CSV text, each ended by LF. Joined once, never added piece by piece: a text made by
 * `+=` is a tree of its pieces until read, and 600,000 records held that way took a kilobyte each.
 */
export function csvText(records: readonly string[]): string {
  return [...records, ''].join('\n');
}

/** A cell's field: a number as written, text neutralised for spreadsheets. */
export function cellText(cell: Cell): string {
  return 'number' in cell ? cell.number : safeText(cell.text);
}

/** Writes rows as RFC 4180 CSV with LF line ends; any field with a line break or comma is quoted. */
export function writeCsv(header: readonly string[], rows: readonly Cell[][]): string {
  return csvText([csvRecord(header), ...rows.map((row) => csvRecord(row.map(cellText)))]);
}
