import { closeSync, openSync, readSync } from 'node:fs';

// The header lines of CSV logs, for a reader that matches columns by position when every file has the same (--engine duckdb).

/** Whether every path is one file (no glob) and all begin with the same header line. */
export function sameCsvHeader(paths: readonly string[]): boolean {
  if (paths.length === 1 && !/[*?[]/.test(paths[0]!)) return true;
  const headers = new Set<string>();
  for (const path of paths) {
    if (/[*?[]/.test(path)) return false;
    let fd: number | undefined;
    try {
      fd = openSync(path, 'r');
      const buffer = Buffer.alloc(HEADER_BYTES);
      const text = buffer.subarray(0, readSync(fd, buffer, 0, HEADER_BYTES, 0)).toString('utf8');
      const end = text.search(/\r?\n/);
      if (end < 0) return false;
      headers.add(text.slice(0, end).replace(/^\uFEFF/, ''));
    } catch {
      return false;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
  return headers.size === 1;
}

/** How much of a CSV file is read to find its header line. */
const HEADER_BYTES = 65536;
