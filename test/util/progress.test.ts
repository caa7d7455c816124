import { describe, expect, it, vi } from 'vitest';
import { progress } from '../../src/commands/progress.js';

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  return { stream: { isTTY, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream, written };
}

describe('the progress line', () => {
  it('shows records, rate and an ETA on a terminal, and clears itself', () => {
    vi.useFakeTimers();
    const { stream, written } = fakeStream(true);
    const p = progress(stream, {});
    vi.advanceTimersByTime(2000);
    p.update({ records: 10_000, bytes: 25, totalBytes: 100 });
    p.done();
    vi.useRealTimers();
    // 10,000 records in 2 s; a quarter of the bytes in 2 s leaves 6 s
    expect(written[0]).toBe('\r\u001b[K10,000 records · 5,000 records/s · 25% · ETA 6 s');
    expect(written[1]).toBe('\r\u001b[K');
  });

  it('once the log is read, says what the run does (no ETA at 100%), and shows nothing in a short run', () => {
    vi.useFakeTimers();
    const { stream, written } = fakeStream(true);
    const p = progress(stream, {});
    vi.advanceTimersByTime(1000);
    p.update({ records: 20_000, bytes: 100, totalBytes: 100 });
    p.phase('pricing');
    vi.advanceTimersByTime(50);
    p.phase('replaying the ledger');
    p.done();
    const quick = fakeStream(true);
    const q = progress(quick.stream, {});
    vi.advanceTimersByTime(100);
    q.update({ records: 20_000, bytes: 100, totalBytes: 100 });
    q.phase('pricing');
    q.done();
    vi.useRealTimers();
    expect(written).toEqual([
      '\r\u001b[K20,000 records · 20,000 records/s',
      '\r\u001b[K20,000 records read · pricing…',
      '\r\u001b[K20,000 records read · replaying the ledger…',
      '\r\u001b[K',
    ]);
    expect(quick.written).toEqual([]);
  });

  it('writes at most ten lines a second', () => {
    vi.useFakeTimers();
    const { stream, written } = fakeStream(true);
    const p = progress(stream, {});
    vi.advanceTimersByTime(1000);
    for (let i = 1; i <= 50; i++) {
      p.update({ records: i * 10_000, bytes: i, totalBytes: 100 });
      vi.advanceTimersByTime(20); // 50 updates in one second
    }
    vi.useRealTimers();
    expect(written.length).toBe(10);
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
