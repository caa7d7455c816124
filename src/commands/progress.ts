import type { Progress } from '../engine/index.js';
import { groupThousands } from '../report/format.js';

/** A progress line on standard error (records, records/s, and the ETA from bytes read): only on a terminal, never under CI. */
export function progress(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): { update: (p: Progress) => void; done: () => void } {
  const active = stream.isTTY === true && !env.CI && env.TERM !== 'dumb';
  const started = Date.now();
  let shown = false;
  let last = 0;
  return {
    update({ records, bytes, totalBytes }) {
      if (!active) return;
      // At most ten lines a second, however fast the records come.
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      const seconds = (now - started) / 1000;
      const rate = seconds > 0 ? Math.round(records / seconds) : 0;
      let eta = '';
      if (totalBytes > 0 && bytes > 0 && seconds > 0) {
        const left = ((totalBytes - bytes) / bytes) * seconds;
        eta = ` · ${Math.floor((bytes / totalBytes) * 100)}% · ETA ${left < 60 ? `${Math.ceil(left)} s` : `${Math.ceil(left / 60)} min`}`;
      }
      stream.write(`\r\u001b[K${groupThousands(String(records))} records · ${groupThousands(String(rate))} records/s${eta}`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\u001b[K');
    },
  };
}
