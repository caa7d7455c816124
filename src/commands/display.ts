import { InvalidArgumentError, Option, type Command } from 'commander';

/**
 * The flags of how output for people is shown, on every command that prints for people and before
 * the command: the program's (`tallyman --no-color --width 80 invoice …`). Loaded by the entry point
 * for every run, so it needs nothing but commander.
 */

/** `--no-color`: on every command that prints for people, and before the command (`tallyman --no-color invoice …`). */
export function noColorOption(): Option {
  return new Option('--no-color', 'never colour the output');
}

/** `--width N`: on every command that prints for people, and before the command (`tallyman --width 80 invoice …`). */
export function widthOption(): Option {
  return new Option('--width <columns>', `fit tables and text to this many columns (${MIN_WIDTH} or more; 0: no limit; default: the terminal's, or COLUMNS)`).argParser(parseWidth);
}

/** The narrowest width tables are laid out for; a narrower terminal gets this layout. */
export const MIN_WIDTH = 60;

function parseWidth(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`--width "${value}" is not a whole number of columns`);
  const width = Number(value);
  if (width !== 0 && width < MIN_WIDTH) throw new InvalidArgumentError(`--width ${value} is narrower than ${MIN_WIDTH} columns, the narrowest tallyman lays out (0 for no limit)`);
  return width;
}

/**
 * What the display flags given before the command (the program's) add to the command's own:
 * `--no-color` on either turns colour off; the command's `--width` wins over the program's.
 */
export function mergeDisplayFlags(program: { color?: boolean; width?: number }, command: Command): void {
  if (program.color === false) command.setOptionValue('color', false);
  if (program.width !== undefined && command.getOptionValue('width') === undefined) command.setOptionValue('width', program.width);
}

/**
 * The width a table for people is fitted to: `--width` (0 for none); for standard output, else
 * `COLUMNS`, else the terminal's columns (80 when it does not say), never below 60; none for a
 * pipe or a file without them, where tables keep their own widths (100 columns and less).
 */
export function tableWidth(flags: { width?: number | undefined; out?: string | undefined }, stdout: { isTTY?: boolean; columns?: number } = process.stdout, env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (flags.width !== undefined) return flags.width === 0 ? undefined : flags.width;
  if (flags.out !== undefined && flags.out !== '-') return undefined;
  const columns = /^\d+$/.test(env.COLUMNS ?? '') && Number(env.COLUMNS) > 0 ? Number(env.COLUMNS) : stdout.isTTY ? stdout.columns || 80 : undefined;
  return columns === undefined ? undefined : Math.max(MIN_WIDTH, columns);
}
