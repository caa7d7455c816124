// `node bench/to-parquet.mjs LOG.csv OUT.parquet`: a bench log as a warehouse would export it: the
// same rows in typed Parquet columns (instants as UTC timestamps, durations as exact decimals,
// counts as integers, `terminated` as a boolean), written by DuckDB in row groups of 122,880 rows.
// Run as its own process by bench/run.js (with @duckdb/node-api installed).
import { renameSync } from 'node:fs';
import { DuckDBInstance } from './duckdb-api.mjs';

const [from, to] = process.argv.slice(2);
const quote = (text) => `'${text.replaceAll("'", "''")}'`;

const TYPES = {
  kind: 'VARCHAR', id: 'VARCHAR', timestamp: 'TIMESTAMPTZ', project: 'VARCHAR', api_key: 'VARCHAR', customer_id: 'VARCHAR',
  model: 'VARCHAR', audio_duration: 'DECIMAL(12,3)', channels: 'INTEGER', features: 'VARCHAR', status: 'VARCHAR',
  session_duration: 'DECIMAL(12,3)', terminated: 'BOOLEAN', input_tokens: 'BIGINT', output_tokens: 'BIGINT',
  started_at: 'TIMESTAMPTZ', ended_at: 'TIMESTAMPTZ',
};

const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
await connection.run("SET TimeZone = 'UTC'");
const columns = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_csv(${quote(from)}, header = true, all_varchar = true)`)).getRows().map((r) => String(r[0]));
// An empty cell is no value: NULL, not an empty string.
const select = columns.map((c) => `CAST(nullif("${c}", '') AS ${TYPES[c] ?? 'VARCHAR'}) AS "${c}"`).join(', ');
const partial = `${to}.tmp-${process.pid}`;
await connection.run(`COPY (SELECT ${select} FROM read_csv(${quote(from)}, header = true, all_varchar = true)) TO ${quote(partial)} (FORMAT parquet, COMPRESSION zstd)`);
renameSync(partial, to);
