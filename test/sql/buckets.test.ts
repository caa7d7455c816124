import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { outputOf, ROOT, runBinary } from '../cli/binary.js';
import { tempDir, withoutReferences } from './engines.js';

/**
 * Bucket tables as a warehouse exports them (docs/sql.md): Parquet (typed, or every column as text),
 * CSV with the `usage_day` of a card with free quotas and packs; and `estimate --from-log --engine
 * duckdb`. Each runs the real binary and compares with the invoice of the raw log.
 */

const dir = tempDir();
const QUOTA = ['--rates', 'fixtures/cards/tencent-quota.yaml'];
const LOG = 'fixtures/tencent-month.csv';

const ok = outputOf;

/** Runs the statement of `tallyman sql` in DuckDB on the log and exports the result as Parquet, as `COPY … TO` (a warehouse's export). */
async function parquetTable(name: string, args: string[], text: boolean): Promise<string> {
  const columns = readFileSync(join(ROOT, LOG), 'utf8').split('\n')[0]!;
  const sql = ok(['sql', ...args, '--dialect', 'duckdb', '--table', `read_csv('${join(ROOT, LOG)}', all_varchar = true)`, '--columns', columns]);
  const out = join(dir, name);
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  const select = sql.replace(/^--.*\n/gm, '');
  // Every column as text: an export that keeps no types (BigQuery's INT64 written as STRING).
  const query = text ? `SELECT COLUMNS(*)::VARCHAR FROM (${select})` : select;
  await connection.run(`COPY (${query}) TO '${out}' (FORMAT parquet)`);
  return out;
}

describe('invoice --buckets FILE.parquet', () => {
  for (const text of [false, true]) {
    it(`prices a Parquet export (${text ? 'every column text' : 'integers as INT64'}) of a card with quotas and a pack into the log's invoice, byte for byte`, async () => {
      const args = [...QUOTA, '--group-by', 'project'];
      const table = await parquetTable(`quota-${text}.parquet`, args, text);
      const fromLog = withoutReferences(ok(['invoice', LOG, ...args, '--format', 'json']));
      expect(ok(['invoice', '--buckets', table, ...QUOTA, '--format', 'json'])).toBe(fromLog);
    }, 30_000);
  }

  it('refuses a Parquet table whose quantity is not a whole number, naming the row and column', async () => {
    const out = join(dir, 'double.parquet');
    const connection = await (await DuckDBInstance.create(':memory:')).connect();
    const table = ok(['invoice', LOG, ...QUOTA, '--format', 'buckets']);
    writeFileSync(join(dir, 'double.csv'), table);
    await connection.run(`COPY (SELECT * REPLACE (CAST(quantity AS DOUBLE) / 3 AS quantity) FROM read_csv('${join(dir, 'double.csv')}', all_varchar = true)) TO '${out}' (FORMAT parquet)`);
    const result = runBinary(['invoice', '--buckets', out, ...QUOTA]);
    expect(result.status).toBe(2);
    // Row 1's 1,080,000,000 ms / 3 is whole; row 2's 2,000 ms / 3 = 666.67 is not.
    expect(result.stderr).toMatch(/double\.parquet:2: field "quantity": 666\.6+ is not text or a whole number/);
  }, 30_000);
});

describe('a card with free quotas and packs: the usage_day column', () => {
  it('--format buckets writes it and --buckets prices the table into the same invoice', () => {
    const table = join(dir, 'quota.csv');
    writeFileSync(table, ok(['invoice', LOG, ...QUOTA, '--format', 'buckets']));
    expect(readFileSync(table, 'utf8').split('\n')[0]).toContain(',period,usage_day,kind,');
    const fromLog = withoutReferences(ok(['invoice', LOG, ...QUOTA, '--format', 'json']));
    expect(ok(['invoice', '--buckets', table, ...QUOTA, '--format', 'json'])).toBe(fromLog);
  });

  it('refuses a table of such a card without it (the quota would be used once for all days)', () => {
    const lines = ok(['invoice', LOG, ...QUOTA, '--format', 'buckets']).trimEnd().split('\n').map((l) => l.split(','));
    const at = lines[0]!.indexOf('usage_day');
    const table = join(dir, 'no-day.csv');
    writeFileSync(table, `${lines.map((cells) => cells.filter((_, i) => i !== at).join(',')).join('\n')}\n`);
    const result = runBinary(['invoice', '--buckets', table, ...QUOTA]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/usage_day.*is missing/);
  });
});

describe('estimate --from-log --engine duckdb', () => {
  it('gives the estimate of the default engine', () => {
    for (const args of [[LOG, '--rates', 'tencent-asr,assemblyai'], ['fixtures/api-calls.csv', '--rates', 'fixtures/cards/api-calls.yaml']]) {
      const [log, ...rest] = args;
      expect(ok(['estimate', '--from-log', log!, ...rest, '--engine', 'duckdb', '--format', 'json'])).toBe(ok(['estimate', '--from-log', log!, ...rest, '--format', 'json']));
    }
  }, 30_000);

  it('is exit 2 without --from-log', () => {
    const result = runBinary(['estimate', '--transcribe', '10h', '--engine', 'duckdb']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--engine duckdb reads the log of --from-log/);
  });
});
