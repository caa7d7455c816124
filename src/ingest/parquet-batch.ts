import { InputError } from '../util/errors.js';
import { ABSENT, type UsageBatch } from './batch.js';
import type { ReadOptions } from './index.js';
import { booleanCell, choiceCell, codeCell, countCell, instantCell, KIND_CHOICES, NOT_PLAIN, REGION_CHOICES, secondsCell, STATUS_CHOICES, textCell, type TypedCell } from './parquet-columns.js';
import { asParquetError, ParquetRowText, parquetGroups, type ParquetColumn, type ParquetGroup, type ParquetSource } from './parquet.js';
import type { ParquetValue } from './parquet-values.js';
import { isFeatureList, PlainRow, pushPlainRow } from './plain-row.js';
import type { CanonicalField } from './record.js';

/** What the reader tells its caller: the file's row count before any row (to size the duplicate table), rows and bytes read. */
export interface ParquetProgress {
  rows?: (count: number) => void;
  read?: (rows: number) => void;
  bytes?: (bytes: number) => void;
}

/** A typed column of the current row group: its cells and how one is read. */
interface Column {
  data: ArrayLike<unknown>;
  read: TypedCell;
}

/** A column as the decoder holds it: where it is in the group, how a cell is read, its cells read (typedGroup). */
interface HeldColumn extends Column {
  at: number;
  cell: TypedCell;
  /** Kept as hyparquet gives it (the id, a webhook), never read into numbers. */
  raw: boolean;
  values: Float64Array;
}

const ITSELF: TypedCell = (value) => value as number;

const NO_DATA: ArrayLike<unknown> = [];

/**
 * Reads a Parquet log straight into the batch's columns, one row group at a time: each row whose
 * cells are all plain (parquet-columns.ts) is decoded from its typed cells with no record and no
 * text, by the byte decoder's own cross-field rules (pushPlainRow); any other row goes the text path
 * (ParquetRowText: the CSV's text through normalizeRecord), which adds it or its error. A row's
 * line is its row number in the file, 1-based.
 */
export async function readParquetInto(source: ParquetSource, name: string, batch: UsageBatch, options: ReadOptions, progress: ParquetProgress = {}): Promise<void> {
  let decoder: ParquetRowDecoder | undefined;
  const start = (columns: ParquetColumn[], rows: number): void => {
    decoder = new ParquetRowDecoder(batch, name, columns, options);
    progress.rows?.(rows);
  };
  for await (const group of parquetGroups(source, name, options, start)) {
    const count = group.rowEnd - group.rowStart;
    try {
      // A group is read a column at a time into numbers up to its first row that is not plain; the
      // rest of it, decoded again whole, row by row.
      const taken = await decoder!.typedGroup(group, count);
      if (taken < count) {
        decoder!.group(await group.columns());
        for (let i = taken; i < count; i++) decoder!.row(i, group.rowStart + i + 1);
      }
    } catch (error) {
      throw asParquetError(error, name);
    }
    decoder!.group([]);
    progress.read?.(count);
    progress.bytes?.(group.bytes);
  }
}

/** Decodes the rows of a row group's typed columns into a batch (the Parquet twin of ByteRowDecoder). */
export class ParquetRowDecoder {
  private readonly columns: HeldColumn[] = [];
  private readonly text: ParquetRowText;
  private readonly plain = new PlainRow();
  private readonly fileCode: number;
  private kind?: Column;
  private status?: Column;
  private channels?: Column;
  private features?: Column;
  private audio?: Column;
  private session?: Column;
  private terminated?: Column;
  private input?: Column;
  private output?: Column;
  private classes: (Column | undefined)[] = [];
  private timestamp?: Column;
  private started?: Column;
  private ended?: Column;
  private completed?: Column;
  private region?: Column;
  private model?: Column;
  private project?: Column;
  private apiKey?: Column;
  private customer?: Column;
  private webhook?: Column;
  private id?: HeldColumn & { text: (cell: ParquetValue) => string | undefined | null };

