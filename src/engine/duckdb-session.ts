import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import type { ConstantTable } from '../sql/tables.js';
import { UsageError } from '../util/errors.js';

// The embedded DuckDB of `--engine duckdb`: one instance per memory limit, its statements' cells read as text. Used on the
// thread that runs it: DuckDB's own thread (src/engine/duckdb-thread.ts), or the main one where that thread cannot be started.

/** A statement's result: its columns and its rows, every cell as text (NULL as null). */
export interface DuckResult {
  columns: string[];
  rows: (string | null)[][];
}

/** A connection to this thread's DuckDB instance. */
export interface DuckSession {
  query(sql: string): Promise<DuckResult>;
  /** Creates table `name` with the columns of `table` and appends its rows. */
  fill(name: string, table: ConstantTable): Promise<void>;
}

/** The part of `@duckdb/node-api` used here. */
interface DuckConnection {
  runAndReadAll(sql: string): Promise<{ columnNames(): string[]; getRows(): unknown[][] }>;
  createAppender(table: string): Promise<DuckAppender>;
}

interface DuckAppender {
  appendVarchar(value: string): void;
  appendBigInt(value: bigint): void;
  appendNull(): void;
  endRow(): void;
  closeSync(): void;
}

/** What a session is opened with: DuckDB's memory limit (its default when undefined) and the folder it spills to. */
export interface SessionOptions {
  memory: string | undefined;
  spill: string;
}

/** One instance per memory limit on a thread: a process that prices several logs (the tests) opens it once. */
const sessions = new Map<string, Promise<DuckSession>>();

export function session(options: SessionOptions): Promise<DuckSession> {
  const key = options.memory ?? '';
  let opened = sessions.get(key);
  if (opened === undefined) {
    opened = open(options);
    // A failed open (the module missing) is not kept: the error is said each time.
    opened.catch(() => sessions.delete(key));
    sessions.set(key, opened);
  }
  return opened;
}

/** What is said when the optional package is not installed. */
export const MISSING_DUCKDB = '--engine duckdb needs the optional package @duckdb/node-api: npm install @duckdb/node-api (or use the default engine, --engine js)';

async function open({ memory, spill }: SessionOptions): Promise<DuckSession> {
  let api: { DuckDBInstance: { create(path: string, config: Record<string, string>): Promise<{ connect(): Promise<DuckConnection> }> } };
  try {
    // Required, not imported: the package is CommonJS, and an import first scans its source for its exports (about 150 ms a run).
    api = createRequire(import.meta.url)('@duckdb/node-api') as typeof api;
  } catch {
    throw new UsageError(MISSING_DUCKDB);
  }
  // Where DuckDB spills past its memory limit: a folder of the run's own under the system's temporary one (DuckDB's default
  // is `.tmp` in the working directory, a folder left beside the user's files).
  const config: Record<string, string> = { threads: String(availableParallelism()), temp_directory: spill };
  if (memory !== undefined && memory !== '') config.memory_limit = memory;
  let instance: Awaited<ReturnType<typeof api.DuckDBInstance.create>>;
  try {
    instance = await api.DuckDBInstance.create(':memory:', config);
  } catch (error) {
    // The one setting of the user's in the configuration: a limit DuckDB cannot read is said as theirs, not the log's.
    if (config.memory_limit === undefined) throw error;
    throw new UsageError(`TALLYMAN_DUCKDB_MEMORY=${memory}: DuckDB cannot take it as a memory limit (${(error as Error).message.split('\n')[0]}): give a size such as 4GB or 500MB`);
  }
  const connection = await instance.connect();
  // Instants in UTC whatever the machine's zone (a TIMESTAMP column met with a TIMESTAMPTZ one in another file is read in it).
  await connection.runAndReadAll("SET TimeZone = 'UTC'");
  // DuckDB estimates an NDJSON log at a few dozen rows, and its optimizer that picks each join's build side then hashed the
  // log's million rows for the plan join instead of the plan table (0.39 s against 0.06 s): without it, the build side is the
  // one the statement puts on the right. Only a hint of speed: a DuckDB that does not know the name runs without it.
  await connection.runAndReadAll("SET disabled_optimizers = 'build_side_probe_side'").catch(() => undefined);
  // One request at a time, in the order asked: a statement asked for with its tables runs after they are filled.
  let last: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(work: () => Promise<T>): Promise<T> => {
    const turn = last.then(work, work);
    last = turn.catch(() => undefined);
    return turn;
  };
  return {
    query: (sql) => inTurn(async () => {
      const result = await connection.runAndReadAll(sql);
      return { columns: result.columnNames(), rows: result.getRows().map((row) => row.map((cell) => (cell === null || cell === undefined ? null : String(cell)))) };
    }),
    fill: (name, table) => inTurn(async () => {
      await connection.runAndReadAll(`CREATE TABLE ${name} (${table.columns.map((c) => `${c.name} ${c.type === 'text' ? 'VARCHAR' : 'BIGINT'}`).join(', ')})`);
      const appender = await connection.createAppender(name);
      for (const row of table.rows) {
        for (const cell of row) {
          if (cell === null) appender.appendNull();
          else if (typeof cell === 'number') appender.appendBigInt(BigInt(cell));
          else appender.appendVarchar(cell);
        }
        appender.endRow();
      }
      appender.closeSync();
    }),
  };
}
