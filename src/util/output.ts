import { randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants, mkdirSync, openSync, realpathSync, renameSync, rmdirSync, rmSync, statSync, writeSync, type Stats } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { reasonOf, UsageError } from './errors.js';

/**
 * Refuses, before any work, an output file that cannot be written: one of the command's inputs (a
 * log, a card, an account, a statement, a config), which would be overwritten by the report of
 * itself; a folder; a file in a folder that does not exist or cannot be written in.
 */
export function checkOut(out: string | undefined, inputs: readonly (string | undefined)[]): void {
  if (out === undefined || out === '-') return;
  const target = canonical(out);
  for (const input of inputs) {
    if (input === undefined || input === '-') continue;
    if (canonical(input) === target) throw new UsageError(`--out ${out} is one of the command's inputs (${input}): write the output to another file`);
  }
  checkWritable(out);
}

/** A one-line usage error when `out` is a folder, or its folder is missing, not a folder or not writable. */
function checkWritable(out: string): void {
  const existing = statOf(out);
  if (existing?.isDirectory()) throw new UsageError(`--out ${out} is a folder: name a file in it, e.g. ${join(out, 'report.txt')}`);
  // A device or a pipe is written to in place; a file is written beside itself and renamed over it.
  if (existing !== undefined && !existing.isFile()) return access(out, `--out ${out} cannot be written`);
  const folder = dirname(out);
  const holder = statOf(folder);
  if (holder === undefined) throw new UsageError(`--out ${out}: the folder ${folder} does not exist; create it first (mkdir -p ${folder})`);
  if (!holder.isDirectory()) throw new UsageError(`--out ${out}: ${folder} is not a folder`);
  access(folder, `--out ${out}: cannot write in the folder ${folder}`);
}

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function access(path: string, message: string): void {
  try {
    accessSync(path, constants.W_OK);
  } catch (error) {
    throw new UsageError(`${message} (${reasonOf(error)})`);
  }
}

/** A path as the file system resolves it (through symlinks when the file exists). */
function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/**
 * Writes command output to `--out FILE` or standard output, waiting for the write to drain so that
 * nothing is cut off when the process ends. A file is written whole or not at all: to a temporary
 * file beside it, then renamed over it, so that an interrupted run, a full disk or two runs at once
 * never leave a mixed or truncated file (the previous one stays until the new one is complete).
 * An `--out` that is not a regular file (`/dev/null`, `/dev/stdout`, a pipe) is written to, never
 * replaced. A reader that went away (`| head`) is not an error; any other failed write is one line.
 * Text in pieces (an iterable of strings) is written piece by piece, each made when the last is written.
 */