  constructor(
    private readonly batch: UsageBatch,
    name: string,
    parquetColumns: readonly ParquetColumn[],
    options: Pick<ReadOptions, 'inputZone'>,
  ) {
    this.fileCode = batch.strings.files.of(name);
    this.text = new ParquetRowText(parquetColumns, name, options);
    const strings = batch.strings.text;
    const zone = options.inputZone;
    const byField = new Map<CanonicalField, Column>();
    for (const [at, c] of parquetColumns.entries()) {
      const cell = cellReader(c, strings, zone);
      const column: HeldColumn = { data: NO_DATA, read: cell, cell, at, raw: c.field === 'id' || c.field === 'webhook_url', values: new Float64Array(0) };
      this.columns.push(column);
      if (c.field === 'id') this.id = Object.assign(column, { text: textCell(c.element, c.decimalScale) });
      else byField.set(c.field, column);
    }
    const dimensions = batch.strings.dimensions;
    this.kind = byField.get('kind');
    this.status = byField.get('status');
    this.channels = byField.get('channels');
    this.features = byField.get('features');
    this.audio = byField.get('audio_duration');
    this.session = byField.get('session_duration');
    this.terminated = byField.get('terminated');
    this.input = byField.get('input_tokens');
    this.output = byField.get('output_tokens');
    this.classes = [byField.get('cache_read_tokens'), byField.get('cache_write_tokens'), byField.get('cache_write_1h_tokens'), byField.get('reasoning_tokens')];
    this.timestamp = byField.get('timestamp');
    this.started = byField.get('started_at');
    this.ended = byField.get('ended_at');
    this.completed = byField.get('completed_at');
    this.region = byField.get('region');
    this.model = byField.get('model');
    this.project = dimensions.project ? byField.get('project') : undefined;
    this.apiKey = dimensions.apiKey ? byField.get('api_key') : undefined;
    this.customer = dimensions.customer ? byField.get('customer_id') : undefined;
    this.webhook = byField.get('webhook_url');
  }

  /** The next row group's decoded columns (in the order of the columns given), or none to let them go. */
  group(data: readonly ArrayLike<unknown>[]): void {
    for (const column of this.columns) {
      column.data = data[column.at] ?? NO_DATA;
      column.read = column.cell;
    }
    this.data = data;
  }

  /**
   * Reads a row group a column at a time, each column's cells into numbers (hyparquet's array let go
   * before the next column is decoded), and adds its rows to the batch up to the first that is not
   * plain, whose index it returns (`count` when every row was added): the caller reads the rest of
   * the group row by row.
   */
  async typedGroup(group: ParquetGroup, count: number): Promise<number> {
    this.group([]);
    let limit = count;
    for (const column of this.columns) {
      if (limit === 0) return 0;
      const data = await group.column(column.at);
      if (column.raw) {
        column.data = data;
        continue;
      }
      if (column.values.length < count) column.values = new Float64Array(count);
      const { values, cell } = column;
      for (let i = 0; i < limit; i++) {
        if ((values[i] = cell(data[i] as ParquetValue)) === NOT_PLAIN) limit = i;
      }
      column.data = values;
      column.read = ITSELF;
    }
    const start = group.rowStart + 1;
    for (let i = 0; i < limit; i++) if (!this.decode(i, start + i)) return i;
    return limit;
  }

  private data: readonly ArrayLike<unknown>[] = [];

  /** Row `i` of the group into the batch: typed when plain, else by the text path (the row or its error). */
  row(i: number, line: number): void {
    if (this.decode(i, line)) return;
    try {
      this.batch.pushRecord(this.text.record(this.data, i, line));
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      this.batch.pushError(error);
    }
  }

  /** Decodes a plain row into the batch; false (having added nothing) when the text path must read it. */
  decode(i: number, line: number): boolean {
    if (!this.fill(i)) return false;
    const id = this.idOf(i);
    if (id === null) return false;
    const r = pushPlainRow(this.batch, this.fileCode, line, this.plain);
    if (r < 0) return false;
    if (id !== undefined) this.batch.idFromText(r, this.plain.kind, id);
    return true;
  }

