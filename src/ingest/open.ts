import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { constants, createGunzip, gunzipSync } from 'node:zlib';
import { reasonOf, UsageError } from '../util/errors.js';

const READ_CHUNK = 1 << 20;
/**
 * Compressed bytes inflated to see a gzip file's head: tens of KiB of a log's text, and at most
 * about 16 MB however it was made (deflate inflates 1032-fold at most).
 */
const GZIP_PEEK = 1 << 14;

/** Whether bytes start as gzip does (1f 8b), whatever the file is called. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** A log file's extension, lower case, without a `.gz` after it (`may.csv.gz` is `.csv`). */
export function logExtension(path: string): string {
  const extension = extname(path).toLowerCase();
  return extension === '.gz' ? extname(path.slice(0, -3)).toLowerCase() : extension;
}

/** A gzip stream that cannot be read: one line naming the file. */
function gzipError(name: string, error: unknown): Error {
  if (error instanceof UsageError) return error;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (!code.startsWith('Z_') && !/zlib|gzip|header check|end of file/i.test((error as Error).message)) {
    return new UsageError(`cannot read ${name}: ${reasonOf(error)}`);
  }
  const cut = code === 'Z_BUF_ERROR' || /unexpected end of file/i.test((error as Error).message);
  return new UsageError(cut ? `${name}: the gzip data ends early: the file is cut short (unexpected end of file)` : `${name}: is not valid gzip data (${(error as Error).message})`);
}

/** Checks a path names something that can be read (a missing file or a directory is a usage error); whether it is a regular file. */
async function checkFile(path: string): Promise<boolean> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new UsageError(`${path} is a directory; give the log files in it`);
    return info.isFile();
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}

/**
 * What a path given to `--engine duckdb` is: `'file'`, a file to read (whatever characters its name holds: an existing file is
 * its name, as the shell gave it), or `'pattern'`, a path with a wildcard (`*`, `?`, `[`) that names no file, for DuckDB to
 * expand. A path without a wildcard that is missing or a directory: a usage error, as the in-process reader says it.
 */
