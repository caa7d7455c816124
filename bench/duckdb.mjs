// The outside reference: DuckDB computes the bench log's billing rule exactly in SQL (integer
// quantities, DECIMAL money, each line rounded half-up to cents) and prints the total. The same
// rule as the invoice for every shape bench/generate.js writes: a repeated (kind, id) billed once,
// the first row; failed transcripts free; channels multiplying the model, not the add-ons; streams
// closed by `terminated`, else by an end or a duration, billed their session time (a duration, or
// ended_at − started_at) rounded up to the second and capped at the card's max_session, unclosed
// ones at max_session.
// Run as its own process by bench/run.js: node bench/duckdb.mjs FILE (.csv, .ndjson or .parquet; with @duckdb/node-api installed).
import { openSync, readSync, closeSync } from 'node:fs';
import { DuckDBInstance } from './duckdb-api.mjs';

const file = process.argv[2];
const COLUMNS = ['kind', 'id', 'timestamp', 'model', 'audio_duration', 'channels', 'features', 'status', 'session_duration', 'terminated', 'started_at', 'ended_at', 'input_tokens', 'output_tokens'];

/** The CSV header's names (a shape may leave out started_at and ended_at). */
function csvHeader(path) {
  const fd = openSync(path, 'r');
  const buffer = Buffer.alloc(4096);
  const n = readSync(fd, buffer, 0, buffer.length, 0);
  closeSync(fd);
  return buffer.subarray(0, n).toString('utf8').split(/\r?\n/)[0].split(',');
}

// One instance for the whole run (the Parquet branch reads the file's columns first).
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
let source;
if (file.endsWith('.csv')) {
  const present = new Set(csvHeader(file));
  const select = COLUMNS.map((c) => (present.has(c) ? `"${c}"` : `CAST(NULL AS VARCHAR) AS "${c}"`)).join(', ');
  source = `SELECT ${select} FROM read_csv('${file}', header = true, all_varchar = true)`;
} else if (file.endsWith('.parquet')) {
  // Typed columns (timestamps, decimals, booleans) read as the text the rule below expects.
  const present = new Set((await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).getRows().map((r) => String(r[0])));
  const text = (c) => (c === 'terminated' ? `CAST("${c}" AS VARCHAR)` : c === 'timestamp' || c.endsWith('_at') ? `strftime(CAST("${c}" AS TIMESTAMPTZ), '%Y-%m-%dT%H:%M:%S.%gZ')` : `CAST("${c}" AS VARCHAR)`);
  source = `SELECT ${COLUMNS.map((c) => (present.has(c) ? `${text(c)} AS "${c}"` : `CAST(NULL AS VARCHAR) AS "${c}"`)).join(', ')} FROM read_parquet('${file}')`;
} else {
  source = `SELECT * FROM read_json('${file}', format = 'newline_delimited', columns = {${COLUMNS.map((c) => `"${c}": 'VARCHAR'`).join(', ')}})`;
}
// Seconds billed for a duration in seconds: a part second counts as a whole one.
const seconds = (column) => `CAST(ceil(CAST(${column} AS DECIMAL(18,3))) AS BIGINT)`;
const sql = `
WITH t AS (${source}),
-- The duplicate check: one row per (kind, id), the first. DuckDB keeps no file order through a
-- window, so "first" is the earliest time: the generator writes a repeat later in time than its first.
d AS (
  SELECT * FROM t
  QUALIFY id IS NULL OR row_number() OVER (PARTITION BY kind, id ORDER BY coalesce("timestamp", started_at)) = 1
),
s AS (
  SELECT *,
    CASE WHEN kind = 'transcript' AND coalesce(status, 'completed') <> 'error' THEN ${seconds('audio_duration')} END AS audio_s,
    CASE WHEN terminated IS NOT NULL THEN lower(terminated) IN ('true', '1')
         ELSE ended_at IS NOT NULL OR session_duration IS NOT NULL END AS closed,
    ';' || coalesce(features, '') || ';' AS addons
  FROM d
),
q AS (
  SELECT
    SUM(CASE WHEN model = 'universal-2' THEN audio_s * CAST(coalesce(channels, '1') AS BIGINT) END) AS u2,
    SUM(CASE WHEN model = 'universal-3-pro' THEN audio_s * CAST(coalesce(channels, '1') AS BIGINT) END) AS u3,
    SUM(CASE WHEN contains(addons, ';speaker_labels;') THEN audio_s END) AS labels,
    SUM(CASE WHEN contains(addons, ';entity_detection;') THEN audio_s END) AS entities,
    SUM(CASE WHEN kind = 'stream' THEN
      CASE WHEN NOT closed THEN 10800
           WHEN session_duration IS NOT NULL THEN least(10800, ${seconds('session_duration')})
           ELSE least(10800, CAST(ceil(date_diff('millisecond', CAST(started_at AS TIMESTAMPTZ), CAST(ended_at AS TIMESTAMPTZ)) / 1000) AS BIGINT)) END
    END) AS streams,
    SUM(CASE WHEN kind = 'llm' THEN CAST(input_tokens AS BIGINT) END) AS tin,
    SUM(CASE WHEN kind = 'llm' THEN CAST(output_tokens AS BIGINT) END) AS tout
  FROM s
)
-- Exact: integer cents, each line rounded half-up as (2 × amount + d) // (2 × d); no DECIMAL division (it gives a DOUBLE).
SELECT (
    (2 * CAST(coalesce(u2, 0) AS HUGEINT) * 15 + 3600) // 7200 + (2 * CAST(coalesce(u3, 0) AS HUGEINT) * 21 + 3600) // 7200
  + (2 * CAST(coalesce(labels, 0) AS HUGEINT) * 2 + 3600) // 7200 + (2 * CAST(coalesce(entities, 0) AS HUGEINT) * 8 + 3600) // 7200
  + (2 * CAST(coalesce(streams, 0) AS HUGEINT) * 15 + 3600) // 7200
  + (2 * CAST(coalesce(tin, 0) AS HUGEINT) * 125 + 1000000) // 2000000 + (2 * CAST(coalesce(tout, 0) AS HUGEINT) * 1000 + 1000000) // 2000000
  ) AS cents
FROM q`;
const reader = await connection.runAndReadAll(sql);
const cents = BigInt(String(reader.getRows()[0][0]));
process.stdout.write(`${JSON.stringify({ total: `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}` })}\n`);