  /** Row `i`'s id: its text, undefined when none, null when the text path must read it. */
  private idOf(i: number): string | undefined | null {
    return this.id === undefined ? undefined : this.id.text(this.id.data[i] as ParquetValue);
  }

  /** Fills `plain` from row `i`'s cells; false when a cell is not plain. */
  private fill(i: number): boolean {
    // A webhook's customer is read from its URL by the text path.
    if (this.webhook !== undefined && !empty(this.webhook.data[i])) return false;
    const row = this.plain;
    if ((row.kind = read(this.kind, i, NOT_PLAIN)) === NOT_PLAIN) return false;
    if ((row.failed = read(this.status, i, 0)) === NOT_PLAIN) return false;
    if ((row.channels = read(this.channels, i, ABSENT)) === NOT_PLAIN) return false;
    if (row.channels === ABSENT) row.channels = 1;
    if ((row.features = read(this.features, i, 0)) === NOT_PLAIN) return false;
    if ((row.audioMs = read(this.audio, i, ABSENT)) === NOT_PLAIN) return false;
    if ((row.duration = read(this.session, i, ABSENT)) === NOT_PLAIN) return false;
    if ((row.terminated = read(this.terminated, i, ABSENT)) === NOT_PLAIN) return false;
    if ((row.input = read(this.input, i, ABSENT)) === NOT_PLAIN) return false;
    if ((row.output = read(this.output, i, ABSENT)) === NOT_PLAIN) return false;
    for (let k = 0; k < 4; k++) if ((row.classes[k] = read(this.classes[k], i, ABSENT)) === NOT_PLAIN) return false;
    if ((row.timestamp = read(this.timestamp, i, Number.NaN)) === NOT_PLAIN) return false;
    if ((row.started = read(this.started, i, Number.NaN)) === NOT_PLAIN) return false;
    if ((row.ended = read(this.ended, i, Number.NaN)) === NOT_PLAIN) return false;
    if ((row.completed = read(this.completed, i, Number.NaN)) === NOT_PLAIN) return false;
    if ((row.region = read(this.region, i, 0)) === NOT_PLAIN) return false;
    if ((row.model = read(this.model, i, 0)) === NOT_PLAIN) return false;
    if ((row.project = read(this.project, i, 0)) === NOT_PLAIN) return false;
    if ((row.apiKey = read(this.apiKey, i, 0)) === NOT_PLAIN) return false;
    return (row.customer = read(this.customer, i, 0)) !== NOT_PLAIN;
  }
}

function read(column: Column | undefined, i: number, none: number): number {
  return column === undefined ? none : column.read(column.data[i] as ParquetValue);
}

/** A cell the text path would take as absent only when it is null or empty (anything else it reads). */
function empty(cell: unknown): boolean {
  return cell === null || cell === undefined || cell === '';
}

/** How a column's cells are read, by the field it holds. */
function cellReader(c: ParquetColumn, strings: UsageBatch['strings']['text'], zone: ReadOptions['inputZone']): TypedCell {
  const { element, decimalScale } = c;
  switch (c.field) {
    case 'kind':
      return choiceCell(element, decimalScale, KIND_CHOICES, NOT_PLAIN);
    case 'status':
      return choiceCell(element, decimalScale, STATUS_CHOICES, 0);
    case 'region':
      return choiceCell(element, decimalScale, REGION_CHOICES, 0);
    case 'audio_duration':
    case 'session_duration':
      return secondsCell(element, decimalScale);
    case 'channels':
    case 'input_tokens':
    case 'output_tokens':
    case 'cache_read_tokens':
    case 'cache_write_tokens':
    case 'cache_write_1h_tokens':
    case 'reasoning_tokens':
      return countCell(element, decimalScale);
    case 'terminated':
      return booleanCell(element, decimalScale);
    case 'timestamp':
    case 'started_at':
    case 'ended_at':
    case 'completed_at':
      return instantCell(element, decimalScale, zone);
    case 'features':
      return codeCell(element, decimalScale, strings, isFeatureList);
    default:
      return codeCell(element, decimalScale, strings);
  }
}
