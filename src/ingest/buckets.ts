import { InputError } from '../util/errors.js';
import { isParquet, parquetLibrary } from './parquet.js';
import { readCsvRows } from './csv.js';
import { decodeUtf8 } from './decode.js';
import { readJsonDocument, readNdjson, type JsonItem } from './json.js';
import { logExtension, openBytes } from './open.js';

/** One row of a bucket table as text cells by column, with where it stands. */
export interface BucketFileRow {
  ref: { file: string; line: number; index?: number };
  cells: Map<string, string>;
}

/**
 * Reads a bucket table (docs/sql.md) as a warehouse exports it: CSV with a header row, a JSON array
 * of objects, NDJSON, or the `{ "rows": [...] }` of `--format buckets-json`; chosen by extension,
 * else by the first character. Cells become text: integers may be JSON numbers or strings (BigQuery
 * writes INT64 as strings), null and empty are "not given". Any other value is an InputError naming
 * the file, the line and the column.
 */
export async function readBucketFile(path: string): Promise<{ format: 'csv' | 'json' | 'parquet'; header: string[]; rows: BucketFileRow[] }> {
  const parts: Uint8Array[] = [];
  for await (const chunk of await openBytes(path)) parts.push(chunk);
  const bytes = Buffer.concat(parts);
  if (isParquet(bytes)) return readBucketParquet(bytes, path);
  const text = decodeUtf8((async function* () {
    yield bytes;
  })(), path);
  const extension = logExtension(path);
  const chunks: string[] = [];
  for await (const chunk of text) chunks.push(chunk);
  const whole = chunks.join('');
  const first = whole.trimStart()[0];
  const once = async function* (): AsyncGenerator<string> {
    yield whole;
  };
  if (extension === '.csv' || (extension !== '.json' && extension !== '.ndjson' && extension !== '.jsonl' && first !== '[' && first !== '{')) {
    const rows: BucketFileRow[] = [];
    let header: string[] | undefined;
    for await (const batch of readCsvRows(once(), path)) {
      for (const row of batch) {
        if (header === undefined) {
          header = row.values.map((v) => v.trim());
          continue;
        }
        rows.push({ ref: { file: path, line: row.line }, cells: new Map(header.map((c, i) => [c, row.values[i]!])) });
      }
    }
    if (header === undefined) throw new InputError({ file: path, line: 1 }, undefined, 'the bucket table is empty', 'it has a header row and at least its total row');
    return { format: 'csv', header, rows };
  }
  const items: JsonItem[] = [];
  const reader = extension === '.ndjson' || extension === '.jsonl' || (extension !== '.json' && first === '{' && /}\s*\n\s*{/.test(whole)) ? readNdjson(once(), path) : readJsonDocument(once(), path);
  for await (const item of reader) items.push(item);
  // `--format buckets-json` writes one object holding the rows.
  const objects: JsonItem[] = items.length === 1 && isObject(items[0]!.value) && Array.isArray(items[0]!.value.rows)
    ? (items[0]!.value.rows as unknown[]).map((value, index) => ({ line: items[0]!.line, index, value }))
    : items;
  const header: string[] = [];
  const rows = objects.map(({ line, index, value }): BucketFileRow => {
    const ref = { file: path, line, ...(index === undefined ? {} : { index }) };
    if (!isObject(value)) throw new InputError(ref, undefined, 'is not an object with the bucket table columns', 'export the table as JSON objects, one per row');
    const cells = new Map<string, string>();
    for (const [column, cell] of Object.entries(value)) {
      if (!header.includes(column)) header.push(column);
      if (cell === null || cell === undefined) cells.set(column, '');
      else if (typeof cell === 'string') cells.set(column, cell);
      else if (typeof cell === 'number' && Number.isSafeInteger(cell)) cells.set(column, String(cell));
      else throw new InputError(ref, column, `${JSON.stringify(cell)} is not text or a whole number`, 'check the export of the bucket table');
    }
    return { ref, cells };
  });
  return { format: 'json', header, rows };
}

/**
 * A bucket table as Parquet (a warehouse's export: BigQuery's INT64 and STRING, Snowflake's NUMBER
 * and VARCHAR), read whole (a bucket table is small). Every column is in the file, as in a CSV
 * header. Cells become text: whole numbers (INT64 as bigint, INT32, a DECIMAL of scale 0) as their
 * digits, text as it is, null as "not given"; anything else is an InputError naming the row and column.
 */
async function readBucketParquet(bytes: Buffer, path: string): Promise<{ format: 'parquet'; header: string[]; rows: BucketFileRow[] }> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let header: string[];
  let objects: Record<string, unknown>[];
  try {
    const { parquetMetadata, parquetReadObjects, parquetSchema, compressors } = await parquetLibrary();
    header = parquetSchema(parquetMetadata(file)).children.map((c) => c.element.name);
    objects = await parquetReadObjects({ file, compressors });
  } catch (error) {
    throw new InputError({ file: path, line: 1 }, undefined, `is not a readable Parquet file (${(error as Error).message.split('\n')[0]})`, 'export the bucket table again');
  }
  const rows = objects.map((value, i): BucketFileRow => {
    // A Parquet row has no line: its row number, 1-based.
    const ref = { file: path, line: i + 1 };
    const cells = new Map<string, string>();
    for (const column of header) {
      const cell = value[column];
      if (cell === null || cell === undefined) cells.set(column, '');
      else if (typeof cell === 'string') cells.set(column, cell);
      else if (typeof cell === 'bigint') cells.set(column, cell.toString());
      else if (typeof cell === 'number' && Number.isSafeInteger(cell)) cells.set(column, String(cell));
      else throw new InputError(ref, column, `${typeof cell === 'number' ? cell : typeof cell} is not text or a whole number`, 'export the bucket table with text and integer columns');
    }
    return { ref, cells };
  });
  return { format: 'parquet', header, rows };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
