import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { UsageError } from '../util/errors.js';

const READ_CHUNK = 1 << 20;

/** The bytes of a file (or standard input for `-`) from byte `start`, read in 1 MiB chunks; a missing file is a usage error. */
export async function openBytes(path: string, start = 0): Promise<AsyncIterable<Uint8Array>> {
  if (path === '-') return process.stdin;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new UsageError(`${path} is a directory; give the log files in it`);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  return createReadStream(path, { highWaterMark: READ_CHUNK, start });
}
