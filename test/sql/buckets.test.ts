import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { ROOT, runBinary } from '../cli/binary.js';
import { tempDir, withoutReferences } from './engines.js';

/**
 * Bucket tables as a warehouse exports them (docs/sql.md): Parquet (typed, or every column as text),
 * CSV with the `usage_day` of a card with free quotas and packs; and `estimate --from-log --engine
 * duckdb`. Each runs the real binary and compares with the invoice of the raw log.
 */

const dir = tempDir();
const QUOTA = ['--rates', 'fixtures/cards/tencent-quota.yaml'];
const LOG = 'fixtures/tencent-month.csv';

function ok(args: string[]): string {
  const result = runBinary(args);
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

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

describe('invoice --engine duckdb, the real binary (DuckDB on a thread of its own, src/engine/duckdb-host.ts)', () => {
  it('gives the invoice of the default engine, for a CSV (its columns named here) and a Parquet log (described by DuckDB)', async () => {
    const fromLog = withoutReferences(ok(['invoice', LOG, ...QUOTA, '--group-by', 'project', '--format', 'json']));
    expect(ok(['invoice', LOG, ...QUOTA, '--group-by', 'project', '--engine', 'duckdb', '--format', 'json'])).toBe(fromLog);
    const parquet = join(dir, 'log.parquet');
    const connection = await (await DuckDBInstance.create(':memory:')).connect();
    await connection.run(`COPY (SELECT * FROM read_csv('${join(ROOT, LOG)}', all_varchar = true)) TO '${parquet}' (FORMAT parquet)`);
    expect(ok(['invoice', parquet, ...QUOTA, '--group-by', 'project', '--engine', 'duckdb', '--format', 'json'])).toBe(fromLog);
  }, 30_000);

  it('an NDJSON log: in the canonical schema, priced as by the default engine; a native shape refused', () => {
    const header = readFileSync(join(ROOT, LOG), 'utf8').trimEnd().split('\n');
    const names = header[0]!.split(',');
    const ndjson = join(dir, 'log.ndjson');
    writeFileSync(ndjson, header.slice(1).map((line) => JSON.stringify(Object.fromEntries(line.split(',').map((v, i) => [names[i], v]).filter(([, v]) => v !== '')))).join('\n') + '\n');
    expect(readFileSync(ndjson, 'utf8').split('\n')[0]).toMatch(/^\{"kind":/);
    const fromLog = withoutReferences(ok(['invoice', ndjson, ...QUOTA, '--format', 'json']));
    expect(ok(['invoice', ndjson, ...QUOTA, '--engine', 'duckdb', '--format', 'json'])).toBe(fromLog);
    const native = runBinary(['invoice', 'fixtures/provider/streaming-universal.ndjson', '--engine', 'duckdb']);
    expect(native.status).toBe(2);
    expect(native.stderr).toMatch(/^tallyman: --engine duckdb reads the canonical schema, and .*streaming-universal\.ndjson has no "kind" column \(a provider's native shape\?\): convert it with tallyman normalize/);
  }, 30_000);

  it("a run that fails before its statement, while DuckDB's thread is still opening: exit 2 and one line, every time", async () => {
    // A thread ended while DuckDB's native library loads aborts the process (exit 134, a C++ message): the opening holds it.
    // Without that, about one run in eight aborted here: 24 runs miss it once in ~20 test runs.
    const once = (): Promise<{ code: number | null; stderr: string }> =>
      new Promise((done) => {
        execFile(process.execPath, [join(ROOT, 'bin/tallyman.js'), 'invoice', 'fixtures/quickstart.csv', '--engine', 'duckdb', '--rates', 'nosuch'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' } }, (error, _, stderr) => done({ code: error === null ? 0 : (error.code as number | null), stderr }));
      });
    for (let round = 0; round < 12; round++) {
      for (const run of await Promise.all([once(), once()])) {
        expect(run.code, run.stderr).toBe(2);
        expect(run.stderr).toMatch(/^tallyman: nosuch: \(root\): no built-in card of that name[^\n]*\n$/);
      }
    }
  }, 60_000);

  it('a memory limit DuckDB cannot take is said as the setting it is, not as a fault of the log: exit 2', () => {
    const result = runBinary(['invoice', LOG, '--engine', 'duckdb'], { env: { TALLYMAN_DUCKDB_MEMORY: 'lots' } });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^tallyman: TALLYMAN_DUCKDB_MEMORY=lots: DuckDB cannot take it as a memory limit \(.*\): give a size such as 4GB or 500MB\n$/);
  });

  it("says a row DuckDB cannot read as the default engine does, and DuckDB's own errors in one line: exit 2", () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'kind,id,timestamp,model,audio_duration\ntranscript,t-1,2026-05-12T10:00:00Z,universal-2,60,9\n');
    for (const engine of [[], ['--engine', 'duckdb']]) {
      const result = runBinary(['invoice', bad, ...engine]);
      expect(result.status, engine.join(' ')).toBe(2);
      expect(result.stderr).toBe(`tallyman: ${bad}:2: has a different number of fields than the header (every row needs one value per column; quote values that contain commas)\n`);
    }
    const none = runBinary(['invoice', join(dir, 'none-*.parquet'), '--engine', 'duckdb']);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/^tallyman: --engine duckdb: no file matches .*none-\*\.parquet\n$/);
    const broken = join(dir, 'broken.parquet');
    writeFileSync(broken, 'not a parquet file\n');
    const unread = runBinary(['invoice', broken, '--engine', 'duckdb']);
    expect(unread.status).toBe(2);
    expect(unread.stderr).toMatch(/^tallyman: --engine duckdb cannot read .*broken\.parquet: [^\n]+\n$/);
  });
});
