import { type CsvError } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import type { CsvReader, CsvRow } from '../../src/ingest/csv.js';
import { countBreaks } from '../../src/ingest/tokenizer.js';
import { InputError } from '../../src/util/errors.js';

/**
 * The reference CsvReader: csv-parse decides what the records are. It reads the whole text (it is
 * the oracle of the differential tests, not a production path) and counts lines itself from each
 * record's raw text, because csv-parse counts a CRLF inside quotes as two lines and reports an
 * unclosed quote where parsing stopped rather than where the quote opened.
 */
export const readCsvRowsReference: CsvReader = async function* (text, file) {
  let whole = '';
  for await (const chunk of text) whole += chunk;
  const rows: CsvRow[] = [];
  let line = 1;
  let width = -1;
  let crlfInQuotes = 0;
  try {
    parseSync(whole, {
      record_delimiter: ['\r\n', '\n', '\r'],
      skip_empty_lines: false,
      relax_quotes: false,
      relax_column_count: true,
      info: true,
      raw: true,
      // With `raw: true` each record arrives as { record, raw, info }; csv-parse's types do not say so.
      on_record: (({ record, raw }: { record: string[]; raw: string }) => {
        const start = line;
        const breaks = countBreaks(raw);
        line += breaks;
        const body = raw.replace(/(\r\n|\r|\n)$/, '');
        crlfInQuotes += (body.match(/\r\n/g) ?? []).length;
        if (record.length === 1 && record[0] === '' && !body.includes('"')) return null; // an empty line
        if (width === -1) width = record.length;
        else if (record.length !== width) {
          throw new InputError({ file, line: start + countBreaks(body) }, undefined, 'has a different number of fields than the header', 'every row needs one value per column; quote values that contain commas');
        }
        rows.push({ line: start, values: record });
        return null;
      }) as never,
    });
  } catch (error) {
    throw toInputError(error, file, line, crlfInQuotes);
  }
  for (let i = 0; i < rows.length; i += 256) yield rows.slice(i, i + 256);
};


/** csv-parse's errors as InputErrors; `recordStart` is where the failing record starts, `drift` csv-parse's extra lines. */
function toInputError(error: unknown, file: string, recordStart: number, drift: number): unknown {
  if (error instanceof InputError) return error;
  const csvError = error as Partial<CsvError> & { lines?: number; raw?: string };
  // The failing record's text so far gives its exact line; else csv-parse's count, less its CRLF drift.
  if (typeof csvError.raw === 'string') csvError.lines = recordStart + countBreaks(csvError.raw);
  else if (csvError.lines !== undefined) csvError.lines -= drift;
  switch (csvError.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
      return new InputError({ file, line: csvError.lines ?? recordStart }, undefined,
        'has a different number of fields than the header', 'every row needs one value per column; quote values that contain commas');
    case 'CSV_QUOTE_NOT_CLOSED':
      return new InputError({ file, line: recordStart }, undefined,
        'opens a quoted field that is never closed', 'close the quote or escape it as ""');
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return new InputError({ file, line: csvError.lines ?? recordStart }, undefined,
        'has characters after a closing quote', 'a quote inside a quoted field is written ""');
    case 'INVALID_OPENING_QUOTE':
      return new InputError({ file, line: csvError.lines ?? recordStart }, undefined,
        'has a quote inside an unquoted field', 'quote the whole field and write inner quotes as ""');
    default:
      if (csvError.code?.startsWith('CSV_')) {
        return new InputError({ file, line: csvError.lines ?? recordStart }, undefined, `is not valid CSV (${csvError.message})`);
      }
      return error;
  }
}