export async function emit(text: string | Uint8Array | Iterable<string>, out: string | undefined): Promise<void> {
  if (out === undefined || out === '-') return writeStdout(text);
  if (isSpecialFile(out)) {
    await writeFile(out, text).catch((error: unknown) => {
      throw new UsageError(`cannot write ${out}: ${reasonOf(error)}`);
    });
    return;
  }
  const temporary = join(dirname(out), `.${basename(out)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, text, { flag: 'wx' });
    await rename(temporary, out);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new UsageError(`cannot write ${out}: ${reasonOf(error)}`);
  }
}

/** Standard output, drained; a closed pipe ends the output quietly, a full disk is an error. */
export async function writeStdout(text: string | Uint8Array | Iterable<string>): Promise<void> {
  if (typeof text === 'string' || text instanceof Uint8Array) {
    await writeOne(text);
    return;
  }
  for (const piece of text) if (!(await writeOne(piece))) return;
}

/** One write to standard output, drained: false when the reader went away. */
function writeOne(text: string | Uint8Array): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    process.stdout.write(text, (error) => {
      if (!error) resolve(true);
      else if ((error as NodeJS.ErrnoException).code === 'EPIPE') resolve(false);
      else reject(new UsageError(`cannot write standard output: ${reasonOf(error)}`));
    });
  });
}

/** A path that exists and is not a regular file once links are followed: a device, a pipe, a socket. */
function isSpecialFile(path: string): boolean {
  try {
    return !statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * An output file written in pieces as they are made (a normalized log of any length), whole or not
 * at all like `emit`: into a temporary file beside it, renamed over it by `commit`; `abort` removes
 * it. A device or a pipe (`/dev/null`) is written in place.
 */
export class AtomicFile {
  private readonly fd: number;
  private readonly temporary: string | undefined;

  constructor(private readonly out: string) {
    this.temporary = isSpecialFile(out) ? undefined : join(dirname(out), `.${basename(out)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      this.fd = openSync(this.temporary ?? out, this.temporary ? 'wx' : 'w');
    } catch (error) {
      throw new UsageError(`cannot write ${out}: ${reasonOf(error)}`);
    }
  }

  /** Appends bytes or text. */
  write(chunk: Uint8Array | string): void {
    try {
      if (typeof chunk === 'string') writeSync(this.fd, chunk);
      else for (let at = 0; at < chunk.length; ) at += writeSync(this.fd, chunk, at, chunk.length - at);
    } catch (error) {
      this.abort();
      throw new UsageError(`cannot write ${this.out}: ${reasonOf(error)}`);
    }
  }

  /** Puts the file in place. */
  commit(): void {
    try {
      closeSync(this.fd);
      if (this.temporary) renameSync(this.temporary, this.out);
    } catch (error) {
      if (this.temporary) rmSync(this.temporary, { force: true });
      throw new UsageError(`cannot write ${this.out}: ${reasonOf(error)}`);
    }
  }

  /** Drops what was written (the previous file, if any, stays). */
  abort(): void {
    try {
      closeSync(this.fd);
    } catch {
      // closed already
    }
    if (this.temporary) rmSync(this.temporary, { force: true });
  }
}

/** Refuses an output folder (`--out-dir`) that exists and is not a folder; a missing one is made when written to. */
export function checkOutFolder(flag: string, dir: string): void {
  const existing = statOf(dir);
  if (existing !== undefined && !existing.isDirectory()) throw new UsageError(`${flag} ${dir} is not a folder`);
}

/** Makes a folder and its parents (`mkdir -p`), giving the first one it made (none if all were there); one that cannot be made is one line. */
export function makeFolder(flag: string, dir: string): string | undefined {
  try {
    return mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new UsageError(`${flag}: cannot create ${dir} (${reasonOf(error)})`);
  }
}

/**
 * Output files written all or none (the FOCUS files of `--out-dir`, one per billing period): each
 * an `AtomicFile`, written in pieces into a temporary file beside it, its folder made if missing.
 * `commit` puts them all in place once every one is written; `abort` removes the temporaries and
 * the folders it made, so that a failure leaves the folders as they were.
 */
export class FileSet {
  private readonly files: AtomicFile[] = [];
  /** The folders made for the files, parents before their children. */
  private readonly made: string[] = [];

  /** `flag` names the output in messages (`--out-dir DIR`); `inputs` are the command's, never written over (`checkOut`). */
  constructor(private readonly flag: string, private readonly inputs: readonly (string | undefined)[]) {}

  /** Opens one more file of the set, making its folder first. */
  open(path: string): AtomicFile {
    const folder = dirname(path);
    const first = makeFolder(this.flag, folder);
    // Made: `first` and the folders under it down to `folder`.
    const made: string[] = [];
    for (let at = folder; first !== undefined; at = dirname(at)) {
      made.unshift(at);
      if (resolve(at) === resolve(first) || dirname(at) === at) break;
    }
    this.made.push(...made);
    checkOut(path, this.inputs);
    const file = new AtomicFile(path);
    this.files.push(file);
    return file;
  }

  /** Puts every file in place (the first that cannot be drops those after it). */
  commit(): void {
    for (const [at, file] of this.files.entries()) {
      try {
        file.commit();
      } catch (error) {
        for (const rest of this.files.slice(at + 1)) rest.abort();
        throw error;
      }
    }
  }

  /** Drops every file written (the previous ones, if any, stay) and the folders made for them. */
  abort(): void {
    for (const file of this.files) file.abort();
    for (const folder of [...this.made].reverse()) {
      try {
        rmdirSync(folder);
      } catch {
        // not empty (written meanwhile by another run), or gone
      }
    }
  }
}

/** One line on standard error. */
export function note(line: string): void {
  process.stderr.write(`${line}\n`);
}
