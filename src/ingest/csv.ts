import { CsvTokenizer } from './tokenizer.js';

/** One CSV record as text fields, with the line it starts on. The first row is the header. */
export interface CsvRow {
  line: number;
  values: string[];
}

/**
 * The one seam between tallyman and a CSV tokenizer: decoded text in, batches of rows out. Quoting
 * follows RFC 4180; CRLF, LF and CR line ends may be mixed; a ragged row or a broken quote is an
 * InputError naming its line. csv-parse is the reference of what a CSV means here (in the tests:
 * test/ingest/csv-reference.ts, held to this reader by a differential test).
 */
export type CsvReader = (text: AsyncIterable<string>, file: string) => AsyncIterable<CsvRow[]>;

/**
 * The fast CsvReader: tallyman's own tokenizer, a batch of rows per decoded chunk. `from` resumes
 * after a header read elsewhere: the text starts on that line, and rows are that wide.
 */
export async function* readCsvRows(text: AsyncIterable<string>, file: string, from?: { line: number; width: number }): AsyncGenerator<CsvRow[]> {
  const tokenizer = new CsvTokenizer(file, from);
  for await (const chunk of text) {
    const rows = tokenizer.push(chunk);
    if (rows.length > 0) yield rows;
    tokenizer.rethrow();
  }
  const rows = tokenizer.end();
  if (rows.length > 0) yield rows;
  tokenizer.rethrow();
};
