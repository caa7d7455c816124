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

/**
 * The part of DuckDB's native bindings used here: `@duckdb/node-bindings` (DuckDB's C API, one function each), the layer under
 * the optional package `@duckdb/node-api`, loaded from where that package finds it. node-api's own ~60 modules of JavaScript
 * (45–60 ms a run, on DuckDB's thread, then on a run's critical path) are not loaded: cells are read from DuckDB's vectors here.
 */
interface Bindings {
  create_config(): unknown;
  set_config(config: unknown, name: string, value: string): void;
  open(path: string, config: unknown): Promise<unknown>;
  connect(database: unknown): Promise<Connection>;
  query(connection: Connection, sql: string): Promise<Result>;
  column_count(result: Result): number;
  column_name(result: Result, column: number): string;
  column_type(result: Result, column: number): number;
  fetch_chunk(result: Result): Promise<Chunk | null>;
  data_chunk_get_size(chunk: Chunk): number;
  data_chunk_get_vector(chunk: Chunk, column: number): Vector;
  vector_get_data(vector: Vector, bytes: number): Uint8Array;
  vector_get_validity(vector: Vector, bytes: number): Uint8Array | null;
  get_data_from_pointer(buffer: ArrayBufferLike, offset: number, bytes: number): Uint8Array;
  appender_create(connection: Connection, schema: string | null, table: string): Appender;
  append_varchar(appender: Appender, value: string): void;
  append_int64(appender: Appender, value: bigint): void;
  append_null(appender: Appender): void;
  appender_end_row(appender: Appender): void;
  appender_close_sync(appender: Appender): void;
}

// Handles the bindings give out and take back (DuckDB frees each when it is collected).
type Connection = { readonly connection: unique symbol };
type Result = { readonly result: unique symbol };
type Chunk = { readonly chunk: unique symbol };
type Vector = { readonly vector: unique symbol };
type Appender = { readonly appender: unique symbol };

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

/** What `Bindings` names: each a function of the loaded bindings, checked before the first call. */
const BINDING_FUNCTIONS = [
  'create_config', 'set_config', 'open', 'connect', 'query', 'column_count', 'column_name', 'column_type', 'fetch_chunk', 'data_chunk_get_size',
  'data_chunk_get_vector', 'vector_get_data', 'vector_get_validity', 'get_data_from_pointer', 'appender_create', 'append_varchar', 'append_int64',
  'append_null', 'appender_end_row', 'appender_close_sync',
] as const satisfies readonly (keyof Bindings)[];
/** Every function of `Bindings` is in the list (the build fails otherwise). */
const LISTED: Exclude<keyof Bindings, (typeof BINDING_FUNCTIONS)[number]> extends never ? true : never = true;
void LISTED;

/**
 * The bindings `@duckdb/node-api` loads, from where it finds them (its own folder first). node-api not installed: the message
 * saying how to install it. Installed, but its bindings do not load (no native package for this platform, a library it needs)
 * or lack a function used here (a version whose C API differs): said as that, with DuckDB's own words.
 */
function bindings(): Bindings {
  let api: string;
  try {
    api = createRequire(import.meta.url).resolve('@duckdb/node-api');
  } catch {
    throw new UsageError(MISSING_DUCKDB);
  }
  let loaded: Partial<Record<keyof Bindings, unknown>>;
  try {
    // Required, not imported: the package is CommonJS, and an import first scans its source for its exports.
    loaded = createRequire(api)('@duckdb/node-bindings') as typeof loaded;
  } catch (error) {
    throw new UsageError(`--engine duckdb cannot load DuckDB's native bindings (@duckdb/node-bindings, installed by @duckdb/node-api): ${(error as Error).message.split('\n')[0]} (install @duckdb/node-api again on this machine, or use the default engine, --engine js)`);
  }
  const lacking = BINDING_FUNCTIONS.filter((name) => typeof loaded[name] !== 'function');
  if (lacking.length > 0) {
    throw new UsageError(`--engine duckdb cannot use the DuckDB bindings installed with @duckdb/node-api: they have no ${lacking.join(', ')} (tallyman is tested with @duckdb/node-api 1.5: npm install @duckdb/node-api@1.5, or use the default engine, --engine js)`);
  }
  return loaded as Bindings;
}

