import { Chalk, type ChalkInstance } from 'chalk';

/**
 * Decides colour once: `FORCE_COLOR` wins; otherwise only on a terminal, never with `NO_COLOR`
 * (chalk 5 ignores it), `TERM=dumb` or `--no-color`.
 */
export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, flag = true): boolean {
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  if (!flag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

/** A chalk instance at level 1 (basic colours) or 0 (plain text). */
export function painter(color: boolean): ChalkInstance {
  return new Chalk({ level: color ? 1 : 0 });
}
