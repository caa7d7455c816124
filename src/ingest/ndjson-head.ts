import { fileHead, isGlob } from './open.js';

// The first record of NDJSON logs for --engine duckdb: whether a log names a key (the canonical schema's `kind`) is read here
// from its first line, instead of DuckDB sampling the lines to describe them (~60 ms a run).

/** How much of a file is read to find its first line. */
const HEAD_BYTES = 65536;

/**
 * Whether the first record of one of the files (a gzipped file's, inflated) is a JSON object with key `key`; undefined when
 * that cannot be told here (a glob, a file not read, a first line that is not a whole JSON object): DuckDB is asked then.
 */
export async function firstRecordHas(paths: readonly string[], key: string): Promise<boolean | undefined> {
  if (paths.some(isGlob)) return undefined;
  for (const path of paths) {
    let head: Buffer;
    try {
      ({ head } = await fileHead(path, HEAD_BYTES));
    } catch {
      return undefined;
    }
    const text = head.toString('utf8');
    const end = text.indexOf('\n');
    if (end < 0) return undefined;
    let record: unknown;
    try {
      record = JSON.parse(text.slice(0, end));
    } catch {
      return undefined;
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) return undefined;
    if (Object.hasOwn(record, key)) return true;
  }
  return undefined;
}
