import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { computeInvoice, type InvoiceOptions } from '../../src/engine/index.js';
import { priceBucketRows } from '../../src/engine/buckets.js';
import { duckdbInvoice } from '../../src/engine/duckdb.js';
import { usageFromLog, type EstimateUsage } from '../../src/estimate/index.js';
import { CANONICAL_FIELDS } from '../../src/ingest/record.js';
import { periodFromFlags } from '../../src/pricing/period.js';
import { parseGroupBy } from '../../src/pricing/group-by.js';
import { openCard } from '../../src/rates/open.js';
import { renderInvoiceJson } from '../../src/report/invoice.js';
import { compileSql } from '../../src/sql/compile.js';
import { TimeZone } from '../../src/util/time.js';
import { ROOT } from '../cli/binary.js';

/** The three engines of docs/sql.md on one log: in-process, DuckDB (--engine duckdb), and the postgres statement on a real server, each as invoice JSON. */

export interface Flags {
  rates?: string;
  groupBy?: string;
  tz?: string;
  from?: string;
  to?: string;
  month?: string;
  allowUnpriced?: boolean;
  /** --map field=column */
  map?: Record<string, string>;
  inputTz?: string;
}

export async function optionsOf(flags: Flags): Promise<InvoiceOptions> {
  const card = await openCard(flags.rates ?? 'assemblyai', ROOT);
  const zone = flags.tz ? TimeZone.of(flags.tz) : card.timezone;
  return {
    card, zone, inputZone: TimeZone.of(flags.inputTz ?? 'UTC'), period: periodFromFlags(flags, zone), groupBy: parseGroupBy(flags.groupBy), map: new Map(Object.entries(flags.map ?? {})) as InvoiceOptions['map'],
    skipInvalid: false, allowUnpriced: flags.allowUnpriced ?? false, threads: 1,
  };
}

export async function jsJson(files: string[], flags: Flags): Promise<string> {
  return renderInvoiceJson(await computeInvoice(files, await optionsOf(flags)));
}

export async function duckdbJson(files: string[], flags: Flags): Promise<string> {
  return renderInvoiceJson(await duckdbInvoice(files, await optionsOf(flags)));
}

/** The usage `estimate --from-log` scales, read by the default engine or by DuckDB, as JSON. */
export async function logUsageJson(files: string[], flags: Flags, duckdb: boolean): Promise<string> {
  const options = await optionsOf(flags);
  const base: EstimateUsage = { period: 'month', daysPerMonth: 30, transcribe: [], stream: [], llm: [] };
  const result = await usageFromLog(files, base, { inputZone: options.inputZone, map: options.map, zone: options.zone, card: options.card, ...(duckdb ? { duckdb: { memory: undefined } } : {}) });
  return JSON.stringify(result);
}

/** A minimal client of pg. */
export interface PgClient {
  query(sql: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[]; fields: { name: string }[] }>;
}

let tables = 0;

/**
 * Loads a canonical CSV log into a table of text columns (as a CSV loaded without a schema), runs the postgres statement, prices
 * the result. `rankEveryRow`: the duplicate check's shape of the dialects that compute a CTE again for each reader (duplicates.ts).
 */
export async function postgresJson(client: PgClient, file: string, csv: string, flags: Flags, rankEveryRow = false): Promise<string> {
  const options = await optionsOf(flags);
  const table = `usage_${process.pid}_${tables++}`;
  await client.query(`CREATE TEMP TABLE ${table} (${CANONICAL_FIELDS.map((f) => `"${f}" TEXT`).join(', ')})`);
  const records = parse(csv, { columns: true, bom: true }) as Record<string, string>[];
  // One INSERT of every row (the log's columns as text; a missing column stays NULL), not one round trip a row.
  const fields = Object.keys(records[0] ?? {}).filter((k) => (CANONICAL_FIELDS as readonly string[]).includes(k));
  if (fields.length > 0 && records.length > 0) {
    const values = records.map((_, r) => `(${fields.map((__, i) => `$${r * fields.length + i + 1}`).join(', ')})`);
    await client.query(`INSERT INTO ${table} (${fields.map((f) => `"${f}"`).join(', ')}) VALUES ${values.join(', ')}`, records.flatMap((record) => fields.map((f) => record[f])));
  }
  const sql = compileSql({ card: options.card, dialect: 'postgres', table, map: new Map(), period: options.period, zone: options.zone, inputZone: options.inputZone, groupBy: options.groupBy, rankEveryRow });
  const result = await client.query(sql);
  await client.query(`DROP TABLE ${table}`);
  const rows = result.rows.map((row, i) => ({ ref: { file, line: i + 2 }, cells: new Map(Object.entries(row).map(([k, v]) => [k, v === null ? '' : String(v)])) }));
  return renderInvoiceJson(priceBucketRows(file, rows, options.groupBy, { card: options.card, zone: undefined, period: undefined, groupBy: options.groupBy, allowUnpriced: options.allowUnpriced }));
}

