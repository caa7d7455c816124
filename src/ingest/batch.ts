import { InputError, type SourceRef } from '../util/errors.js';
import { Interner } from '../util/interner.js';
import type { TextColumn } from '../util/columns.js';
import { ByteInterner } from '../util/tables.js';
import { hashed, hashIdBytes, hashIdText } from './id-hash.js';
import { REGIONS, USAGE_KINDS, type UsageRecord } from './record.js';

/** Rows a batch holds before it is folded. */
export const BATCH_ROWS = 2048;
/** A number column's value when the field was absent or empty. */
export const ABSENT = -1;
/** The kind column of a row that is an input error (in file order with the rows around it). */
export const ERROR_ROW = -1;

/** The log's interned text, shared by every batch of one run: models, add-on lists, dimensions; file names. */
export class LogStrings {
  /** Models, features texts, projects, API keys, customers (code 0: none). */
  readonly text = new ByteInterner();
  readonly files = new Interner(0xffff);
  /**
   * Whether anyone reads the project, API key and customer columns (a grouping, an observer): when
   * not, the readers leave them 0 rather than intern a value per row.
   */
  constructor(readonly dimensions: { project: boolean; apiKey: boolean; customer: boolean } = { project: true, apiKey: true, customer: true }) {}
}

/** What happened to a row in the fold, for the observers (set by the fold, in `UsageBatch.outcome`). */
export const Outcome = { Rejected: 0, Duplicate: 1, Excluded: 2, Unpriced: 3, Free: 4, Billed: 5 } as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

/**
 * Rows of a usage log as typed-array columns plus interned strings: what every reader fills (the
 * byte scanners straight from bytes, the text readers from validated records) and the one fold
 * reads. A row is a validated record or an input error, in file order. The fold writes what became
 * of each row into the outcome columns, which observers (audit, ledger, reconcile) then read.
 */
export class UsageBatch {
  length = 0;
  /** 0 transcript, 1 stream, 2 llm (as USAGE_KINDS), or ERROR_ROW. */
  readonly kind = new Int8Array(BATCH_ROWS);
  /** Instants in epoch ms; NaN when absent (`at`: the record's time, a stream's start). */
  readonly at = new Float64Array(BATCH_ROWS);
  readonly startedAt = new Float64Array(BATCH_ROWS);
  readonly completedAt = new Float64Array(BATCH_ROWS);
  /** Whole milliseconds, tokens and channels; ABSENT when not given. */
  readonly audioMs = new Float64Array(BATCH_ROWS);
  readonly sessionMs = new Float64Array(BATCH_ROWS);
  readonly channels = new Float64Array(BATCH_ROWS);
  readonly inputTokens = new Float64Array(BATCH_ROWS);
  readonly outputTokens = new Float64Array(BATCH_ROWS);
  /** The other LLM token classes (0 when not given). */
  readonly cacheReadTokens = new Float64Array(BATCH_ROWS);
  readonly cacheWriteTokens = new Float64Array(BATCH_ROWS);
  readonly cacheWrite1hTokens = new Float64Array(BATCH_ROWS);
  readonly reasoningTokens = new Float64Array(BATCH_ROWS);
  /** LLM: the region a request was routed to, as its code in REGIONS (0: not given). */
  readonly region = new Int8Array(BATCH_ROWS);
  /** Session time billed after a dropped socket (ms; 0 when none). */
  readonly graceMs = new Float64Array(BATCH_ROWS);
  readonly failed = new Uint8Array(BATCH_ROWS);
  readonly closed = new Uint8Array(BATCH_ROWS);
  /** Codes in `strings.text` (0: not given). */
  readonly model = new Int32Array(BATCH_ROWS);
  readonly features = new Int32Array(BATCH_ROWS);
  readonly project = new Int32Array(BATCH_ROWS);
  readonly apiKey = new Int32Array(BATCH_ROWS);
  readonly customer = new Int32Array(BATCH_ROWS);
  /** The duplicate key `kind\0id`, hashed (hasId 0: the row has no id). */
  readonly hasId = new Uint8Array(BATCH_ROWS);
  readonly idA = new Int32Array(BATCH_ROWS);
  readonly idB = new Int32Array(BATCH_ROWS);
  /** Where the row came from: file code, line, JSON array index (-1: none). */
  readonly file = new Int32Array(BATCH_ROWS);
  readonly line = new Int32Array(BATCH_ROWS);
  readonly index = new Int32Array(BATCH_ROWS);
  /** The error of each ERROR_ROW. */
  readonly errors: (InputError | undefined)[] = new Array(BATCH_ROWS).fill(undefined);

