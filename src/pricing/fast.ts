import { emptyFields, mapHeader, type HeaderColumns } from '../ingest/index.js';
import { normalizeRecord } from '../ingest/normalize.js';
import { USAGE_KINDS, type CanonicalField, type UsageRecord } from '../ingest/record.js';
import type { RowSink } from '../ingest/scan.js';
import { InputError } from '../util/errors.js';
import { addExact, ceilToIncrement } from '../util/quantity.js';
import { equalsText, integer, INVALID, kindOf, latin1, seconds, trueOrFalse, utcInstant } from '../ingest/fields.js';
import { ByteInterner, TupleIndex } from '../util/tables.js';
import { formatDay, type TimeZone } from '../util/time.js';
import type { Bucket, Dimension, UsageAggregator } from './aggregate.js';
import { hashed, hashKeyBytes } from './idset.js';
import { inPeriod, type Period } from './period.js';
import { Cut, planOf, type Plan } from './plan.js';

/** Where the byte scanner's rows go: the run's aggregator, and the record path for the rows it leaves. */
export interface FoldTarget {
  aggregator: UsageAggregator;
  zone: TimeZone;
  inputZone: TimeZone;
  period: Period;
  groupBy: readonly Dimension[];
  map: ReadonlyMap<CanonicalField, string>;
  /** Adds a record the record way; its errors go to `onInvalid`. */
  take(record: UsageRecord): void;
  onInvalid(error: InputError): void;
  /** Counts a row for the progress display. */
  tick(): void;
  /** Told of every billed row the fold takes, where the record path would call `observe` (the ledger's columns). */
  billed?: BilledSink;
}

/** What a ledger keeps of a billed row, given as numbers: no record is made for it. */
export interface BilledSink {
  /**
   * A row billed under `plan`, used at `at` and charged at `completed` (as the record path's
   * completion time), with `quantities[i]` for `plan.items[i]`, at `line` of `file`.
   */
  billed(at: number, completed: number, plan: Plan, quantities: Float64Array, file: string, line: number): void;
}

const TRANSCRIPT = 0;
const LLM = 2;
/** The duplicate check's key is `kind\0id`, hashed in two parts. */
const KEY_PREFIX = USAGE_KINDS.map((kind) => `${kind}\u0000`);
const FEATURE_PATTERN = /^[A-Za-z0-9_.-]+$/;
const MS_PER_DAY = 86_400_000;

/**
 * Folds the byte scanner's rows straight into the aggregator's buckets: fields are read from bytes
 * into integers and small codes, a row's bucket is found by a tuple of numbers, and no string or
 * object is made for it. The rules are the record path's (normalizeRecord, chargeOf,
 * UsageAggregator.add): every row this fold is not sure of (a space to trim, a value that is not
 * plain, an error to report, a model the card does not price, a timestamp with an offset) goes the
 * record path instead, and a differential test holds the two to the same invoice.
 */
export class FastCsvFold implements RowSink {
  private columns: HeaderColumns = [];
  private width = 0;
  /** Column index of each canonical field, -1 when absent. */
  private readonly column = new Map<CanonicalField, number>();
  private kindAt = -1;
  private idAt = -1;
  private timestampAt = -1;
  private modelAt = -1;
  private audioAt = -1;
  private channelsAt = -1;
  private featuresAt = -1;
  private statusAt = -1;
  private sessionAt = -1;
  private terminatedAt = -1;
  private inputAt = -1;
  private outputAt = -1;
  /** Columns whose value sends a row the record path (session times, webhook URLs): rare in CSV logs. */
  private recordPathIfFilled: number[] = [];
  /** Columns of the dimensions grouped by, or -1 for day and month. */
  private dimensionAt: number[] = [];

  private readonly models = new ByteInterner();
  private readonly features = new ByteInterner();
  /** Add-ons of each features code; null when the text is not a list of add-on names. */
  private readonly featureLists: (string[] | null)[] = [[]];
  private readonly dimensionValues: ByteInterner[];
  private readonly plans = new Map<number, Plan>();
  private readonly planList: Plan[] = [];
  private readonly versionFrom: number[];
  private readonly dims: TupleIndex;
  private readonly dimsValues: (string | null)[][] = [];
  private readonly dimsTuple: Int32Array;
  private readonly buckets = new TupleIndex(4);
  private readonly bucketRefs: Bucket[] = [];
  private readonly bucketTuple = new Int32Array(4);
  /** A row's quantity of each item of its plan (reused). */
  private quantities = new Float64Array(8);
  private readonly months = new Map<number, number>();
  private readonly fileIndex: number;

