import { fileHeads } from './open.js';

// The first records of NDJSON logs for --engine duckdb: whether a log names a key (the canonical schema's `kind`), read here
// from its first line instead of DuckDB sampling the lines to describe them (~60 ms a run); whether each file is gzip data.

/** How much of a file is read to find its first line. */
const HEAD_BYTES = 65536;

/**
 * `names`: whether the first record of one of the files (names, not patterns; a gzipped file's, inflated) is a JSON object
 * with key `key` (false when that cannot be told: a first line that is not a whole JSON object; DuckDB is asked then).
 * `gzip`: whether each file is gzip data, by its first bytes; undefined when a file could not be read.
 */
export async function ndjsonHeads(files: readonly string[], key: string): Promise<{ names: boolean; gzip: boolean[] | undefined }> {
  const heads = await fileHeads(files, HEAD_BYTES);
  if (heads === undefined) return { names: false, gzip: undefined };
  return { names: heads.some(({ head }) => firstRecordHas(head.toString('utf8'), key)), gzip: heads.map((h) => h.gzip) };
}

/** Whether the text's first line is a whole JSON object with key `key`. */
function firstRecordHas(text: string, key: string): boolean {
  const end = text.indexOf('\n');
  if (end < 0) return false;
  let record: unknown;
  try {
    record = JSON.parse(text.slice(0, end));
  } catch {
    return false;
  }
  return typeof record === 'object' && record !== null && !Array.isArray(record) && Object.hasOwn(record, key);
}
