import { ABSENT, type UsageBatch } from './batch.js';
import { equalsText, integer, INVALID, kindOf, latin1, seconds, trueOrFalse, utcInstant } from './fields.js';
import { emptyFields, mapHeader, type HeaderColumns } from './header.js';
import { normalizeRecord } from './normalize.js';
import { isFeatureList, PlainRow, pushPlainRow } from './plain-row.js';
import { REGIONS, type CanonicalField } from './record.js';
import type { RowSink } from './scan.js';
import { InputError } from '../util/errors.js';
import type { TimeZone } from '../util/time.js';

/** An instant the byte decoder does not read (every real instant is finite). */
const BAD = Number.NEGATIVE_INFINITY;

/**
 * Decodes the byte scanners' rows into a batch: a plain row's fields are read from bytes into
 * numbers and interned codes, exactly as normalizeRecord reads the same text; any row it is not
 * sure of (a space to trim, a value that is not plain, anything invalid) is read as text by
 * normalizeRecord itself, which also says what is wrong. One validation; a differential test holds
 * the two decodings to the same columns.
 */
export class ByteRowDecoder implements RowSink {
  private columns: HeaderColumns = [];
  private width = 0;
  private readonly at = new Map<CanonicalField, number>();
  private kindAt = -1;
  private idAt = -1;
  private timestampAt = -1;
  private completedAt = -1;
  private startedAt = -1;
  private endedAt = -1;
  private modelAt = -1;
  private audioAt = -1;
  private channelsAt = -1;
  private featuresAt = -1;
  private statusAt = -1;
  private sessionAt = -1;
  private terminatedAt = -1;
  private inputAt = -1;
  private outputAt = -1;
  /** cache_read_tokens, cache_write_tokens, cache_write_1h_tokens, reasoning_tokens. */
  private classAt = [-1, -1, -1, -1];
  /** The row being decoded. */
  private readonly plain = new PlainRow();
  private projectAt = -1;
  private apiKeyAt = -1;
  private customerAt = -1;
  private webhookAt = -1;
  private regionAt = -1;
  /** Whether each features code is a list of add-on names (else the text way says why not). */
  private readonly featuresOk: boolean[] = [true];
  private readonly fileCode: number;

  constructor(
    private readonly batch: UsageBatch,
    private readonly file: string,
    private readonly inputZone: TimeZone,
    private readonly map: ReadonlyMap<CanonicalField, string>,
  ) {
    this.fileCode = batch.strings.files.of(file);
  }

  /** Counts each row, for progress. */
  tick: () => void = () => undefined;
  /** Bytes read so far, for progress. */
  progress?: (bytes: number) => void;

  /** The header as resolved, for the text reader that carries on where the scanner stopped. */
  resumeAt(): { columns: HeaderColumns; width: number } {
    return { columns: this.columns, width: this.width };
  }

  header(names: string[]): void {
    this.width = names.length;
    this.columns = mapHeader(names, this.file, this.map);
    for (const [field, index] of this.columns) this.at.set(field, index);
    const at = (field: CanonicalField): number => this.at.get(field) ?? -1;
    this.kindAt = at('kind');
    this.idAt = at('id');
    this.timestampAt = at('timestamp');
    this.completedAt = at('completed_at');
    this.startedAt = at('started_at');
    this.endedAt = at('ended_at');
    this.modelAt = at('model');
    this.audioAt = at('audio_duration');
    this.channelsAt = at('channels');
    this.featuresAt = at('features');
    this.statusAt = at('status');
    this.sessionAt = at('session_duration');
    this.terminatedAt = at('terminated');
    this.inputAt = at('input_tokens');
    this.outputAt = at('output_tokens');
    this.classAt = [at('cache_read_tokens'), at('cache_write_tokens'), at('cache_write_1h_tokens'), at('reasoning_tokens')];
    const wanted = this.batch.strings.dimensions;
    this.projectAt = wanted.project ? at('project') : -1;
    this.apiKeyAt = wanted.apiKey ? at('api_key') : -1;
    this.customerAt = wanted.customer ? at('customer_id') : -1;
    this.webhookAt = at('webhook_url');
    this.regionAt = at('region');
  }

  /** Before the scanner reuses its buffer: the batch's ids point into it. */
  flush(): void {
    this.batch.flush();
  }

  row(bytes: Uint8Array, starts: Int32Array, ends: Int32Array, line: number, spaced: boolean): void {
    if (spaced || !this.decode(bytes, starts, ends, line)) this.byText(bytes, starts, ends, line);
    this.tick();
  }

  /** The text way for one row: its fields as text through normalizeRecord (the one validation). */
  byText(bytes: Uint8Array, starts: Int32Array, ends: Int32Array, line: number): void {
    const raw = emptyFields();
    for (const [field, index] of this.columns) raw[field] = latin1(bytes, starts[index]!, ends[index]!);
    try {
      this.batch.pushRecord(normalizeRecord(raw, { file: this.file, line }, this.inputZone));
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      this.batch.pushError(error);
    }
  }

