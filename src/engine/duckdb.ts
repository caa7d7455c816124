import { basename } from 'node:path';
import { csvHeader } from '../ingest/csv-header.js';
import { ndjsonHeads } from '../ingest/ndjson-head.js';
import { fileOrPattern, logExtension } from '../ingest/open.js';
import { CANONICAL_FIELDS, type CanonicalField } from '../ingest/record.js';
import type { Invoice } from '../pricing/invoice.js';
import { compileStatement } from '../sql/compile.js';
import { InputError, UsageError } from '../util/errors.js';
import { duckdbSession } from './duckdb-host.js';
import type { DuckResult, DuckSession } from './duckdb-session.js';
import type { InvoiceOptions } from './index.js';

/**
 * `--engine duckdb`: the statement of `tallyman sql` (the same plans) run by embedded DuckDB on the
 * local files (CSV read as all-text, NDJSON, Parquet; globs), then priced as a bucket table. DuckDB
 * uses every core and bounds its own memory (`TALLYMAN_DUCKDB_MEMORY`, e.g. `4GB`; default its own).
 */
export async function duckdbInvoice(paths: readonly string[], options: InvoiceOptions, memory: string | undefined = undefined): Promise<Invoice> {
  const result = await runCompiled(paths, options, 'buckets', memory);
  const { priceBucketRows } = await import('./buckets.js');
  const rows = result.rows.map((cells, i) => ({ ref: { file: 'duckdb', line: i + 1 }, cells }));
  return priceBucketRows(paths.join(', '), rows, options.groupBy, {
    card: options.card, zone: undefined, period: undefined, groupBy: options.groupBy, allowUnpriced: options.allowUnpriced,
    invalidHint: 'run tallyman invoice without --engine duckdb to see each one with its file, line and field, or pass --skip-invalid there',
  });
}

/** `estimate --from-log --engine duckdb`: the usage statement's rows (`USAGE_COLUMNS` of src/sql/compile.ts), cells as text ('' for NULL). */
export async function duckdbLogUsage(paths: readonly string[], options: InvoiceOptions, memory: string | undefined = undefined): Promise<Map<string, string>[]> {
  return (await runCompiled(paths, options, 'usage', memory)).rows;
}

/** Compiles the statement for the files' columns and runs it: its rows as text cells by column. */
async function runCompiled(paths: readonly string[], options: InvoiceOptions, output: 'buckets' | 'usage', memory: string | undefined): Promise<{ rows: Map<string, string>[] }> {
  const connection = duckdbSession(memory);
  const { from, describe, known, files } = await fromItem(paths, options.map, connection);
  let columns: string[];
  let types: Map<string, string>;
  if (known !== undefined) {
    // A CSV read as all text whose header names plain columns, or NDJSON whose first record names the kind: DuckDB is not
    // asked to describe the files (one read of them less, and the statement compiled while DuckDB's thread is still starting).
    columns = known;
    types = new Map(known.map((c) => [c, 'VARCHAR']));
  } else {
    try {
      const described = await connection.query(`DESCRIBE SELECT * FROM ${describe}`);
      columns = described.rows.map((row) => String(row[0]));
      types = new Map(described.rows.map((row) => [String(row[0]), String(row[1])]));
    } catch (error) {
      throw cannotRead(paths.join(', '), error);
    }
  }
  const kindColumn = options.map.get('kind') ?? 'kind';
  if (!columns.includes(kindColumn)) {
    throw new UsageError(`--engine duckdb reads the canonical schema, and ${paths.join(', ')} has no "${kindColumn}" column (a provider's native shape?): convert it with tallyman normalize, or use the default engine`);
  }
  if (describe !== from) {
    // NDJSON is read with every canonical field named as text (below): those are its columns.
    columns = canonicalColumns(options.map);
    types = new Map(columns.map((c) => [c, 'VARCHAR']));
  }
  // The plan tables are appended to tables of this run's own, not parsed from the statement's text (src/sql/tables.ts).
  const names = { pl: `tallyman_pl_${run}`, pd: `tallyman_pd_${run}`, ad: `tallyman_ad_${run}` };
  run++;
  const { sql, tables } = compileStatement({ card: options.card, dialect: 'duckdb', table: from, map: options.map, columns, types, period: options.period, zone: options.zone, inputZone: options.inputZone, groupBy: options.groupBy, output, tables: names });
  let result: DuckResult;
  try {
    // Asked all at once: DuckDB's thread runs them in this order, with no wait between them for this thread's turn.
    const filled = Promise.all(tables.map((table) => connection.fill(names[table.name], table)));
    const answered = connection.query(sql);
    // The modules that price the result load while DuckDB's thread runs the statement (asked again, they are then at hand).
    if (output === 'buckets') void import('./buckets.js').catch(() => undefined);
    // Neither is left unhandled while the other is awaited.
    answered.catch(() => undefined);
    await filled;
    result = await answered;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const message = (error as Error).message;
    const record = /^[^\n]*CSV Error on Line: (\d+)/.exec(message)?.[1];
    const command = output === 'usage' ? 'tallyman estimate --from-log' : 'tallyman invoice';
    if (record !== undefined) throw await csvError(files, options, message, record, command);
    if (memory !== undefined && memory !== '' && /out of memory|failed to allocate|could not allocate/i.test(message)) {
      throw new UsageError(`--engine duckdb ran out of the memory TALLYMAN_DUCKDB_MEMORY=${memory} gives it: ${message.split('\n')[0]} (raise it, or leave it unset for DuckDB's own limit)`);
    }
    throw new UsageError(`--engine duckdb could not price ${paths.join(', ')}: ${message.split('\n')[0]} (run ${command} without --engine duckdb, which names the file, line and field)`);
  } finally {
    // Dropped for the next run in this process; a failure here (the instance gone after an error) is not the run's.
    await connection.query(Object.values(names).map((name) => `DROP TABLE IF EXISTS ${name};`).join(' ')).catch(() => undefined);
  }
  return { rows: result.rows.map((row) => new Map(result.columns.map((name, j) => [name, row[j] ?? '']))) };
}