  constructor(private readonly target: FoldTarget, private readonly file: string) {
    const { aggregator, groupBy } = target;
    this.versionFrom = aggregator.resolver.card.versions.map((v) => v.effectiveFrom ?? Number.NEGATIVE_INFINITY);
    this.fileIndex = aggregator.fileIndex(file);
    this.dimensionValues = groupBy.map(() => new ByteInterner());
    this.dims = new TupleIndex(Math.max(1, groupBy.length));
    this.dimsTuple = new Int32Array(Math.max(1, groupBy.length));
  }

  /** Bytes read so far (set by the caller, for progress). */
  progress?: (bytes: number) => void;

  /** The header as resolved, for the text reader that carries on where the scanner stopped. */
  resumeAt(): { columns: HeaderColumns; width: number } {
    return { columns: this.columns, width: this.width };
  }

  header(names: string[]): void {
    this.width = names.length;
    this.columns = mapHeader(names, this.file, this.target.map);
    for (const [field, index] of this.columns) this.column.set(field, index);
    const at = (field: CanonicalField): number => this.column.get(field) ?? -1;
    this.kindAt = at('kind');
    this.idAt = at('id');
    this.timestampAt = at('timestamp');
    this.modelAt = at('model');
    this.audioAt = at('audio_duration');
    this.channelsAt = at('channels');
    this.featuresAt = at('features');
    this.statusAt = at('status');
    this.sessionAt = at('session_duration');
    this.terminatedAt = at('terminated');
    this.inputAt = at('input_tokens');
    this.outputAt = at('output_tokens');
    this.recordPathIfFilled = (['completed_at', 'started_at', 'ended_at', 'webhook_url'] as const).map(at).filter((i) => i >= 0);
    const dimensionField: Record<Dimension, CanonicalField | undefined> = { project: 'project', api_key: 'api_key', customer: 'customer_id', day: undefined, month: undefined };
    this.dimensionAt = this.target.groupBy.map((d) => (dimensionField[d] === undefined ? -1 : at(dimensionField[d])));
  }

  /** Folds a row if it can (and counts it); false, having changed nothing, when the caller must read it another way. */
  tryRow(bytes: Uint8Array, starts: Int32Array, ends: Int32Array, line: number): boolean {
    if (!this.fold(bytes, starts, ends, line)) return false;
    this.target.tick();
    return true;
  }

  row(bytes: Uint8Array, starts: Int32Array, ends: Int32Array, line: number, spaced: boolean): void {
    if (spaced || !this.fold(bytes, starts, ends, line)) this.byRecord(bytes, starts, ends, line);
    this.target.tick();
  }

  /** The record path for one row: text fields, normalizeRecord, UsageAggregator.add. */
  private byRecord(bytes: Uint8Array, starts: Int32Array, ends: Int32Array, line: number): void {
    const raw = emptyFields();
    for (const [field, index] of this.columns) raw[field] = latin1(bytes, starts[index]!, ends[index]!);
    let record: UsageRecord;
    try {
      record = normalizeRecord(raw, { file: this.file, line }, this.target.inputZone);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      this.target.onInvalid(error);
      return;
    }
    this.target.take(record);
  }

