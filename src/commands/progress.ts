import type { Progress } from '../engine/index.js';
import { groupThousands } from '../report/format.js';

/** A run's progress display: `update` while reading, `phase` for each step after it, `done` before the output. */
export interface Tick {
  update: (p: Progress) => void;
  phase: (name: string) => void;
  done: () => void;
}

/**
 * A progress line on standard error, only on a terminal, never under CI: records, records/s and the
 * ETA from bytes read while reading; then, once the log is read, what the run is doing ("pricing…",
 * "replaying the ledger…", "rendering…"). Nothing in the first 0.3 s (a short run shows no
 * line at all), and the line is cleared before the output.
 */
export function progress(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): Tick {
  const active = stream.isTTY === true && !env.CI && env.TERM !== 'dumb';
  const started = Date.now();
  let shown = false;
  let last = 0;
  let records = 0;
  const early = (): boolean => !shown && Date.now() - started < QUIET_MS;
  const show = (text: string): void => {
    // Within the terminal's width: a line that wraps would not be cleared by the next.
    const room = (stream.columns || 80) - 1;
    stream.write(`\r\u001b[K${text.length > room ? `${text.slice(0, room - 1)}…` : text}`);
    shown = true;
  };
  return {
    update(p) {
      if (!active) return;
      records = p.records;
      // At most ten lines a second, however fast the records come.
      const now = Date.now();
      if (early() || now - last < 100) return;
      last = now;
      const seconds = (now - started) / 1000;
      const rate = seconds > 0 ? Math.round(p.records / seconds) : 0;
      let eta = '';
      if (p.totalBytes > 0 && p.bytes > 0 && seconds > 0 && p.bytes < p.totalBytes) {
        const left = ((p.totalBytes - p.bytes) / p.bytes) * seconds;
        eta = ` · ${Math.floor((p.bytes / p.totalBytes) * 100)}% · ETA ${left < 60 ? `${Math.ceil(left)} s` : `${Math.ceil(left / 60)} min`}`;
      }
      show(`${groupThousands(String(p.records))} records · ${groupThousands(String(rate))} records/s${eta}`);
    },
    phase(name) {
      if (!active || early()) return;
      show(`${groupThousands(String(records))} records read · ${name}…`);
    },
    done() {
      if (shown) stream.write('\r\u001b[K');
    },
  };
}

/** How long a run goes without a progress line. */
const QUIET_MS = 300;