/**
 * A row DuckDB's CSV reader cannot read (fields not the header's number, a quote never closed, bytes not UTF-8, a line past
 * its 2 MB): DuckDB names a record, not the file's line, in its own words. The in-process reader, run on the files (globs
 * expanded), names the file, line and field and what to do, as tallyman invoice does: its error when it has one. Else (it
 * reads the files), DuckDB's record and reason.
 */
async function csvError(files: readonly string[], options: InvoiceOptions, message: string, record: string, command: string): Promise<Error> {
  const reread = await (await import('./index.js')).computeInvoice(files, { ...options, skipInvalid: false }).then(() => undefined, (e: unknown) => e);
  if (reread instanceof InputError && reread.ref !== undefined) return reread;
  const reason = CSV_REASON.exec(message)?.[1];
  const file = /^ {2}file = (.*)$/m.exec(message)?.[1] ?? files.join(', ');
  const what = `DuckDB's CSV reader cannot read record ${record} of ${file}${reason === undefined ? '' : ` (${reason.replace(/\.$/, '')})`}`;
  return new UsageError(reread === undefined ? `${what}, which the default engine reads: run ${command} without --engine duckdb` : `${what}: run ${command} without --engine duckdb, which names the file, line and field`);
}

/** DuckDB's error reading `what`, in its first line; the package missing (the first request opens the instance) said as it is. */
function cannotRead(what: string, error: unknown): Error {
  return error instanceof UsageError ? error : new UsageError(`--engine duckdb cannot read ${what}: ${(error as Error).message.split('\n')[0]}`);
}

/** The reasons DuckDB's CSV reader gives for a record it cannot read, as it writes them. */
const CSV_REASON = /^(Expected Number of Columns: \d+ Found: \d+|Value with unterminated quote found\.|Invalid unicode \(byte sequence mismatch\) detected\.|Maximum line size of \d+ bytes exceeded\.)/m;

/** Each run's tables get names of their own (a process that prices several logs shares one instance). */
let run = 0;

/**
 * How DuckDB is told the files are compressed. The in-process reader knows gzip by a file's first bytes; DuckDB by its name
 * (`.gz`, and only in lower case): a gzipped `log.CSV.GZ` or `log.csv` was read as its raw bytes (with the header named here,
 * a log of no rows, priced 0.00). Names that say what the files are: nothing to tell. Else files all gzip or all plain: said
 * (`compression`); both kinds: each name must say which it is.
 */
function compression(paths: readonly string[], gzip: readonly boolean[] | undefined): string {
  if (gzip === undefined) return '';
  const misnamed = paths.findIndex((path, i) => gzip[i] !== path.endsWith('.gz'));
  if (misnamed < 0) return '';
  if (gzip.every((g) => g)) return ", compression = 'gzip'";
  if (gzip.every((g) => !g)) return ", compression = 'uncompressed'";
  throw new UsageError(`--engine duckdb reads gzipped and plain files together by their names, and ${paths[misnamed]} ${gzip[misnamed] ? 'is gzip data without' : 'is not gzip data, with'} a name ending in .gz: rename it, price the files apart, or use the default engine`);
}

/**
 * The paths with each pattern replaced by the files DuckDB finds for it (none found: exit 2 naming it), as the shell would:
 * a file whose name starts with a dot (`.DS_Store`, `._may.csv`) only where the pattern's last part does. A missing file or
 * a directory named: exit 2, as the in-process reader says it.
 */
