import { stat } from 'node:fs/promises';
import { fileHead, logExtension } from './open.js';
import { isParquet } from './parquet.js';
import type { CanonicalField } from './record.js';

/** A file the byte scanner reads: its format, and whether it is gzipped (then it is read in order, on one thread). */
export interface ByteFormat {
  format: 'csv' | 'ndjson' | 'parquet';
  gzip: boolean;
}

/**
 * The byte scanner's formats for every path (regular files only: Parquet by its first bytes, CSV, or NDJSON by its extension
 * when no --map renames fields; gzipped or not, by the first bytes, with the extension before a
 * `.gz`), or undefined to read the log the record way (stdin, JSON documents).
 */
export async function byteFormats(paths: readonly string[], map: ReadonlyMap<CanonicalField, string>): Promise<ByteFormat[] | undefined> {
  const formats: ByteFormat[] = [];
  for (const path of paths) {
    if (path === '-') return undefined;
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    const { head, gzip } = await fileHead(path, 4096);
    if (isParquet(head)) {
      // A gzipped Parquet file cannot be read at offsets: the record way holds it whole.
      if (gzip) return undefined;
      formats.push({ format: 'parquet', gzip });
      continue;
    }
    const extension = logExtension(path);
    if (extension === '.ndjson' || extension === '.jsonl') {
      if (map.size > 0) return undefined;
      formats.push({ format: 'ndjson', gzip });
      continue;
    }
    if (extension === '.json') return undefined;
    if (extension !== '.csv') {
      const text = head.toString('latin1').replace(/^\xef\xbb\xbf/, '').trimStart();
      if (text === '' || text.startsWith('[') || text.startsWith('{')) return undefined;
    }
    formats.push({ format: 'csv', gzip });
  }
  return formats;
}

/** The size in bytes of each file (for progress, and to cut a big file for a worker). */
export async function fileSizes(paths: readonly string[]): Promise<number[]> {
  return Promise.all(paths.map(async (path) => (await stat(path)).size));
}