export async function fileOrPattern(path: string): Promise<'file' | 'pattern'> {
  if (/[*?[]/.test(path)) return (await stat(path).then((info) => info.isFile(), () => false)) ? 'file' : 'pattern';
  await checkFile(path);
  return 'file';
}

/** A file opened for reading; one that cannot be is a usage error with the system's reason. */
async function openFile(path: string) {
  try {
    return await open(path, 'r');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : reasonOf(error)}`);
  }
}

/** Whether a file on disk is gzipped (by its first two bytes). */
export async function isGzipFile(path: string): Promise<boolean> {
  const handle = await openFile(path);
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return isGzip(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/**
 * The bytes of a file (or standard input for `-`) from byte `start`, read in 1 MiB chunks; a missing
 * file is a usage error. Gzipped input (by its first bytes, whatever its name) is inflated on the way
 * (`start` then counts inflated bytes). `onRead` is told the bytes read from the file itself (the
 * compressed ones of a gzip file), for progress against the file's size.
 */
export async function openBytes(path: string, start = 0, onRead?: (bytes: number) => void): Promise<AsyncIterable<Uint8Array>> {
  if (path === '-') return peeked('<stdin>', counting(process.stdin, onRead));
  // A pipe or a device (`<(zcat log.gz)`) is read once, in order: its first bytes are looked at on the way.
  if (!(await checkFile(path))) return peeked(path, counting(createReadStream(path, { highWaterMark: READ_CHUNK }), onRead), start);
  if (await isGzipFile(path)) return skipped(inflated(path, counting(createReadStream(path, { highWaterMark: READ_CHUNK }), onRead)), start);
  const file = createReadStream(path, { highWaterMark: READ_CHUNK, start });
  return onRead ? counting(file, onRead) : file;
}

async function* counting(chunks: AsyncIterable<Uint8Array>, onRead: ((bytes: number) => void) | undefined): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    onRead?.(chunk.length);
    yield chunk;
  }
}

/** A stream read once (standard input, a pipe), inflated when its first bytes are gzip's (`zcat` need not come first). */
async function peeked(name: string, chunks: AsyncGenerator<Uint8Array>, skip = 0): Promise<AsyncIterable<Uint8Array>> {
  const { head, all } = await peek(chunks, 2);
  return skipped(isGzip(head) ? inflated(name, all) : all, skip);
}

/** At least the first `bytes` bytes of a stream (fewer when it is shorter), and the whole stream again, none lost. */
export async function peek(chunks: AsyncIterator<Uint8Array>, bytes: number): Promise<{ head: Buffer; all: AsyncGenerator<Uint8Array> }> {
  const taken: Uint8Array[] = [];
  let length = 0;
  while (length < bytes) {
    const next = await chunks.next();
    if (next.done) break;
    taken.push(next.value);
    length += next.value.length;
  }
  const all = (async function* () {
    yield* taken;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
  })();
  return { head: Buffer.concat(taken), all };
}

/** The chunks from byte `skip` on. */
async function* skipped(chunks: AsyncIterable<Uint8Array>, skip: number): AsyncGenerator<Uint8Array> {
  if (skip === 0) return yield* chunks;
  for await (const chunk of chunks) {
    if (skip >= chunk.length) {
      skip -= chunk.length;
      continue;
    }
    yield skip > 0 ? chunk.subarray(skip) : chunk;
    skip = 0;
  }
}

/** Gzip inflated chunk by chunk (several members one after another too, as `cat a.gz b.gz` makes). */
async function* inflated(name: string, compressed: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const gunzip = createGunzip({ chunkSize: 1 << 16 });
  pipeline(compressed as Readable | AsyncIterable<Uint8Array>, gunzip, () => {});
  try {
    yield* gunzip as AsyncIterable<Buffer>;
  } catch (error) {
    throw gzipError(name, error);
  } finally {
    gunzip.destroy();
  }
}

/** What the byte scanners read a file through: positioned reads in order from the start, and close. */
export interface ByteSource {
  readonly gzip: boolean;
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
  /** Bytes of the file itself read so far, where they differ from the bytes handed out (gzip). */
  fileBytes?(): number;
}

/** A file for the byte scanners: the file itself, or its inflated bytes when it is gzipped (read in order only). */
export async function openSource(path: string): Promise<ByteSource> {
  if (await isGzipFile(path)) return new InflatedSource(path);
  const handle = await openFile(path);
  return { gzip: false, read: (buffer, offset, length, position) => handle.read(buffer, offset, length, position), close: () => handle.close() };
}

/** A gzip file's inflated bytes as positioned reads, each starting where the one before ended. */
class InflatedSource implements ByteSource {
  readonly gzip = true;
  private readonly chunks: AsyncGenerator<Uint8Array>;
  private pending: Uint8Array = new Uint8Array(0);
  private at = 0;
  private position = 0;
  private compressed = 0;

  constructor(path: string) {
    this.chunks = inflated(path, counting(createReadStream(path, { highWaterMark: READ_CHUNK }), (bytes) => (this.compressed += bytes)));
  }

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
    if (position !== this.position) throw new Error(`a gzip stream is read in order: asked for byte ${position} at ${this.position}`);
    let n = 0;
    while (n < length) {
      if (this.at === this.pending.length) {
        const next = await this.chunks.next();
        if (next.done) break;
        this.pending = next.value;
        this.at = 0;
      }
      const take = Math.min(length - n, this.pending.length - this.at);
      buffer.set(this.pending.subarray(this.at, this.at + take), offset + n);
      this.at += take;
      n += take;
    }
    this.position += n;
    return { bytesRead: n };
  }

  async close(): Promise<void> {
    await this.chunks.return(undefined);
  }

  fileBytes(): number {
    return this.compressed;
  }
}

/** The first bytes of each file (`fileHead`, up to `bytes`) and whether it is gzip data; undefined when one cannot be read. */
export async function fileHeads(files: readonly string[], bytes: number): Promise<{ head: Buffer; gzip: boolean }[] | undefined> {
  const heads: { head: Buffer; gzip: boolean }[] = [];
  for (const path of files) {
    try {
      heads.push(await fileHead(path, bytes));
    } catch {
      return undefined;
    }
  }
  return heads;
}

/**
 * The first bytes of a file as a reader sees them (inflated when gzipped; up to `bytes`, fewer when
 * the file or its first GZIP_PEEK bytes of gzip hold fewer), whether it is gzipped, and, for gzip, the inflated
 * size its trailer gives (the last member's, modulo 2³²: an estimate).
 */
export async function fileHead(path: string, bytes: number): Promise<{ head: Buffer; gzip: boolean; inflatedSize: number | undefined }> {
  const handle = await openFile(path);
  try {
    const raw = Buffer.alloc(Math.max(bytes, GZIP_PEEK));
    const { bytesRead } = await handle.read(raw, 0, raw.length, 0);
    const read = raw.subarray(0, bytesRead);
    if (!isGzip(read)) return { head: read.subarray(0, bytes), gzip: false, inflatedSize: undefined };
    let head: Buffer;
    try {
      head = gunzipSync(read.subarray(0, GZIP_PEEK), { finishFlush: constants.Z_SYNC_FLUSH });
    } catch (error) {
      throw gzipError(path, error);
    }
    const size = (await handle.stat()).size;
    const trailer = Buffer.alloc(4);
    await handle.read(trailer, 0, 4, Math.max(0, size - 4));
    return { head: head.subarray(0, bytes), gzip: true, inflatedSize: trailer.readUInt32LE(0) };
  } finally {
    await handle.close();
  }
}
