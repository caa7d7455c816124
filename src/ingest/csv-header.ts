import { fileHead } from './open.js';

// The header lines of CSV logs, for a reader that matches columns by position when every file has the same (--engine duckdb).

/** A path DuckDB expands itself: its files are not known here. */
const GLOB = /[*?[]/;

/** Whether every path is one file (no glob) and all begin with the same header line (a gzipped file's, inflated). */
export async function sameCsvHeader(paths: readonly string[]): Promise<boolean> {
  if (paths.some((path) => GLOB.test(path))) return false;
  if (paths.length === 1) return true;
  const headers = new Set<string>();
  for (const path of paths) {
    let head: Buffer;
    try {
      ({ head } = await fileHead(path, HEADER_BYTES));
    } catch {
      return false;
    }
    const text = head.toString('utf8');
    const end = text.search(/\r?\n/);
    if (end < 0) return false;
    headers.add(text.slice(0, end).replace(/^\uFEFF/, ''));
  }
  return headers.size === 1;
}

/** How much of a CSV file is read to find its header line. */
const HEADER_BYTES = 65536;