async function expandGlobs(connection: DuckSession, paths: readonly string[]): Promise<readonly string[]> {
  const files: string[] = [];
  for (const path of paths) {
    if ((await fileOrPattern(path)) === 'file') {
      files.push(path);
      continue;
    }
    let found: string[];
    try {
      found = (await connection.query(`SELECT file FROM glob('${path.replaceAll("'", "''")}') ORDER BY file`)).rows.map((row) => row[0]!);
    } catch (error) {
      throw cannotRead(path, error);
    }
    const dotted = basename(path).startsWith('.');
    const shown = found.filter((file) => dotted || !basename(file).startsWith('.'));
    if (shown.length === 0) throw new UsageError(`--engine duckdb: no file matches ${path}`);
    files.push(...shown);
  }
  return files;
}

/** The columns the canonical fields are read from (`--map`). */
function canonicalColumns(map: ReadonlyMap<CanonicalField, string>): string[] {
  // Two fields may be read from one column (--map timestamp=at --map started_at=at): each column once.
  return [...new Set(CANONICAL_FIELDS.map((f) => map.get(f) ?? f))];
}

/**
 * The FROM item that reads the files (one reader per format; a glob as the files DuckDB finds for it), those files
 * (`files`), and the FROM item their columns are described from. NDJSON is read with the canonical fields named as text, not the types DuckDB guesses from a sample
 * of the lines (a key first seen past the sample would be lost, a value unlike the sample's an error); with its columns
 * matched by name, DuckDB would also estimate the log at no rows and hash the log's side of the plan join. `known`: the
 * columns of CSV files that share one plain header line, or the canonical ones of NDJSON whose first record names the kind,
 * read here (no DESCRIBE then).
 */
async function fromItem(paths: readonly string[], map: ReadonlyMap<CanonicalField, string>, connection: DuckSession): Promise<{ from: string; describe: string; known?: string[] | undefined; files: readonly string[] }> {
  if (paths.includes('-')) throw new UsageError('--engine duckdb reads files, not standard input: give the file names');
  // A CSV or NDJSON file's start is read here (its header, its first record, gzip or not), so a glob's files are asked of
  // DuckDB first (its own expansion, the one its readers make): no file is then left to DuckDB's guesses, and a pattern
  // without an extension (`logs/*`) is read by its files' format.
  const files = await expandGlobs(connection, paths);
  const formats = new Set(files.map((p) => logExtension(p)));
  if (formats.size !== 1) throw new UsageError(`--engine duckdb reads files of one format at a time (here ${[...formats].map((f) => f || 'no extension').join(', ')})`);
  const format = [...formats][0]!;
  const same = (from: string): { from: string; describe: string; files: readonly string[] } => ({ from, describe: from, files });
  // Each a name, not a pattern: DuckDB's readers expand every item of their list, so a file's `[`, `*` or `?` is escaped (a
  // file `a[1].csv` would else be read as the pattern matching `a1.csv`).
  const list = `[${files.map((p) => `'${p.replace(/[[*?]/g, (c) => `[${c}]`).replaceAll("'", "''")}'`).join(', ')}]`;
  // Columns matched by name only where the files' headers differ: DuckDB then estimates the table at a few dozen rows and
  // builds its hash joins on the log's side instead of the plan table's.
  // The CSV dialect the in-process reader reads (commas, double quotes doubled inside quotes), not one DuckDB guesses: the
  // same columns on both engines, and DuckDB sniffs no dialect (twice a run: the columns described, then the statement).
  if (format === '.csv') {
    const header = await csvHeader(files);
    const dialect = `header = true, delim = ',', quote = '"', escape = '"'${compression(files, header.gzip)}`;
    if (header.columns !== undefined) {
      // Its columns named here as text: DuckDB guesses nothing (its sniffer read the file's start for ~30 ms of a 1M-row run,
      // and took a row with a field too many for a reason to make up columns of its own), and a row that does not fit the
      // header is an error naming its line.
      const columns = header.columns.map((c) => `'${c}': 'VARCHAR'`).join(', ');
      return { ...same(`read_csv(${list}, ${dialect}, auto_detect = false, columns = {${columns}})`), known: header.columns };
    }
    return same(`read_csv(${list}, ${dialect}, all_varchar = true${header.same ? '' : ', union_by_name = true'})`);
  }
  if (format === '.ndjson' || format === '.jsonl') {
    const columns = canonicalColumns(map).map((c) => `'${c.replaceAll("'", "''")}': 'VARCHAR'`).join(', ');
    // A log whose first record names the kind is in the canonical schema: DuckDB is not asked to describe it.
    const heads = await ndjsonHeads(files, map.get('kind') ?? 'kind');
    const told = compression(files, heads.gzip);
    return { from: `read_ndjson(${list}, columns = {${columns}}${told})`, describe: `read_ndjson(${list}, union_by_name = true${told})`, known: heads.names ? canonicalColumns(map) : undefined, files };
  }
  if (format === '.parquet') return same(`read_parquet(${list}, union_by_name = true)`);
  throw new UsageError(`--engine duckdb reads .csv, .ndjson and .parquet files in the canonical schema, not ${format || 'files without an extension'}: convert other shapes with tallyman normalize`);
}