  /** Decodes a plain row into the batch; false (having added nothing) when the text way must read it. */
  decode(b: Uint8Array, s: Int32Array, e: Int32Array, line: number): boolean {
    if (filled(this.webhookAt, s, e)) return false;
    const row = this.plain;
    const kind = this.kindAt < 0 ? -1 : kindOf(b, s[this.kindAt]!, e[this.kindAt]!);
    if (kind < 0) return false;
    row.kind = kind;
    row.failed = 0;
    if (filled(this.statusAt, s, e)) {
      const status = this.statusAt;
      if (equalsText(b, s[status]!, e[status]!, 'error')) row.failed = 1;
      else if (!equalsText(b, s[status]!, e[status]!, 'completed')) return false;
    }
    row.channels = filled(this.channelsAt, s, e) ? integer(b, s[this.channelsAt]!, e[this.channelsAt]!) : 1;
    if (row.channels === INVALID) return false;
    row.features = filled(this.featuresAt, s, e) ? this.featuresCode(b, s[this.featuresAt]!, e[this.featuresAt]!) : 0;
    if (row.features < 0) return false;
    row.audioMs = filled(this.audioAt, s, e) ? seconds(b, s[this.audioAt]!, e[this.audioAt]!) : ABSENT;
    row.duration = filled(this.sessionAt, s, e) ? seconds(b, s[this.sessionAt]!, e[this.sessionAt]!) : ABSENT;
    row.terminated = filled(this.terminatedAt, s, e) ? trueOrFalse(b, s[this.terminatedAt]!, e[this.terminatedAt]!) : ABSENT;
    row.input = filled(this.inputAt, s, e) ? integer(b, s[this.inputAt]!, e[this.inputAt]!) : ABSENT;
    row.output = filled(this.outputAt, s, e) ? integer(b, s[this.outputAt]!, e[this.outputAt]!) : ABSENT;
    if (row.audioMs === INVALID || row.duration === INVALID || row.terminated === INVALID || row.input === INVALID || row.output === INVALID) return false;
    for (let k = 0; k < 4; k++) {
      const column = this.classAt[k]!;
      const n = filled(column, s, e) ? integer(b, s[column]!, e[column]!) : ABSENT;
      if (n === INVALID) return false;
      row.classes[k] = n;
    }
    row.timestamp = this.instant(this.timestampAt, b, s, e);
    row.started = this.instant(this.startedAt, b, s, e);
    row.ended = this.instant(this.endedAt, b, s, e);
    row.completed = this.instant(this.completedAt, b, s, e);
    if (row.timestamp === BAD || row.started === BAD || row.ended === BAD || row.completed === BAD) return false;
    row.region = 0;
    if (filled(this.regionAt, s, e)) {
      for (let code = 1; code < REGIONS.length && row.region === 0; code++) if (equalsText(b, s[this.regionAt]!, e[this.regionAt]!, REGIONS[code]!)) row.region = code;
      if (row.region === 0) return false;
    }
    row.model = this.code(this.modelAt, b, s, e);
    row.project = this.code(this.projectAt, b, s, e);
    row.apiKey = this.code(this.apiKeyAt, b, s, e);
    row.customer = this.code(this.customerAt, b, s, e);
    const r = pushPlainRow(this.batch, this.fileCode, line, row);
    if (r < 0) return false;
    if (filled(this.idAt, s, e)) this.batch.idFromBytes(r, kind, b, s[this.idAt]!, e[this.idAt]!);
    return true;
  }

  /** An instant in plain UTC form, NaN when absent, BAD for any other text (the text way reads it). */
  private instant(column: number, b: Uint8Array, s: Int32Array, e: Int32Array): number {
    if (!filled(column, s, e)) return Number.NaN;
    const at = utcInstant(b, s[column]!, e[column]!);
    return Number.isNaN(at) ? BAD : at;
  }

  private code(column: number, b: Uint8Array, s: Int32Array, e: Int32Array): number {
    return filled(column, s, e) ? this.batch.strings.text.of(b, s[column]!, e[column]!) : 0;
  }

  /** The code of a features text, or -1 when it is not a list of add-on names (the text way says why). */
  private featuresCode(b: Uint8Array, start: number, end: number): number {
    const text = this.batch.strings.text;
    const code = text.of(b, start, end);
    let ok = this.featuresOk[code];
    if (ok === undefined) {
      ok = isFeatureList(text.values[code]!);
      this.featuresOk[code] = ok;
    }
    return ok ? code : -1;
  }
}

function filled(column: number, starts: Int32Array, ends: Int32Array): boolean {
  return column >= 0 && starts[column] !== ends[column];
}
