// The outside reference: DuckDB computes the bench log's billing rule exactly in SQL (integer
// quantities, DECIMAL money, each line rounded half-up to cents) and prints the total.
// Run as its own process by bench/run.js: node bench/duckdb.mjs FILE (with @duckdb/node-api installed).
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(join(process.cwd(), 'bench', '.deps', 'package.json'));
const { DuckDBInstance } = await import(require.resolve('@duckdb/node-api'));
const file = process.argv[2];
const source = file.endsWith('.csv')
  ? `read_csv('${file}', header = true, all_varchar = true)`
  : `read_json('${file}', format = 'newline_delimited', columns = {kind: 'VARCHAR', model: 'VARCHAR', audio_duration: 'VARCHAR', channels: 'VARCHAR', features: 'VARCHAR', status: 'VARCHAR', session_duration: 'VARCHAR', input_tokens: 'VARCHAR', output_tokens: 'VARCHAR'})`;
// Billed seconds: a part second counts as a whole one; the model rate is multiplied by the channels.
const sql = `
WITH t AS (SELECT * FROM ${source}),
q AS (
  SELECT
    SUM(CASE WHEN kind = 'transcript' AND status <> 'error' AND model = 'universal-2' THEN CAST(ceil(CAST(audio_duration AS DECIMAL(18,3))) AS BIGINT) * CAST(channels AS BIGINT) END) AS u2,
    SUM(CASE WHEN kind = 'transcript' AND status <> 'error' AND model = 'universal-3-pro' THEN CAST(ceil(CAST(audio_duration AS DECIMAL(18,3))) AS BIGINT) * CAST(channels AS BIGINT) END) AS u3,
    SUM(CASE WHEN kind = 'transcript' AND status <> 'error' AND coalesce(features, '') <> '' THEN CAST(ceil(CAST(audio_duration AS DECIMAL(18,3))) AS BIGINT) END) AS labels,
    SUM(CASE WHEN kind = 'stream' THEN CAST(session_duration AS BIGINT) END) AS streams,
    SUM(CASE WHEN kind = 'llm' THEN CAST(input_tokens AS BIGINT) END) AS tin,
    SUM(CASE WHEN kind = 'llm' THEN CAST(output_tokens AS BIGINT) END) AS tout
  FROM t
)
-- Exact: integer cents, each line rounded half-up as (2 × amount + d) // (2 × d); no DECIMAL division (it gives a DOUBLE).
SELECT (
    (2 * CAST(u2 AS HUGEINT) * 15 + 3600) // 7200 + (2 * CAST(u3 AS HUGEINT) * 21 + 3600) // 7200
  + (2 * CAST(labels AS HUGEINT) * 2 + 3600) // 7200 + (2 * CAST(streams AS HUGEINT) * 15 + 3600) // 7200
  + (2 * CAST(tin AS HUGEINT) * 125 + 1000000) // 2000000 + (2 * CAST(tout AS HUGEINT) * 1000 + 1000000) // 2000000
  ) AS cents
FROM q`;
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const reader = await connection.runAndReadAll(sql);
const cents = BigInt(String(reader.getRows()[0][0]));
process.stdout.write(`${JSON.stringify({ total: `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}` })}\n`);
