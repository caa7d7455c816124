import type { SchemaElement } from 'hyparquet';
import { ByteWriter, ParquetWriter, type ColumnSource } from 'hyparquet-writer';

/**
 * The column types tallyman writes: text, whole numbers, booleans, instants (epoch ms, UTC) and
 * exact decimals (a decimal string, written as its unscaled integer at a fixed scale).
 */
export type ParquetKind = 'string' | 'int64' | 'boolean' | 'timestamp' | { decimal: { precision: number; scale: number } };

/** A column of a Parquet file tallyman writes. */
export interface ParquetColumn {
  name: string;
  kind: ParquetKind;
}

/** A cell: text, a whole number (bigint), a boolean, epoch ms (a number, for timestamps), a decimal string, or null. */
export type ParquetCell = string | bigint | boolean | number | null;

/** Rows in a Parquet row group at most: a group's columns are held in memory until written. */
const GROUP_ROWS = 65_536;

/**
 * Writes rows as a Parquet file, a row group at a time, its bytes handed to `sink` as they are
 * made (never the whole file in memory): typed columns, Snappy-compressed, with statistics.
 */
export class ParquetRowWriter {
  private readonly writer: ParquetWriter;
  /** The writer's buffer, handed to the sink after each row group (`flush`, which ParquetWriter calls) and at the end. */
  private readonly bytes: ByteWriter & { flush?: () => void } = new ByteWriter(1 << 20);
  private rows: ParquetCell[][] = [];

  constructor(private readonly columns: readonly ParquetColumn[], sink: (bytes: Uint8Array) => void, createdBy: string) {
    this.bytes.flush = () => {
      sink(new Uint8Array(this.bytes.buffer, 0, this.bytes.index).slice());
      this.bytes.index = 0;
    };
    this.bytes.finish = this.bytes.flush;
    this.writer = new ParquetWriter({ writer: this.bytes, schema: schemaOf(columns), createdBy });
  }

  /** Adds one row (cells in the order of the columns). */
  add(row: ParquetCell[]): void {
    this.rows.push(row);
    if (this.rows.length === GROUP_ROWS) this.writeGroup();
  }

  /** Writes what is left and the footer. */
  finish(): void {
    this.writeGroup();
    void this.writer.finish();
  }

  private writeGroup(): void {
    const rows = this.rows;
    if (rows.length === 0) return;
    this.rows = [];
    const columnData = this.columns.map((column, c): ColumnSource => ({ name: column.name, data: rows.map((row) => cellValue(column.kind, row[c] ?? null)) }));
    void this.writer.write({ columnData, rowGroupSize: rows.length });
  }
}

/** The whole Parquet file of some rows, as bytes. */
export function parquetBytes(columns: readonly ParquetColumn[], rows: Iterable<ParquetCell[]>, createdBy: string): Uint8Array {
  const parts: Uint8Array[] = [];
  const writer = new ParquetRowWriter(columns, (bytes) => parts.push(bytes), createdBy);
  for (const row of rows) writer.add(row);
  writer.finish();
  return Buffer.concat(parts);
}

/** The schema of the columns, every one optional (a null is an absent value). */
function schemaOf(columns: readonly ParquetColumn[]): SchemaElement[] {
  return [{ name: 'root', num_children: columns.length }, ...columns.map((c) => ({ name: c.name, repetition_type: 'OPTIONAL' as const, ...typeOf(c.kind) }))];
}

function typeOf(kind: ParquetKind): Omit<SchemaElement, 'name'> {
  if (kind === 'string') return { type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } };
  if (kind === 'int64') return { type: 'INT64' };
  if (kind === 'boolean') return { type: 'BOOLEAN' };
  if (kind === 'timestamp') return { type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' } };
  const { precision, scale } = kind.decimal;
  const decimal = { converted_type: 'DECIMAL' as const, logical_type: { type: 'DECIMAL' as const, precision, scale }, precision, scale };
  return precision <= 18 ? { type: 'INT64', ...decimal } : { type: 'FIXED_LEN_BYTE_ARRAY', type_length: 16, ...decimal };
}

/** A cell as the writer takes it: a decimal string as its unscaled bigint at the column's scale. */
function cellValue(kind: ParquetKind, cell: ParquetCell): ParquetCell {
  if (cell === null || typeof kind === 'string') return cell;
  return unscaledOf(cell as string, kind.decimal.scale);
}

/**
 * A decimal string's unscaled integer at `scale` decimals, exactly; one with more decimals than the
 * column holds is a bug of the caller (a value is never rounded on its way into a file).
 */
export function unscaledOf(text: string, scale: number): bigint {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new Error(`"${text}" is not a decimal`);
  const [, sign, whole, fraction = ''] = match;
  if (fraction.replace(/0+$/, '').length > scale) throw new Error(`${text} has more than ${scale} decimals`);
  const digits = BigInt(whole! + fraction.padEnd(scale, '0').slice(0, scale));
  return sign === '-' ? -digits : digits;
}
