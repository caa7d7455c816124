import { BUILTIN_CARDS, DEFAULT_CARD } from '../rates/builtin/index.js';
import type { CheckCase, CheckConfig } from './config.js';
import { ConfigFolder } from './folder.js';

/** A case whose files have been checked against the config's folder. */
export interface PlannedCase {
  case: CheckCase;
  /** How messages name the case: `case "quickstart":`. */
  what: string;
  /** The built-in name or the card file, as the config names it. */
  card: string;
  /**
   * The golden file as the config names it, and its real path: to compare with (none when it does
   * not exist yet), or where `--update` writes it. No golden when the case has only budgets.
   */
  golden?: { named: string; read: string | undefined } | { named: string; write: string };
}

/** The cases of a config, ready to run, and the real paths of every file they read or write. */
export interface CheckPlan {
  folder: ConfigFolder;
  cases: PlannedCase[];
  /** Logs, card files and goldens: the inputs an `--out` must not name. */
  files: string[];
}

/**
 * Checks every path of a config before any case runs, so that a config that names a file outside
 * its folder is refused whole, before anything is read or written. `update` checks goldens as files
 * to write (their folder must be in the config's folder) rather than to read.
 */
export function planCheck(config: CheckConfig, configPath: string, update: boolean): CheckPlan {
  const folder = ConfigFolder.of(configPath);
  const files: string[] = [];
  const cases = config.cases.map((c): PlannedCase => {
    const what = `case ${JSON.stringify(c.name)}:`;
    for (const named of c.usage) {
      const path = folder.readable(named, `${what} usage`);
      if (path === undefined) throw folder.problem(`${what} usage`, named, 'does not exist');
      files.push(path);
    }
    const card = c.rates ?? DEFAULT_CARD;
    if (!Object.hasOwn(BUILTIN_CARDS, card)) {
      // A card file that does not exist is left to the card loader, which says so (or names the built-in cards).
      const path = folder.readable(card, `${what} card`);
      if (path !== undefined) files.push(path);
    }
    const named = typeof c.expect === 'string' ? c.expect : c.expect.golden;
    if (named === undefined) return { case: c, what, card };
    if (update) {
      const write = folder.writable(named, `${what} golden`);
      files.push(write);
      return { case: c, what, card, golden: { named, write } };
    }
    const read = folder.readable(named, `${what} golden`);
    if (read !== undefined) files.push(read);
    return { case: c, what, card, golden: { named, read } };
  });
  return { folder, cases, files };
}