/**
 * The one difference docs/sql.md names: a bucket table has no file lines, so DUPLICATE_ID says no
 * examples and UNPRICED no references. Exactly those parts are taken out of the in-process JSON.
 */
export function withoutReferences(json: string): string {
  const invoice = JSON.parse(json) as { warnings: { code: string; message: string }[] };
  for (const w of invoice.warnings) {
    if (w.code === 'DUPLICATE_ID') w.message = w.message.replace(/ were not billed again: .*\.$/, ' were not billed again.');
    if (w.code === 'UNPRICED') w.message = w.message.replace(/ \([^()]*:\d+[^()]*\)\.$/, '.');
  }
  return `${JSON.stringify(invoice, null, 2)}\n`;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tallyman-sql-'));
}

export function writeLog(dir: string, name: string, csv: string): string {
  const path = join(dir, name);
  writeFileSync(path, csv);
  return path;
}

/** Typed Parquet columns for a canonical CSV's, as a warehouse exports them: instants (with or without their zone), exact decimals, integers, booleans. */
const PARQUET_TYPES: Record<string, string> = {
  audio_duration: 'DECIMAL(18,6)', session_duration: 'DECIMAL(18,6)', channels: 'INTEGER', terminated: 'BOOLEAN',
  input_tokens: 'BIGINT', output_tokens: 'BIGINT', cache_read_tokens: 'BIGINT', cache_write_tokens: 'BIGINT', cache_write_1h_tokens: 'BIGINT', reasoning_tokens: 'BIGINT',
};

/** Writes `csv` (a file) as typed Parquet at `parquet` with DuckDB: instants as TIMESTAMPTZ (`local`: as TIMESTAMP, their wall-clock time in UTC). */
export async function typedParquet(csv: string, parquet: string, local = false): Promise<void> {
  const columns = (await (await writer()).runAndReadAll(`DESCRIBE SELECT * FROM read_csv('${csv}', header = true, all_varchar = true)`)).getRows().map((r) => String(r[0]));
  const instant = local ? 'TIMESTAMP' : 'TIMESTAMPTZ';
  const typeOf = (c: string): string => PARQUET_TYPES[c] ?? (c === 'timestamp' || c.endsWith('_at') ? instant : 'VARCHAR');
  // A local instant: the UTC wall-clock time of the text's instant (an offset in the text is applied first).
  const cell = (c: string): string => (typeOf(c) === 'TIMESTAMP' ? `CAST(timezone('UTC', CAST(nullif("${c}", '') AS TIMESTAMPTZ)) AS TIMESTAMP)` : `CAST(nullif("${c}", '') AS ${typeOf(c)})`);
  await parquetOf(`SELECT ${columns.map((c) => `${cell(c)} AS "${c}"`).join(', ')} FROM read_csv('${csv}', header = true, all_varchar = true)`, parquet);
}

/** The rows of a canonical CSV as NDJSON, as a client would log them: empty cells left out, whole counts as JSON numbers. */
export function ndjsonOf(csv: string): string {
  const records = parse(csv, { columns: true, bom: true }) as Record<string, string>[];
  const value = (key: string, text: string): string | number => (key.endsWith('_tokens') && /^[0-9]{1,15}$/.test(text) ? Number(text) : text);
  return records.map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).filter(([, v]) => v !== '').map(([k, v]) => [k, value(k, v)])))).join('\n') + '\n';
}

/** Writes the rows of a DuckDB query (typed columns as given) as Parquet at `path`. */
export async function parquetOf(select: string, path: string): Promise<string> {
  await (await writer()).run(`COPY (${select}) TO '${path}' (FORMAT parquet)`);
  return path;
}

/** The DuckDB connection the tests write their Parquet files with (one a test file), its session in UTC. */
let writing: Promise<import('@duckdb/node-api').DuckDBConnection> | undefined;
function writer(): Promise<import('@duckdb/node-api').DuckDBConnection> {
  writing ??= (async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const connection = await (await DuckDBInstance.create(':memory:')).connect();
    await connection.run("SET TimeZone = 'UTC'");
    return connection;
  })();
  return writing;
}
