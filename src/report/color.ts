import { Chalk, type ChalkInstance } from 'chalk';

/**
 * Decides colour once, by the common conventions: `--no-color` and `NO_COLOR` (non-empty) always
 * win; then `FORCE_COLOR` (non-empty): `0` or `false` turns colour off, any other value (`1` to `3`,
 * `true`) forces it; otherwise colour only on a terminal whose `TERM` is not `dumb`. chalk's own
 * reading of the environment is never used: the level is set on each instance (`painter`).
 */
export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, flag = true): boolean {
  if (!flag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force.toLowerCase() !== 'false';
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

/** A chalk instance at level 1 (basic colours) or 0 (plain text). */
export function painter(color: boolean): ChalkInstance {
  return new Chalk({ level: color ? 1 : 0 });
}
