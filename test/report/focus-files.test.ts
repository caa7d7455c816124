import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RawFields } from '../../src/ingest/record.js';

/** Writes through node:fs's writeSync (an `AtomicFile`'s), counted; they fail with a full disk after `after` more. */
const failing = vi.hoisted(() => ({ after: Infinity, writes: 0 }));

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const writeSync = ((...args: Parameters<typeof real.writeSync>) => {
    failing.writes++;
    if (failing.after-- <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -constants.errno.ENOSPC });
    return (real.writeSync as (...a: unknown[]) => number)(...args);
  }) as typeof real.writeSync;
  return { ...real, default: { ...real, writeSync }, writeSync };
});

const { writeFocusFiles } = await import('../../src/commands/focus-files.js');
const { CHUNK_LINES } = await import('../../src/report/invoice.js');
const { FOCUS_GROUP_BY, focusCsv, focusParquet, focusRows } = await import('../../src/report/focus.js');
const { UsageError } = await import('../../src/util/errors.js');
const { invoiceOf } = await import('../helpers.js');

afterEach(() => {
  failing.after = Infinity;
});

const dir = mkdtempSync(join(tmpdir(), 'tallyman-focus-files-'));

/** A card whose price of June on has ten decimals: its FOCUS Parquet files fail at June's first row, after May's file was written. */
const FINE_PRINT = 'fixtures/cards/fine-print.yaml';

/** Transcripts over May, June and July in no order of time, many charges a month (projects, keys, customers, days). */
function months(n: number, models = ['universal-2', 'universal-3-pro']): RawFields[] {
  return Array.from({ length: n }, (_, i) => ({
    kind: 'transcript',
    id: `r${i}`,
    timestamp: new Date(Date.UTC(2026, 4 + (i % 3), 1) + ((i * 7919) % (30 * 86400)) * 1000).toISOString(),
    model: models[i % 4 === 0 ? 0 : 1]!,
    audio_duration: String(30 + (i % 613)),
    project: `p${i % 7}`,
    api_key: `k${i % 13}`,
    customer_id: `c${i % 11}`,
  }));
}

/** Every file under a folder, by its path in it, with its bytes. */
function tree(folder: string): Record<string, string> {
  if (!existsSync(folder)) return {};
  const walk = (at: string): [string, string][] =>
    readdirSync(at).flatMap((name) => {
      const path = join(at, name);
      return statSync(path).isDirectory() ? [[`${relative(folder, path)}/`, ''] as [string, string], ...walk(path)] : [[relative(folder, path), readFileSync(path, 'base64')]];
    });
  return Object.fromEntries(walk(folder));
}

