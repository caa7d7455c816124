import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readStatement } from '../../src/ingest/statement.js';
import { readStatementMap } from '../../src/ingest/statement-map.js';
import { runBinary } from '../cli/binary.js';

const dir = mkdtempSync(join(tmpdir(), 'tallyman-statement-'));

describe('the Tencent Cloud bill-detail CSV (constructed from the documented columns)', () => {
  it('is recognised by its header and mapped to product, model, day, quantity, unit and amount; other products are passed over', async () => {
    const s = await readStatement('fixtures/reconcile/tencent-bill-detail.csv');
    expect([s.map, s.passedOver, s.lines.length]).toEqual(['Tencent Cloud bill detail', 1, 5]);
    expect(s.lines.map((l) => [l.product, l.model, l.date, l.quantity?.toString(), l.unitSeconds?.toString(), l.amount.toString(), l.currency])).toEqual([
      ['realtime-asr', 'realtime', '2026-05-04', '1134000', '1', '378', 'USD'],
      ['realtime-asr', 'realtime', '2026-05-05', '720000', '1', '280', 'USD'],
      ['file-asr', 'file', '2026-05-04', '300', '3600', '300', 'USD'],
      ['file-asr', 'file', '2026-05-05', '2', '1', '0', 'USD'],
      ['file-asr', 'file-large', '2026-05-06', '3600', '1', '1.8', 'USD'],
    ]);
  });

  it('reconciles against the tencent-asr card by day: 300 h of recording files on 2026-05-04 cost 300 × 0.95 = 285.00, billed 300.00', () => {
    // The day's 300 h reach the 300–1000 h tier: 0.95 an hour for all of it; the bill charged 1.00.
    const run = runBinary(['reconcile', 'fixtures/tencent-month.csv', '--rates', 'tencent-asr', '--statement', 'fixtures/reconcile/tencent-bill-detail.csv', '--format', 'json']);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('statement read as Tencent Cloud bill detail: 5 line(s), 1 row(s) of other products passed over\n');
    const lines = JSON.parse(run.stdout).lines as { product: string; model: string; date: string; status: string; computed: string; billed: string }[];
    expect(lines.map((l) => `${l.model} ${l.date} ${l.status} ${l.computed}/${l.billed}`)).toEqual([
      'realtime 2026-05-04 match 378.00/378.00', // 1,134,000 s = 315 h × 1.2
      'realtime 2026-05-05 match 280.00/280.00', // 200 h × 1.4
      'file 2026-05-04 mismatch 285.00/300.00',
      'file 2026-05-05 match 0.00/0.00',
      'file-large 2026-05-06 match 1.80/1.80', // 1 h × 1.8
    ]);
  });

  it('a column the map reads that the export lacks is exit 2 naming it', async () => {
    const path = join(dir, 'short.csv');
    writeFileSync(path, 'Product Name,Subproduct Name,Component Name,Usage Start Time,Component Usage,Total Amount After Discount\n');
    await expect(readStatement(path)).rejects.toThrow(/field "Component Usage Unit": is not a column, and the statement map \(Tencent Cloud bill detail\) reads it/);
  });
});

describe('--statement-map for any other export', () => {
  it('maps columns and names, converts the quantity unit, passes over other services', async () => {
    const s = await readStatement('fixtures/reconcile/other-export.csv', readStatementMap('fixtures/reconcile/other-map.yaml'));
    expect(s.passedOver).toBe(1);
    expect(s.lines.map((l) => [l.product, l.model, l.date, l.quantity?.toString(), l.unitSeconds?.toString() ?? 'card'])).toEqual([
      ['prerecorded', 'universal-3-pro', '2026-05-03', '0.75', '3600'],
      ['prerecorded', 'universal-2', '2026-05-04', '1.25', '3600'],
      ['streaming', 'universal-streaming', '2026-05-06', '11400', '1'],
      ['llm-gateway', 'claude-sonnet-4.5', '2026-05-07', '128000', 'card'],
    ]);
  });

  it('says the quantity in the card\'s unit: 1.25 hours billed, 1 in the log', () => {
    const run = runBinary(['reconcile', 'fixtures/quickstart.csv', '--statement', 'fixtures/reconcile/other-export.csv', '--statement-map', 'fixtures/reconcile/other-map.yaml']);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('the statement bills 1.25 hours; the log has 1');
  });

  it('a bad map is refused with its path and line', () => {
    const path = join(dir, 'bad-map.yaml');
    writeFileSync(path, 'columns:\n  product: Service\n  model: SKU\nunits:\n  hours: lots\n');
    expect(() => readStatementMap(path)).toThrow(/columns\.amount/);
    expect(() => readStatementMap(path)).toThrow(/:5: units\.hours: must be the seconds in one unit/);
  });

  it('a unit of 0 seconds is refused (it made every statement quantity 0: "bills 0 hours; the log has 1"), exit 2 naming the map file and key', () => {
    for (const zero of ['"0"', '"0.000"']) {
      const path = join(dir, 'zero-map.yaml');
      writeFileSync(path, `columns:\n  product: Service\n  model: SKU\n  amount: Cost\nunits:\n  hours: ${zero}\n`);
      expect(() => readStatementMap(path)).toThrow(/zero-map\.yaml:6: units\.hours: must be more than 0 seconds in one unit/);
    }
    const run = runBinary(['reconcile', 'fixtures/quickstart.csv', '--statement', 'fixtures/reconcile/other-export.csv', '--statement-map', join(dir, 'zero-map.yaml')]);
    expect([run.status, run.stdout]).toEqual([2, '']);
    expect(run.stderr).toMatch(/^tallyman: .*zero-map\.yaml:6: units\.hours: must be more than 0 seconds in one unit, such as "3600"\n$/);
  });
});