  /** The fold's verdict on each row, and the plan, quantities and billed session time of billed rows. */
  readonly outcome = new Int8Array(BATCH_ROWS);
  readonly plan = new Int32Array(BATCH_ROWS);
  /** 1 when the row's quantities were worked out (a billable row: billed, or a duplicate or outside the period). */
  readonly charged = new Uint8Array(BATCH_ROWS);
  /** Where a row's quantities start in `quantities` (one per item of its plan). */
  readonly quantityAt = new Int32Array(BATCH_ROWS);
  quantities = new Float64Array(BATCH_ROWS * 2);
  /** Session time billed (capped, or the cap when unclosed), before the increment. */
  readonly billedMs = new Float64Array(BATCH_ROWS);
  /** A duplicate's first sighting: file code and line. */
  readonly firstFile = new Int32Array(BATCH_ROWS);
  readonly firstLine = new Int32Array(BATCH_ROWS);

  /** An id's text: from the bytes it was read from (valid until the batch is folded) or a string. */
  private readonly idStart = new Int32Array(BATCH_ROWS);
  private readonly idEnd = new Int32Array(BATCH_ROWS);
  private readonly idText: (string | undefined)[] = new Array(BATCH_ROWS).fill(undefined);
  private idBytes: Uint8Array | undefined;

  /** Called when the batch is full (the fold): it must leave the batch empty. */
  drain: (batch: UsageBatch) => void = () => {
    throw new Error('a batch with no fold');
  };

  constructor(readonly strings: LogStrings) {}

  /** Folds what the batch holds now (before the bytes its ids point into are reused, or at the end). */
  flush(): void {
    if (this.length > 0) this.drain(this);
  }

  /** Empties the batch (the fold calls this once it has read every row). */
  clear(): void {
    for (let r = 0; r < this.length; r++) {
      this.errors[r] = undefined;
      this.idText[r] = undefined;
    }
    this.length = 0;
    this.idBytes = undefined;
  }

  /** Starts a row at `file`:`line` and returns its index; the caller fills the columns. */
  open(file: number, line: number, index = -1): number {
    if (this.length === BATCH_ROWS) this.drain(this);
    const r = this.length++;
    this.file[r] = file;
    this.line[r] = line;
    this.index[r] = index;
    this.hasId[r] = 0;
    return r;
  }

  /** Gives row `r` the id `bytes[start, end)` of a row of kind `kind` (ASCII). */
  idFromBytes(r: number, kind: number, bytes: Uint8Array, start: number, end: number): void {
    if (this.idBytes !== undefined && this.idBytes !== bytes) throw new Error('ids from two buffers in one batch: flush the batch before reusing a buffer');
    this.idBytes = bytes;
    hashIdBytes(kind, bytes, start, end);
    this.hasId[r] = 1;
    this.idA[r] = hashed.a;
    this.idB[r] = hashed.b;
    this.idStart[r] = start;
    this.idEnd[r] = end;
  }