describe('FOCUS files of --out-dir, written in pieces', () => {
  it('writes each billing period\'s file as its rows rendered whole (focusCsv, focusParquet), byte for byte, and nothing beside them', async () => {
    const invoice = await invoiceOf(months(6000), 'assemblyai', { groupBy: [...FOCUS_GROUP_BY] });
    const rows = focusRows(invoice);
    const periods = ['2026-05', '2026-06', '2026-07'];
    // Many pieces a period, and the lines of the periods interleaved (the invoice is in line order, not by time).
    for (const month of periods) expect(rows.filter((r) => r.month === month).length).toBeGreaterThan(3 * CHUNK_LINES);
    expect(new Set(rows.slice(0, 10).map((r) => r.month)).size).toBeGreaterThan(1);
    for (const format of ['csv', 'parquet'] as const) {
      const out = join(dir, `whole-${format}`);
      writeFocusFiles(invoice, { outDir: out, fileFormat: format }, []);
      const whole = (month: string) => Buffer.from(format === 'csv' ? focusCsv(rows.filter((r) => r.month === month)) : focusParquet(rows.filter((r) => r.month === month)));
      expect(tree(out)).toEqual(Object.fromEntries(periods.flatMap((month) => [[`billing_period=${month}/`, ''], [`billing_period=${month}/focus.${format}`, whole(month).toString('base64')]])));
    }
    // --out x.parquet: one file of every row.
    const one = join(dir, 'one.parquet');
    writeFocusFiles(invoice, { out: one, fileFormat: 'parquet' }, []);
    expect(readFileSync(one).equals(focusParquet(rows))).toBe(true);
  });

  it('a period that fails midway (a price past DECIMAL(38,9)) writes no file: no temporary is left, the existing periods are untouched, no folder is made', async () => {
    const invoice = await invoiceOf(months(600, ['other', 'best']), FINE_PRINT, { groupBy: [...FOCUS_GROUP_BY] });
    const out = join(dir, 'failing');
    // The previous export: April, and May as another run wrote it.
    for (const [month, text] of [['2026-04', 'April'], ['2026-05', 'May before']]) {
      mkdirSync(join(out, `billing_period=${month}`), { recursive: true });
      writeFileSync(join(out, `billing_period=${month}`, 'focus.parquet'), text);
    }
    const before = tree(out);
    failing.writes = 0;
    const message = 'ContractedUnitPrice 0.1234567891 has more than 9 decimals, which the Parquet export\'s DECIMAL(38,9) cannot hold exactly: write the FOCUS export as CSV';
    expect(() => writeFocusFiles(invoice, { outDir: out, fileFormat: 'parquet' }, [])).toThrow(new UsageError(message));
    expect(failing.writes, 'May\'s file was written before June failed').toBeGreaterThan(0);
    expect(tree(out)).toEqual(before);
    // A folder that did not exist is not left behind, its parents made for it neither.
    const fresh = join(dir, 'fresh');
    expect(() => writeFocusFiles(invoice, { outDir: join(fresh, 'focus'), fileFormat: 'parquet' }, [])).toThrow(new UsageError(message));
    expect(existsSync(fresh)).toBe(false);
    // As CSV, which holds any decimal, the same invoice is written whole.
    writeFocusFiles(invoice, { outDir: out, fileFormat: 'csv' }, []);
    expect(Object.keys(tree(out)).filter((path) => path.endsWith('.csv')).sort()).toEqual(['billing_period=2026-05/focus.csv', 'billing_period=2026-06/focus.csv', 'billing_period=2026-07/focus.csv']);
  });

  it('a full disk in a later period\'s CSV leaves the earlier periods\' files as they were and no temporary behind', async () => {
    const invoice = await invoiceOf(months(6000), 'assemblyai', { groupBy: [...FOCUS_GROUP_BY] });
    const out = join(dir, 'full-disk');
    mkdirSync(join(out, 'billing_period=2026-05'), { recursive: true });
    writeFileSync(join(out, 'billing_period=2026-05', 'focus.csv'), 'May before');
    const before = tree(out);
    // May's file (several pieces) is written, June's first pieces too, then the disk is full.
    const mayPieces = Math.ceil((focusRows(invoice).filter((r) => r.month === '2026-05').length + 1) / CHUNK_LINES);
    failing.after = mayPieces + 2;
    const error = (() => {
      try {
        writeFocusFiles(invoice, { outDir: out, fileFormat: 'csv' }, []);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(`cannot write ${join(out, 'billing_period=2026-06', 'focus.csv')}: no space left on device`);
    expect(tree(out)).toEqual(before);
  });

  it('refuses to write over one of the command\'s inputs, before writing anything, and leaves no folder made for the periods before it', async () => {
    const invoice = await invoiceOf(months(60), 'assemblyai', { groupBy: [...FOCUS_GROUP_BY] });
    const out = join(dir, 'input-inside');
    const input = join(out, 'billing_period=2026-06', 'focus.csv');
    mkdirSync(join(out, 'billing_period=2026-06'), { recursive: true });
    writeFileSync(input, 'a log');
    expect(() => writeFocusFiles(invoice, { outDir: out, fileFormat: 'csv' }, [input])).toThrow(UsageError);
    expect(tree(out)).toEqual({ 'billing_period=2026-06/': '', 'billing_period=2026-06/focus.csv': Buffer.from('a log').toString('base64') });
  });
});