async function open({ memory, spill }: SessionOptions): Promise<DuckSession> {
  const duckdb = bindings();
  // Where DuckDB spills past its memory limit: a folder of the run's own under the system's temporary one (DuckDB's default
  // is `.tmp` in the working directory, a folder left beside the user's files).
  const config = duckdb.create_config();
  duckdb.set_config(config, 'threads', String(availableParallelism()));
  duckdb.set_config(config, 'temp_directory', spill);
  const limited = memory !== undefined && memory !== '';
  /** The one setting of the user's in the configuration: a limit DuckDB cannot read is said as theirs, not the log's. */
  const badLimit = (error: unknown): UsageError =>
    new UsageError(`TALLYMAN_DUCKDB_MEMORY=${memory}: DuckDB cannot take it as a memory limit (${(error as Error).message.split('\n')[0]}): give a size such as 4GB or 500MB`);
  if (limited) {
    try {
      duckdb.set_config(config, 'memory_limit', memory);
    } catch (error) {
      throw badLimit(error);
    }
  }
  let connection: Connection;
  try {
    connection = await duckdb.connect(await duckdb.open(':memory:', config));
  } catch (error) {
    // DuckDB reads the limit as it opens: an error then that names memory is the setting's.
    if (limited && /memory/i.test((error as Error).message)) throw badLimit(error);
    throw new UsageError(`--engine duckdb cannot open DuckDB: ${(error as Error).message.split('\n')[0]}`);
  }
  const run = (sql: string): Promise<DuckResult> => duckdb.query(connection, sql).then((result) => readAll(duckdb, result));
  // Instants in UTC whatever the machine's zone (a TIMESTAMP column met with a TIMESTAMPTZ one in another file is read in it).
  await run("SET TimeZone = 'UTC'");
  // DuckDB estimates an NDJSON log at a few dozen rows, and its optimizer that picks each join's build side then hashed the
  // log's million rows for the plan join instead of the plan table (0.39 s against 0.06 s): without it, the build side is the
  // one the statement puts on the right. Only a hint of speed: a DuckDB that does not know the name runs without it.
  await run("SET disabled_optimizers = 'build_side_probe_side'").catch(() => undefined);
  // One request at a time, in the order asked: a statement asked for with its tables runs after they are filled.
  let last: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(work: () => Promise<T>): Promise<T> => {
    const turn = last.then(work, work);
    last = turn.catch(() => undefined);
    return turn;
  };
  return {
    query: (sql) => inTurn(() => run(sql)),
    fill: (name, table) => inTurn(async () => {
      await run(`CREATE TABLE ${name} (${table.columns.map((c) => `${c.name} ${c.type === 'text' ? 'VARCHAR' : 'BIGINT'}`).join(', ')})`);
      const appender = duckdb.appender_create(connection, null, name);
      for (const row of table.rows) {
        for (const cell of row) {
          if (cell === null) duckdb.append_null(appender);
          else if (typeof cell === 'number') duckdb.append_int64(appender, BigInt(cell));
          else duckdb.append_varchar(appender, cell);
        }
        duckdb.appender_end_row(appender);
      }
      duckdb.appender_close_sync(appender);
    }),
  };
}

/** How a column of a DuckDB type (its id in duckdb.h) is read: each cell's width in a vector's data, and the text of row `i`. */
interface CellReader {
  width: number;
  text(data: DataView, i: number, duckdb: Bindings): string;
}

// DuckDB's bytes as they are: a cell's leading U+FEFF kept (the SQL trims only spaces, tabs and line ends).
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** The types the statements sent here answer: text, integers of every width, booleans. */
const CELLS = new Map<number, CellReader>([
  [1, { width: 1, text: (data, i) => (data.getUint8(i) !== 0 ? 'true' : 'false') }], // BOOLEAN
  [2, { width: 1, text: (data, i) => String(data.getInt8(i)) }], // TINYINT
  [3, { width: 2, text: (data, i) => String(data.getInt16(i * 2, true)) }], // SMALLINT
  [4, { width: 4, text: (data, i) => String(data.getInt32(i * 4, true)) }], // INTEGER
  [5, { width: 8, text: (data, i) => String(data.getBigInt64(i * 8, true)) }], // BIGINT
  [6, { width: 1, text: (data, i) => String(data.getUint8(i)) }], // UTINYINT
  [7, { width: 2, text: (data, i) => String(data.getUint16(i * 2, true)) }], // USMALLINT
  [8, { width: 4, text: (data, i) => String(data.getUint32(i * 4, true)) }], // UINTEGER
  [9, { width: 8, text: (data, i) => String(data.getBigUint64(i * 8, true)) }], // UBIGINT
  [16, { width: 16, text: (data, i) => String((data.getBigInt64(i * 16 + 8, true) << 64n) + data.getBigUint64(i * 16, true)) }], // HUGEINT
  [32, { width: 16, text: (data, i) => String((data.getBigUint64(i * 16 + 8, true) << 64n) + data.getBigUint64(i * 16, true)) }], // UHUGEINT
  [17, { width: 16, text: varchar }], // VARCHAR
]);

/** A string: its length, then its bytes in place (up to 12) or a prefix and a pointer to them. */
function varchar(data: DataView, i: number, duckdb: Bindings): string {
  const length = data.getUint32(i * 16, true);
  const at = data.byteOffset + i * 16;
  return utf8.decode(length <= 12 ? new Uint8Array(data.buffer, at + 4, length) : duckdb.get_data_from_pointer(data.buffer, at + 8, length));
}

/** Every row of a result, each cell as text (NULL as null): integers in decimal, booleans as `true` and `false`. */
async function readAll(duckdb: Bindings, result: Result): Promise<DuckResult> {
  const count = duckdb.column_count(result);
  const columns: string[] = [];
  const readers: CellReader[] = [];
  for (let j = 0; j < count; j++) {
    columns.push(duckdb.column_name(result, j));
    const type = duckdb.column_type(result, j);
    const reader = CELLS.get(type);
    // The statements sent here answer text and integers only: another type is a statement of tallyman's own to mend.
    if (reader === undefined) throw new Error(`DuckDB answered column ${columns[j]} as type ${type}, which tallyman does not read`);
    readers.push(reader);
  }
  const rows: (string | null)[][] = [];
  for (let chunk = await duckdb.fetch_chunk(result); chunk !== null; chunk = await duckdb.fetch_chunk(result)) {
    const size = duckdb.data_chunk_get_size(chunk);
    if (size === 0) break;
    const first = rows.length;
    for (let i = 0; i < size; i++) rows.push(new Array<string | null>(count));
    for (let j = 0; j < count; j++) {
      const vector = duckdb.data_chunk_get_vector(chunk, j);
      const reader = readers[j]!;
      const bytes = duckdb.vector_get_data(vector, reader.width * size);
      const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      // One bit a row, in 64-bit words; none at all when every row is valid.
      const validity = duckdb.vector_get_validity(vector, Math.ceil(size / 64) * 8);
      for (let i = 0; i < size; i++) {
        const valid = validity === null || (validity[i >> 3]! & (1 << (i & 7))) !== 0;
        rows[first + i]![j] = valid ? reader.text(data, i, duckdb) : null;
      }
    }
  }
  return { columns, rows };
}
