import { open, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import type { CanonicalField } from './record.js';

/**
 * The byte scanner's formats for every path (regular files only: CSV, or NDJSON by its extension
 * when no --map renames fields), or undefined to read the log the record way (stdin, JSON documents).
 */
export async function byteFormats(paths: readonly string[], map: ReadonlyMap<CanonicalField, string>): Promise<('csv' | 'ndjson')[] | undefined> {
  const formats: ('csv' | 'ndjson')[] = [];
  for (const path of paths) {
    if (path === '-') return undefined;
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    const extension = extname(path).toLowerCase();
    if (extension === '.ndjson' || extension === '.jsonl') {
      if (map.size > 0) return undefined;
      formats.push('ndjson');
      continue;
    }
    if (extension === '.json') return undefined;
    if (extension !== '.csv') {
      const handle = await open(path, 'r');
      try {
        const head = Buffer.alloc(4096);
        const { bytesRead } = await handle.read(head, 0, head.length, 0);
        const text = head.toString('latin1', 0, bytesRead).replace(/^\xef\xbb\xbf/, '').trimStart();
        if (text === '' || text.startsWith('[') || text.startsWith('{')) return undefined;
      } finally {
        await handle.close();
      }
    }
    formats.push('csv');
  }
  return formats;
}


/** The size in bytes of each file (for progress, and to cut a big file for a worker). */
export async function fileSizes(paths: readonly string[]): Promise<number[]> {
  return Promise.all(paths.map(async (path) => (await stat(path)).size));
}
