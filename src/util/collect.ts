import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Collects garbage now, in full: after a Parquet row group read or written, whose big arrays and
 * many cells, born or grown old, V8 left to itself lets pile up for several groups before it
 * collects. The collector is not exposed without `--expose-gc`: the flag is set, and a new context
 * gets it.
 */
export function collectGarbage(): void {
  if (gc === undefined) {
    setFlagsFromString('--expose-gc');
    gc = (runInNewContext('gc') as (() => void) | undefined) ?? (() => undefined);
  }
  gc();
}
let gc: (() => void) | undefined;