  /** Adds a validated record as a row. */
  pushRecord(record: UsageRecord): void {
    const strings = this.strings;
    const r = this.open(strings.files.of(record.source.file), record.source.line, record.source.index ?? -1);
    const kind = USAGE_KINDS.indexOf(record.kind);
    this.kind[r] = kind;
    this.at[r] = record.at ?? Number.NaN;
    this.startedAt[r] = record.startedAt ?? Number.NaN;
    this.completedAt[r] = record.completedAt ?? Number.NaN;
    this.audioMs[r] = record.audioMs ?? ABSENT;
    this.sessionMs[r] = record.sessionMs ?? ABSENT;
    this.channels[r] = record.channels;
    this.inputTokens[r] = record.inputTokens;
    this.outputTokens[r] = record.outputTokens;
    this.cacheReadTokens[r] = record.cacheReadTokens;
    this.cacheWriteTokens[r] = record.cacheWriteTokens;
    this.cacheWrite1hTokens[r] = record.cacheWrite1hTokens;
    this.reasoningTokens[r] = record.reasoningTokens;
    this.graceMs[r] = record.graceMs;
    this.region[r] = record.region === undefined ? 0 : REGIONS.indexOf(record.region);
    this.failed[r] = record.failed ? 1 : 0;
    this.closed[r] = record.closed ? 1 : 0;
    this.model[r] = strings.text.ofText(record.model);
    this.features[r] = record.features.length === 0 ? 0 : strings.text.ofText(record.features.join(';'));
    const wanted = strings.dimensions;
    this.project[r] = wanted.project ? strings.text.ofText(record.project) : 0;
    this.apiKey[r] = wanted.apiKey ? strings.text.ofText(record.apiKey) : 0;
    this.customer[r] = wanted.customer ? strings.text.ofText(record.customer) : 0;
    if (record.id !== undefined) this.idFromText(r, kind, record.id);
  }

  /** Gives row `r` the id `id` of a row of kind `kind`. */
  idFromText(r: number, kind: number, id: string): void {
    hashIdText(kind, id);
    this.hasId[r] = 1;
    this.idA[r] = hashed.a;
    this.idB[r] = hashed.b;
    this.idText[r] = id;
    this.idStart[r] = -1;
  }

  /** Adds an input error as a row, so that it is reported (or skipped) in file order. */
  pushError(error: InputError): void {
    const ref = error.ref!;
    const r = this.open(this.strings.files.of(ref.file), ref.line, ref.index ?? -1);
    this.kind[r] = ERROR_ROW;
    this.errors[r] = error;
  }

  /** The id of row `r`, or undefined. */
  id(r: number): string | undefined {
    if (this.hasId[r] === 0) return undefined;
    const text = this.idText[r];
    if (text !== undefined) return text;
    const bytes = this.idBytes!;
    return Buffer.from(bytes.buffer, bytes.byteOffset + this.idStart[r]!, this.idEnd[r]! - this.idStart[r]!).toString('latin1');
  }

  /** Appends the id of row `r` (or '' for none) to `column`, without making a string of an id read as bytes. */
  pushIdTo(r: number, column: TextColumn): void {
    const text = this.idText[r];
    if (this.hasId[r] === 0) column.push('');
    else if (text !== undefined) column.push(text);
    else column.pushBytes(this.idBytes!, this.idStart[r]!, this.idEnd[r]!);
  }

  /** Where row `r` came from. */
  ref(r: number): SourceRef {
    const index = this.index[r]!;
    return { file: this.strings.files.at(this.file[r]!), line: this.line[r]!, index: index < 0 ? undefined : index };
  }

  /** The text of a code of `strings.text`, or undefined for 0. */
  text(code: number): string | undefined {
    return code === 0 ? undefined : this.strings.text.values[code];
  }

  /** Makes room for `count` more quantities from `at`. */
  reserveQuantities(at: number, count: number): void {
    if (at + count <= this.quantities.length) return;
    const bigger = new Float64Array(Math.max(this.quantities.length * 2, at + count));
    bigger.set(this.quantities);
    this.quantities = bigger;
  }
}
