import { parse, type CsvError } from 'csv-parse';
import { InputError } from '../util/errors.js';

/** One CSV record as text fields, with the line it starts on. The first row is the header. */
export interface CsvRow {
  line: number;
  values: string[];
}

/**
 * The one seam between tallyman and a CSV tokenizer: decoded text in, rows out. Quoting follows
 * RFC 4180; CRLF, LF and CR line ends may be mixed; a ragged row or a broken quote is an InputError
 * naming its line. csv-parse is the reference implementation of what a CSV means here.
 */
export type CsvReader = (text: AsyncIterable<string>, file: string) => AsyncIterable<CsvRow>;

/** The reference CsvReader, built on csv-parse, values kept as strings (no casting). */
export const readCsvRows: CsvReader = async function* (text, file) {
  const parser = parse({
    record_delimiter: ['\r\n', '\n', '\r'],
    skip_empty_lines: true,
    info: true,
    relax_quotes: false,
    relax_column_count: false,
  });
  let lastEnd = 0;
  // Feeds the parser with backpressure; stops when the parser is destroyed (the reader stopped early).
  const feed = (async () => {
    try {
      for await (const chunk of text) {
        if (parser.destroyed) return;
        if (!parser.write(chunk)) await drainOrClose(parser);
      }
      if (!parser.destroyed) parser.end();
    } catch (error) {
      parser.destroy(error as Error);
    }
  })();
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const end = item.info.lines;
      yield { line: end - embeddedLineBreaks(item.record), values: item.record };
      lastEnd = end;
    }
  } catch (error) {
    throw toInputError(error, file, lastEnd + 1);
  } finally {
    if (!parser.writableFinished) parser.destroy();
    await feed;
  }
};

/** Waits until the parser wants more, or is gone; leaves no listener behind either way. */
function drainOrClose(parser: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      parser.off('drain', done);
      parser.off('close', done);
      resolve();
    };
    parser.on('drain', done);
    parser.on('close', done);
  });
}

function embeddedLineBreaks(values: string[]): number {
  let breaks = 0;
  for (const value of values) {
    if (value.includes('\n') || value.includes('\r')) breaks += value.match(/\r\n|\r|\n/g)!.length;
  }
  return breaks;
}

function toInputError(error: unknown, file: string, recordStart: number): unknown {
  if (error instanceof InputError) return error;
  const csvError = error as Partial<CsvError> & { lines?: number };
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
