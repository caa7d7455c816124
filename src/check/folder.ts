import { lstatSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { reasonOf, UsageError } from '../util/errors.js';

const RULE = 'a check config reads and writes only files below its own folder';

/**
 * The folder of a check config: the only place its paths may lead. A config comes with the pull
 * request it checks and names logs, cards and golden files, which `--update` writes; a path that
 * left the folder (`../../x`, `/home/x`, a link that points out) would let it read or overwrite any
 * file the user can. Paths are resolved against the folder; an absolute path or one that climbs out
 * is refused, and so is one whose real path (every link resolved) is outside the folder's real path.
 */
export class ConfigFolder {
  private constructor(
    /** The config file as the user named it, first in every message. */
    private readonly config: string,
    /** The folder as paths in the config are resolved against it. */
    readonly path: string,
    /** The folder with every link resolved: where the real path of every file must stay. */
    private readonly real: string,
  ) {}

  /** The folder of a config file that exists (it has been read). */
  static of(config: string): ConfigFolder {
    const path = dirname(resolve(config));
    return new ConfigFolder(config, path, realpathSync(path));
  }

  /**
   * A file the config names to read (a log, a card, a golden): its real path, or undefined when there
   * is none. Refused when it leads out of the folder or is not a regular file (a folder, a device, a pipe).
   */
  readable(named: string, what: string): string | undefined {
    return this.realFile(this.lexical(named, what), named, what);
  }

  /** A file reached from one the config names (a card's `extends`), given as an absolute path: refused like one the config names. */
  allows(path: string, what: string): void {
    const named = relative(this.path, path);
    if (outside(named)) throw this.problem(what, named, `leads out of the config's folder; ${RULE}`);
    this.realFile(path, named, what);
  }

  /**
   * Where `--update` writes a file the config names: the real path of the file when it exists (a
   * regular file in the folder), else the real path of its folder, which must exist in the folder.
   */
  writable(named: string, what: string): string {
    const path = this.lexical(named, what);
    if (exists(path)) {
      const real = this.realFile(path, named, what);
      if (real === undefined) throw this.problem(what, named, `is a link to a file that does not exist; ${RULE}`);
      return real;
    }
    let folder: string;
    try {
      folder = realpathSync(dirname(path));
    } catch (error) {
      throw this.problem(what, named, `cannot be written: its folder ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${reasonOf(error)})`}`);
    }
    if (!this.holds(folder)) throw this.problem(what, named, `leads out of the config's folder through a symbolic link; ${RULE}`);
    return join(folder, basename(path));
  }

  /** A one-line error about a file the config names: the config, the case and the file, then the problem. */
  problem(what: string, named: string, problem: string): UsageError {
    return new UsageError(`${this.config}: ${what} ${JSON.stringify(named)} ${problem}`);
  }

  /** The path the config names, resolved against the folder; refused when absolute or when it climbs out. */
  private lexical(named: string, what: string): string {
    if (named === '-') throw this.problem(what, named, `is standard input, not a file; ${RULE}`);
    if (isAbsolute(named)) throw this.problem(what, named, `is an absolute path; ${RULE}: name it relative to the config`);
    const path = resolve(this.path, named);
    if (outside(relative(this.path, path))) throw this.problem(what, named, `leads out of the config's folder; ${RULE}`);
    return path;
  }

  /** The real path of an existing regular file in the folder, or undefined when nothing is there. */
  private realFile(path: string, named: string, what: string): string | undefined {
    let real: string;
    try {
      real = realpathSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw this.problem(what, named, `cannot be read (${reasonOf(error)})`);
    }
    if (!this.holds(real)) {
      const how = outside(relative(this.path, path)) ? '' : ' through a symbolic link';
      throw this.problem(what, named, `leads out of the config's folder${how}; ${RULE}`);
    }
    if (!statSync(real).isFile()) throw this.problem(what, named, 'is not a regular file');
    return real;
  }

  /** Whether a real path is the folder or below it. */
  private holds(real: string): boolean {
    return !outside(relative(this.real, real));
  }
}

/** Whether a relative path climbs out of the folder it is relative to. */
function outside(rel: string): boolean {
  return rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
}

/** Whether anything is at a path, a link that leads nowhere included. */
function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