  /** Folds a row that is plain; false (having changed nothing) when the record path must take it. */
  private fold(b: Uint8Array, s: Int32Array, e: Int32Array, line: number): boolean {
    for (const i of this.recordPathIfFilled) if (s[i] !== e[i]) return false;
    const kind = this.kindAt < 0 ? -1 : kindOf(b, s[this.kindAt]!, e[this.kindAt]!);
    if (kind < 0) return false;

    let failed = false;
    if (filled(this.statusAt, s, e)) {
      const status = this.statusAt;
      if (equalsText(b, s[status]!, e[status]!, 'error')) failed = true;
      else if (!equalsText(b, s[status]!, e[status]!, 'completed')) return false;
    }
    const channels = filled(this.channelsAt, s, e) ? integer(b, s[this.channelsAt]!, e[this.channelsAt]!) : 1;
    if (channels < 1) return false;
    const features = filled(this.featuresAt, s, e) ? this.featuresCode(b, s[this.featuresAt]!, e[this.featuresAt]!) : 0;
    if (features < 0) return false;
    const audioMs = filled(this.audioAt, s, e) ? seconds(b, s[this.audioAt]!, e[this.audioAt]!) : -1;
    if (audioMs === INVALID || (kind === TRANSCRIPT && audioMs < 0 && !failed)) return false;
    const sessionMs = filled(this.sessionAt, s, e) ? seconds(b, s[this.sessionAt]!, e[this.sessionAt]!) : -1;
    if (sessionMs === INVALID) return false;
    const terminated = filled(this.terminatedAt, s, e) ? trueOrFalse(b, s[this.terminatedAt]!, e[this.terminatedAt]!) : -1;
    if (terminated === INVALID) return false;
    const closed = terminated >= 0 ? terminated === 1 : sessionMs >= 0;
    const input = filled(this.inputAt, s, e) ? integer(b, s[this.inputAt]!, e[this.inputAt]!) : -1;
    const output = filled(this.outputAt, s, e) ? integer(b, s[this.outputAt]!, e[this.outputAt]!) : -1;
    if (input === INVALID || output === INVALID || (kind === LLM && input < 0 && output < 0)) return false;
    const at = filled(this.timestampAt, s, e) ? utcInstant(b, s[this.timestampAt]!, e[this.timestampAt]!) : Number.NaN;
    if (Number.isNaN(at)) return false;
    const model = filled(this.modelAt, s, e) ? this.models.of(b, s[this.modelAt]!, e[this.modelAt]!) : 0;
    const version = this.versionAt(at);
    if (version < 0) return false;
    const plan = this.plan(version, kind, model, features);
    if (plan === undefined || plan.recordPath) return false;

    const free = !plan.llm && failed && !plan.chargeFailed;
    let billedMs = 0;
    if (!plan.llm && !free) {
      if (plan.session) {
        if (!closed) {
          if (plan.capMs === undefined) return false;
          billedMs = plan.capMs;
        } else {
          if (sessionMs < 0) return false;
          billedMs = plan.capMs === undefined ? sessionMs : Math.min(sessionMs, plan.capMs);
        }
      } else {
        if (audioMs < 0) return false;
        billedMs = audioMs;
      }
    }

    // The row is sure to be counted here: from now on, as UsageAggregator.add does.
    const aggregator = this.target.aggregator;
    const tally = aggregator.tally;
    if (filled(this.idAt, s, e)) {
      hashKeyBytes(KEY_PREFIX[kind]!, b, s[this.idAt]!, e[this.idAt]!);
      const first = aggregator.seen.addOrFindHashed(hashed.a, hashed.b, this.fileIndex, line);
      if (first) {
        aggregator.duplicate(latin1(b, s[this.idAt]!, e[this.idAt]!), first, { file: this.file, line });
        return true;
      }
    }
    if (!inPeriod(this.target.period, at)) {
      tally.excluded++;
      return true;
    }
    aggregator.dated(at);
    tally.counted++;
    if (free) {
      tally.free++;
      return true;
    }
    tally.billed++;
    if (model === 0) tally.defaultModel++;
    const dims = this.dimsOf(b, s, e, at);
    const quantities = this.quantities;
    if (plan.llm) {
      quantities[0] = Math.max(input, 0);
      quantities[1] = Math.max(output, 0);
      this.add(plan, 0, 0, dims, quantities[0]);
      this.add(plan, 1, 0, dims, quantities[1]);
      this.target.billed?.billed(at, at, plan, quantities, this.file, line);
      return true;
    }
    const ms = ceilToIncrement(billedMs, plan.incrementMs);
    const items = plan.items;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const period = item.cut === Cut.None ? 0 : item.cut === Cut.Day ? this.dayOf(at) : this.monthOf(at);
      quantities[i] = item.multiply ? ms * channels : ms;
      this.add(plan, i, period, dims, quantities[i]!);
    }
    if (this.target.billed) {
      // As the record path's completion time: a stream ends after its session (the cap when never closed), or its audio.
      const streamMs = plan.session ? (closed ? sessionMs : billedMs) : Math.max(audioMs, 0);
      this.target.billed.billed(at, plan.kind === 'stream' ? at + streamMs : at, plan, quantities, this.file, line);
    }
    if (plan.session && (!closed || (plan.capMs !== undefined && sessionMs >= plan.capMs))) {
      const audio = Math.max(audioMs, 0);
      aggregator.countSession({ closed, billedMs, capMs: plan.capMs, audioMs: audio, sessionMs: closed ? sessionMs : undefined }, plan.rateKey);
    }
    return true;
  }

  private add(plan: Plan, item: number, period: number, dims: number, quantity: number): void {
    const tuple = this.bucketTuple;
    tuple[0] = plan.id;
    tuple[1] = item;
    tuple[2] = period;
    tuple[3] = dims;
    const index = this.buckets.of(tuple);
    let bucket = this.bucketRefs[index];
    if (bucket === undefined) {
      const { component, cut } = plan.items[item]!;
      const periodText = cut === Cut.None ? '' : cut === Cut.Day ? formatDay(period) : monthText(period);
      bucket = this.target.aggregator.bucket(plan.version, plan.product, plan.model, component, periodText, this.dimsValues[dims]!);
      this.bucketRefs[index] = bucket;
    }
    bucket.quantity = addExact(bucket.quantity, quantity);
  }

  /** The index of the row's dimension values (project, key, customer codes; day and month numbers). */
  private dimsOf(b: Uint8Array, s: Int32Array, e: Int32Array, at: number): number {
    const groupBy = this.target.groupBy;
    const tuple = this.dimsTuple;
    for (let i = 0; i < groupBy.length; i++) {
      const dimension = groupBy[i]!;
      const column = this.dimensionAt[i]!;
      tuple[i] = dimension === 'day' ? this.dayOf(at) : dimension === 'month' ? this.monthOf(at) : column < 0 ? 0 : this.dimensionValues[i]!.of(b, s[column]!, e[column]!);
    }
    const index = this.dims.of(tuple);
    if (index === this.dimsValues.length) {
      this.dimsValues.push(groupBy.map((dimension, i) => {
        const code = tuple[i]!;
        if (dimension === 'day') return formatDay(code);
        if (dimension === 'month') return monthText(code);
        return code === 0 ? null : this.dimensionValues[i]!.values[code]!;
      }));
    }
    return index;
  }

  /** Local day number in the aggregator's zone. */
  private dayOf(at: number): number {
    return Math.floor((at + this.target.zone.offsetMs(at)) / MS_PER_DAY);
  }

  /** Local month as year × 12 + month − 1. */
  private monthOf(at: number): number {
    const day = this.dayOf(at);
    let month = this.months.get(day);
    if (month === undefined) {
      const text = formatDay(day);
      month = Number(text.slice(0, 4)) * 12 + Number(text.slice(5, 7)) - 1;
      this.months.set(day, month);
    }
    return month;
  }

  /** The index of the card version in force at `at` (as versionAt), or -1. */
  private versionAt(at: number): number {
    for (let i = this.versionFrom.length - 1; i >= 0; i--) if (this.versionFrom[i]! <= at) return i;
    return -1;
  }

  /** The code of a features text, or -1 when it is not a list of add-on names (the record path says why). */
  private featuresCode(b: Uint8Array, start: number, end: number): number {
    const code = this.features.of(b, start, end);
    if (this.features.added) {
      const names = this.features.values[code]!.split(';').filter((name) => name !== '');
      this.featureLists[code] = names.every((name) => FEATURE_PATTERN.test(name)) ? names : null;
    }
    return this.featureLists[code] === null ? -1 : code;
  }

  private plan(version: number, kind: number, model: number, features: number): Plan | undefined {
    if (version >= 64 || model >= 1 << 16 || features >= 1 << 20) return undefined;
    const key = ((features * 65536 + model) * 4 + kind) * 64 + version;
    let plan = this.plans.get(key);
    if (plan === undefined) {
      const found = this.target.aggregator.resolver.resolveAt(version, USAGE_KINDS[kind]!, model === 0 ? undefined : this.models.values[model]);
      plan = planOf(this.planList.length, version, found, this.featureLists[features]!);
      if (plan.items.length > this.quantities.length) this.quantities = new Float64Array(plan.items.length);
      this.plans.set(key, plan);
      this.planList.push(plan);
    }
    return plan;
  }
}

function monthText(month: number): string {
  const year = Math.floor(month / 12);
  return `${String(year).padStart(4, '0')}-${String((month % 12) + 1).padStart(2, '0')}`;
}

function filled(column: number, starts: Int32Array, ends: Int32Array): boolean {
  return column >= 0 && starts[column] !== ends[column];
}

