/** A progress line on standard error: only on a terminal and never under CI. */
export function progress(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): { update: (records: number) => void; done: () => void } {
  const active = stream.isTTY === true && !env.CI && env.TERM !== 'dumb';
  const started = Date.now();
  let shown = false;
  return {
    update(records) {
      if (!active) return;
      const seconds = (Date.now() - started) / 1000;
      const rate = seconds > 0 ? Math.round(records / seconds) : 0;
      stream.write(`\r${records} records read (${rate} records/s)`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\u001b[K');
    },
  };
}
