import { fileHeads } from './open.js';

// The header lines of CSV logs for --engine duckdb: whether every file has the same (DuckDB then matches columns by position),
// and the columns it names from a plain one (DuckDB is not asked to describe the files then); whether each is gzip data.

/** A header line of plain names (letters, digits, underscores): the columns DuckDB names from it are its parts when no two are the same in any case. */
const PLAIN_HEADER = /^[A-Za-z_][A-Za-z0-9_]*(,[A-Za-z_][A-Za-z0-9_]*)*$/;

/** What is known of CSV logs' header lines, and whether each file is gzip data. */
export interface CsvHeader {
  /** All files begin with the same header line (a gzipped file's, inflated). */
  same: boolean;
  /** The names in that line when it is plain (no quotes, spaces, or names alike in any case), else undefined (the reader names them itself). */
  columns: string[] | undefined;
  /** Whether each file is gzip data, known by its first bytes whatever its name; undefined when a file could not be read. */
  gzip: boolean[] | undefined;
}

/** The header every file (a name, not a pattern) begins with (`CsvHeader`). */
export async function csvHeader(files: readonly string[]): Promise<CsvHeader> {
  const heads = await fileHeads(files, HEADER_BYTES);
  if (heads === undefined) return { same: false, columns: undefined, gzip: undefined };
  const gzip = heads.map((h) => h.gzip);
  const headers = new Set<string>();
  let lineless = false;
  for (const { head } of heads) {
    const text = head.toString('utf8');
    const end = text.search(/\r?\n/);
    // No line end in the head (a header alone, an empty file, a header past 64 KiB): the reader names the columns.
    if (end < 0) lineless = true;
    else headers.add(text.slice(0, end));
  }
  if (lineless) return { same: files.length === 1, columns: undefined, gzip };
  if (headers.size !== 1) return { same: false, columns: undefined, gzip };
  // A byte-order mark is not named here: the reader decides what it makes of it.
  const line = [...headers][0]!;
  if (line.startsWith('\uFEFF')) return { same: true, columns: undefined, gzip };
  const names = line.split(',');
  // DuckDB tells names apart without case: it renames the second of `id,ID` (`ID_1`), and binds "id" to either.
  return { same: true, columns: PLAIN_HEADER.test(line) && new Set(names.map((n) => n.toLowerCase())).size === names.length ? names : undefined, gzip };
}

/** How much of a CSV file is read to find its header line. */
const HEADER_BYTES = 65536;
