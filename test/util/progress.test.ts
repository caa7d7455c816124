import { describe, expect, it } from 'vitest';
import { progress } from '../../src/commands/progress.js';

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  return { stream: { isTTY, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream, written };
}

describe('the progress line', () => {
  it('shows records, rate and an ETA on a terminal, and clears itself', () => {
    const { stream, written } = fakeStream(true);
    const p = progress(stream, {});
    p.update({ records: 10_000, bytes: 25, totalBytes: 100 });
    p.done();
    expect(written[0]).toMatch(/^\r\u001b\[K10,000 records · [\d,]+ records\/s · 25% · ETA \d+ s$/);
    expect(written[1]).toBe('\r\u001b[K');
  });

  it('is silent when not on a terminal, under CI, or with TERM=dumb', () => {
    for (const [tty, env] of [[false, {}], [true, { CI: 'true' }], [true, { TERM: 'dumb' }]] as const) {
      const { stream, written } = fakeStream(tty);
      const p = progress(stream, env);
      p.update({ records: 10_000, bytes: 1, totalBytes: 2 });
      p.done();
      expect(written).toEqual([]);
    }
  });
});
