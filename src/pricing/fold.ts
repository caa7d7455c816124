import { ERROR_ROW, LogStrings, Outcome, type UsageBatch } from '../ingest/batch.js';
import { REGIONS, USAGE_KINDS } from '../ingest/record.js';
import type { RateCard } from '../rates/card.js';
import { InputError, type SourceRef } from '../util/errors.js';
import { TextCodes, TupleIndex } from '../util/tables.js';
import { formatDay, type TimeZone } from '../util/time.js';
import { beyondAudioMs, chargeError, Charged, chargeRow, charged, tooLarge, unpricedQuantity } from './charge.js';
import type { Dimension } from './dimensions.js';
import { IdSet, type IdList } from './idset.js';
import { inPeriod, isBounded, type Period } from './period.js';
import { compilePlan, Cut, type Component, type Plan } from './plan.js';
import { hasAllowances, productHasAllowances } from './allowance.js';

export { DIMENSIONS, type Dimension } from './dimensions.js';
export type { Component } from './plan.js';

/** Exact integer usage of one (version, product, model, component, tier period, dimensions). */
export interface Bucket {
  version: number;
  product: string;
  model: string;
  component: Component;
  /** The tier period (`2026-05-01`, `2026-05`) for tiered plans; empty for flat ones. */
  period: string;
  dims: (string | null)[];
  /** Milliseconds or tokens. */
  quantity: number;
  priced: boolean;
}

/** Usage the card does not price, with the records that used it. */
export interface Unpriced {
  kind: string;
  product: string | null;
  model: string;
  addon: string | null;
  reason: string;
  count: number;
  quantity: number;
  refs: SourceRef[];
}

/** Counters a reader of the invoice must see. */
export interface Tally {
  counted: number;
  billed: number;
  free: number;
  excluded: number;
  duplicates: { count: number; examples: { id: string; first: SourceRef; again: SourceRef }[] };
  undated: number;
  defaultModel: number;
  /** Sessions billed at the cap; `extra` is the ms billed beyond their audio, by `version\0product\0model`. */
  unclosed: { count: number; billedMs: number; audioMs: number; extra: Map<string, number> };
  atCap: number;
  /** LLM requests that name no region, on a product that prices regions: priced as `global` routing. */
  noRegion: number;
  first: number | undefined;
  last: number | undefined;
}

/** What pricing reads of a fold: its buckets, unpriced usage, counts and bucket dimensions (a bucket table gives the same). */
export interface FoldView {
  readonly buckets: readonly Bucket[];
  readonly unpriced: ReadonlyMap<string, Unpriced>;
  readonly tally: Tally;
  readonly dimensions: readonly Dimension[];
  /** Usage before the period's start of products with free quotas or packs, by day (the last dimension `day`): it uses them up, unbilled. */
  readonly prior?: ReadonlyMap<string, Bucket>;
}

/** A fold's state as plain data (a worker thread's part of a log). */
export interface FoldSnapshot {
  /**
   * The buckets as columns, not objects (a worker's 300,000 buckets were cloned one by one): each
   * one's (version, product, model, component, period, dims) as `keys`, texts by their codes in
   * `texts`, and its quantity.
   */
  buckets: { texts: (string | null)[]; keys: Int32Array; quantities: Float64Array };
  prior?: Bucket[];
  unpriced: Unpriced[];
  tally: Tally;
  ids: IdList;
}

/** Reads the rows of each batch after the fold has judged and priced them (the audit, the ledger, reconcile). */
export interface BatchObserver {
  observe(batch: UsageBatch, fold: Fold): void;
  /** The reporting columns it reads (none when not said): the readers intern only those. */
  readonly dimensions?: { project: boolean; apiKey: boolean; customer: boolean };
  /**
   * How a worker thread makes the same observer for its part of a log, when it can. A log whose
   * observers do not all say is read on one thread.
   */
  readonly part?: ObserverPart;
  /** Its state as plain data (in a worker thread, after its part). */
  snapshot?(): unknown;
  /** Takes in the snapshot of the same observer over a part that follows every row observed so far. */
  absorb?(part: unknown, join: PartJoin): void;
}

/** The strings of a log, interning the reporting columns that the grouping or an observer reads. */
export function logStrings(groupBy: readonly Dimension[], observers: readonly BatchObserver[]): LogStrings {
  return new LogStrings({
    project: groupBy.includes('project') || observers.some((o) => o.dimensions?.project),
    apiKey: groupBy.includes('api_key') || observers.some((o) => o.dimensions?.apiKey),
    customer: groupBy.includes('customer') || observers.some((o) => o.dimensions?.customer),
  });
}

/**
 * An observer as plain data, for a worker thread: the module and the name of a factory
 * `(settings, card) => BatchObserver` exported by it, and its settings.
 */
export interface ObserverPart {
  module: string;
  factory: string;
  settings: unknown;
}

/** Where a part read by a worker thread joins the log: its file, the line its line 1 is, and the fold that took it in. */
export interface PartJoin {
  file: string;
  lineOffset: number;
  fold: Fold;
}

export interface FoldOptions {
  card: RateCard;
  /** Zone for tier periods and the `day` and `month` dimensions: `--tz`, else the card's. */
  zone: TimeZone;
  period: Period;
  groupBy: readonly Dimension[];
  /**
   * Also split buckets by day, as a last dimension the invoice does not show (undated records: null),
   * so that a chart can share each line out over the days of its usage.
   */
  shadowDay?: boolean;
  /** Why every row must have a timestamp (a ledger places each record in time), when it must. */
  needsTime?: string | undefined;
  /** Told of each invalid row, in file order: throws to stop the run, returns to skip the row. */
  onInvalid: (error: InputError) => void;
  observers?: readonly BatchObserver[];
}

const EXAMPLES = 5;
const MS_PER_DAY = 86_400_000;

/**
 * The one fold: every row of every reader, in file order, goes through the same steps. Decoded and
 * validated by the reader, then here: given its plan, charged by the interpreter (a row it cannot
 * bill is rejected), checked for a duplicate id, placed in the period, and only then counted and
 * added to its buckets. A rejected row is never counted, never widens the period, never holds an id.
 */
export class Fold {
  /** The counts of `tally` but the first and last instants, which are kept apart. */
  private readonly counts: Omit<Tally, 'first' | 'last'> = {
    counted: 0, billed: 0, free: 0, excluded: 0, undated: 0, defaultModel: 0, atCap: 0, noRegion: 0,
    duplicates: { count: 0, examples: [] },
    unclosed: { count: 0, billedMs: 0, audioMs: 0, extra: new Map() },
  };
  /** The first and last instants of the period's records, kept as numbers in place (none boxed a row). */
  private firstAt = Number.POSITIVE_INFINITY;
  private lastAt = Number.NEGATIVE_INFINITY;
  readonly unpriced = new Map<string, Unpriced>();
  /** Every bucket, in the order opened. */
  readonly buckets: Bucket[] = [];
  /** Where each bucket is in `buckets`, by its (version, product, model, component, period, dims) as text codes: no key text per bucket. */
  private readonly bucketKeys: TupleIndex;
  private readonly bucketKey: Int32Array;
  private readonly texts = new TextCodes();
  /** Usage before `--from`/`--month` of a card with free quotas or packs, by `version\0product\0model\0component\0day`: see `FoldView.prior`. */
  readonly prior = new Map<string, Bucket>();
  /** Plans by id. */
  readonly plans: Plan[] = [];
  /** Ids seen so far (as hashes of `kind\0id`), with where each was first seen. */
  readonly seen = new IdSet();

  private readonly planIndex = new TupleIndex(5);
  private readonly planTuple = new Int32Array(5);
  /** The plan of `planTuple` (rows of one kind and model often come in runs). */
  private lastPlan: Plan | undefined;
  private readonly featureLists = new Map<number, string[]>();
  private readonly versionFrom: number[];
  private readonly periodTiers: boolean;
  /** Whether usage before the period's start is kept in `prior` (a card with free quotas or packs, a period with a start). */
  private readonly priorUsage: boolean;
  private readonly dims: TupleIndex;
  private readonly dimsTuple: Int32Array;
  private readonly dimsValues: (string | null)[][] = [];
  private readonly bucketIndex = new TupleIndex(4);
  private readonly bucketTuple = new Int32Array(4);
  private readonly bucketRefs: Bucket[] = [];
  private readonly months = new Map<number, number>();
  /** The bucket of each item of the row being folded (-1: not opened yet). */
  private found = new Int32Array(8);
  /** Where the next billed row's quantities go in the batch being folded. */
  private nextQuantity = 0;
  /** The dimensions of every bucket: those grouped by, then the shadow day if asked for. */
  readonly dimensions: readonly Dimension[];
  /** Whether a record's rate can depend on its day (tiers, packages, free quotas, packs): the ledger then prices by day. */
  readonly dayRates: boolean;

  constructor(private readonly options: FoldOptions, readonly strings: LogStrings) {
    this.dimensions = options.shadowDay ? [...options.groupBy, 'day'] : options.groupBy;
    this.versionFrom = options.card.versions.map((v) => v.effectiveFrom ?? Number.NEGATIVE_INFINITY);
    this.periodTiers = hasPeriodTiers(options.card);
    this.priorUsage = hasAllowances(options.card) && options.period.from !== undefined && this.dimensions.includes('day');
    this.dayRates = hasDayRates(options.card);
    this.dims = new TupleIndex(Math.max(1, this.dimensions.length));
    this.bucketKeys = new TupleIndex(5 + this.dimensions.length);
    this.bucketKey = new Int32Array(5 + this.dimensions.length);
    this.dimsTuple = new Int32Array(Math.max(1, this.dimensions.length));
  }

  /** Folds every row of a batch in order, tells the observers, and empties the batch. */
  fold(b: UsageBatch): void {
    this.nextQuantity = 0;
    try {
      for (let r = 0; r < b.length; r++) this.row(b, r);
    } finally {
      // The rows before a stopping error are folded: the observers see them too.
      for (const observer of this.options.observers ?? []) observer.observe(b, this);
      b.clear();
    }
  }

  private row(b: UsageBatch, r: number): void {
    b.outcome[r] = Outcome.Rejected;
    const kind = b.kind[r]!;
    if (kind === ERROR_ROW) return this.reject(b, r, b.errors[r]!);
    const at = b.at[r]!;
    const dated = !Number.isNaN(at);
    if (!dated) {
      const problem = this.undatedProblem();
      if (problem) return this.reject(b, r, new InputError(b.ref(r), 'timestamp', problem.problem, problem.hint));
    }
    const plan = this.planOf(dated ? this.versionAt(at) : this.versionFrom.length - 1, kind, b.model[r]!, b.features[r]!, b.region[r]!);
    b.plan[r] = plan.id;
    const qAt = (b.quantityAt[r] = this.nextQuantity);
    b.charged[r] = 0;
    // A retired model is refused by name and date from its retirement on (an undated row: always).
    const retired = plan.retiredAt !== Infinity && (!dated || at >= plan.retiredAt);
    const priced = plan.priced && !retired;
    let code: Charged = Charged.Billed;
    if (priced) {
      b.reserveQuantities(qAt, plan.items.length);
      code = chargeRow(plan, b, r, b.quantities, qAt);
      if (code !== Charged.Billed && code !== Charged.Free) return this.reject(b, r, chargeError(code, plan, b.ref(r)));
      b.billedMs[r] = charged.billedMs;
    }
    const within = !dated || inPeriod(this.options.period, at);
    const billed = priced && code === Charged.Billed;
    const dims = billed && within ? this.dimsOf(b, r, at) : 0;
    if (billed && within) {
      const item = this.findBuckets(plan, b.quantities, qAt, at, dims);
      if (item >= 0) return this.reject(b, r, tooLarge(plan, item, b.ref(r)));
    }
    // Only now is the row sure to be kept: its quantities stay in the batch for the observers.
    if (billed) {
      b.charged[r] = 1;
      this.nextQuantity += plan.items.length;
    }
    if (b.hasId[r] === 1) {
      const first = this.seen.addOrFindHashed(b.idA[r]!, b.idB[r]!, b.file[r]!, b.line[r]!);
      if (first) {
        b.outcome[r] = Outcome.Duplicate;
        b.firstFile[r] = first.file;
        b.firstLine[r] = first.line;
        this.duplicate(b.id(r)!, { file: this.strings.files.at(first.file), line: first.line }, b.ref(r));
        return;
      }
    }
    if (!within) {
      b.outcome[r] = Outcome.Excluded;
      this.counts.excluded++;
      // Usage before the period still uses up free quotas and packs (never billed here): a pack carries over into the period.
      if (billed && dated && this.priorUsage && at < this.options.period.from!) this.addPrior(plan, b.quantities, qAt, at);
      return;
    }
    const tally = this.counts;
    if (dated) this.dated(at);
    else tally.undated++;
    tally.counted++;
    if (!priced) {
      b.outcome[r] = Outcome.Unpriced;
      const quantity = unpricedQuantity(plan, b, r);
      const reason = retired ? retiredReason(this.options.card, plan) : plan.reason;
      this.addUnpriced(USAGE_KINDS[kind]!, retired ? plan.product : null, plan.model, null, reason, quantity, b.ref(r));
      return;
    }
    if (code === Charged.Free) {
      b.outcome[r] = Outcome.Free;
      tally.free++;
      return;
    }
    b.outcome[r] = Outcome.Billed;
    tally.billed++;
    if (b.model[r] === 0) tally.defaultModel++;
    if (plan.regionalPricing && b.region[r] === 0) tally.noRegion++;
    const items = plan.items;
    const found = this.found;
    for (let i = 0; i < items.length; i++) {
      if (items[i]!.optional && b.quantities[qAt + i] === 0) continue;
      const index = found[i]! >= 0 ? found[i]! : this.bucketOf(plan, i, this.periodOf(items[i]!.cut, at), dims);
      this.bucketRefs[index]!.quantity += b.quantities[qAt + i]!;
    }
    for (const u of plan.unpriced) this.addUnpriced(USAGE_KINDS[kind]!, plan.product, plan.model, u.addon, u.reason, charged.ms, b.ref(r));
    if (plan.session) this.countSession(plan, b, r);
  }

  private reject(b: UsageBatch, r: number, error: InputError): void {
    b.outcome[r] = Outcome.Rejected;
    this.options.onInvalid(error);
  }

  /** Why an undated row cannot be placed, or undefined when it can (priced at the latest version). */
  private undatedProblem(): { problem: string; hint?: string } | undefined {
    const { period, groupBy, card, needsTime } = this.options;
    if (isBounded(period)) return { problem: 'is missing, so the record cannot be placed in the period', hint: 'give the list endpoint response (created) too, or drop --month/--from/--to' };
    if (this.periodTiers) return { problem: `is missing, and card ${card.name} has daily or monthly tiers`, hint: 'add timestamps to the log' };
    if (groupBy.includes('month') || groupBy.includes('day')) return { problem: 'is missing, so the record cannot be grouped by day or month' };
    if (needsTime) return { problem: `is missing, and ${needsTime}`, hint: 'give the list endpoint response too, or timestamps' };
    return undefined;
  }

  /**
   * Finds the bucket of each item of a row (into `found`, -1 where none is open yet: it is opened
   * only once the row is counted) and returns the first item whose bucket would pass 2^53, or -1.
   */
  private findBuckets(plan: Plan, quantities: Float64Array, qAt: number, at: number, dims: number): number {
    const items = plan.items;
    if (this.found.length < items.length) this.found = new Int32Array(items.length * 2);
    const tuple = this.bucketTuple;
    for (let i = 0; i < items.length; i++) {
      if (items[i]!.optional && quantities[qAt + i] === 0) {
        this.found[i] = -1;
        continue;
      }
      tuple[0] = plan.id;
      tuple[1] = i;
      tuple[2] = this.periodOf(items[i]!.cut, at);
      tuple[3] = dims;
      const index = this.bucketIndex.find(tuple);
      this.found[i] = index;
      const sum = (index < 0 ? 0 : this.bucketRefs[index]!.quantity) + quantities[qAt + i]!;
      if (!Number.isSafeInteger(sum)) return i;
    }
    if (plan.session && !Number.isSafeInteger(this.counts.unclosed.billedMs + Math.max(plan.capMs, 0))) return 0;
    return -1;
  }

  private countSession(plan: Plan, b: UsageBatch, r: number): void {
    const billedMs = b.billedMs[r]!;
    if (b.closed[r] === 0) {
      const beyond = beyondAudioMs(b, r);
      const unclosed = this.counts.unclosed;
      unclosed.count++;
      unclosed.billedMs += billedMs;
      unclosed.audioMs += billedMs - beyond;
      unclosed.extra.set(plan.rateKey, (unclosed.extra.get(plan.rateKey) ?? 0) + beyond);
    } else if (plan.capMs >= 0 && b.sessionMs[r]! >= plan.capMs) {
      this.counts.atCap++;
    }
  }

  /** The plan of a (version, kind, model code, features code), compiled the first time it is met. */
  private planOf(version: number, kind: number, model: number, features: number, region: number): Plan {
    const tuple = this.planTuple;
    const last = this.lastPlan;
    if (last !== undefined && tuple[0] === version && tuple[1] === kind && tuple[2] === model && tuple[3] === features && tuple[4] === region) return last;
    tuple[0] = version;
    tuple[1] = kind;
    tuple[2] = model;
    tuple[3] = features;
    tuple[4] = region;
    const index = this.planIndex.of(tuple);
    if (index === this.plans.length) {
      const text = this.strings.text.values;
      this.plans.push(compilePlan(index, this.options.card, version, USAGE_KINDS[kind]!, model === 0 ? undefined : text[model], this.featureList(features), REGIONS[region]));
    }
    return (this.lastPlan = this.plans[index]!);
  }

  /** The add-ons of a features code (`a;b`), empty names left out and each named once (an add-on is billed once). */
  private featureList(code: number): string[] {
    let list = this.featureLists.get(code);
    if (list === undefined) {
      list = code === 0 ? [] : [...new Set(this.strings.text.values[code]!.split(';').filter((name) => name !== ''))];
      this.featureLists.set(code, list);
    }
    return list;
  }

  /** Adds a row's own usage (not add-ons) before the period's start to `prior`, by day: the usage its free quotas and packs met first. */
  private addPrior(plan: Plan, quantities: ArrayLike<number>, qAt: number, at: number): void {
    const day = formatDay(this.dayOf(at));
    plan.items.forEach((item, i) => {
      const quantity = quantities[qAt + i]!;
      if (item.component !== 'usage' || quantity === 0) return;
      const key = [plan.version, plan.product, plan.model, item.component, day].join('\u0000');
      const bucket = this.prior.get(key) ?? { version: plan.version, product: plan.product, model: plan.model, component: item.component, period: '', dims: this.dimensions.map((d) => (d === 'day' ? day : null)), quantity: 0, priced: true };
      bucket.quantity += quantity;
      this.prior.set(key, bucket);
    });
  }

  /** The index of the card version in force at `at`, or -1. */
  private versionAt(at: number): number {
    for (let i = this.versionFrom.length - 1; i >= 0; i--) if (this.versionFrom[i]! <= at) return i;
    return -1;
  }

  /** The index of a bucket of (plan, item, tier period, dimensions), opened empty when new. */
  private bucketOf(plan: Plan, item: number, period: number, dims: number): number {
    const tuple = this.bucketTuple;
    tuple[0] = plan.id;
    tuple[1] = item;
    tuple[2] = period;
    tuple[3] = dims;
    const index = this.bucketIndex.of(tuple);
    if (this.bucketRefs[index] === undefined) {
      const { component, cut } = plan.items[item]!;
      this.bucketRefs[index] = this.bucket(plan.version, plan.product, plan.model, component, periodName(cut, period), this.dimsValues[dims]!);
    }
    return index;
  }

  /** The bucket of one (version, product, model, component, period, dimensions), opened empty when new. */
  bucket(version: number, product: string, model: string, component: Component, period: string, dims: (string | null)[]): Bucket {
    const { bucketKey: key, texts } = this;
    key[0] = version;
    key[1] = texts.of(product);
    key[2] = texts.of(model);
    key[3] = texts.of(component);
    key[4] = texts.of(period);
    for (let i = 0; i < this.dimensions.length; i++) key[5 + i] = texts.of(dims[i] ?? null);
    return this.bucketOfKey(dims);
  }

  /** The bucket of `bucketKey` (its texts as codes here), opened empty when new (with `dims` when given). */
  private bucketOfKey(given?: (string | null)[]): Bucket {
    const key = this.bucketKey;
    const index = this.bucketKeys.of(key);
    if (index === this.buckets.length) {
      const text = this.texts.texts;
      const dims = given ?? this.dimensions.map((_, i) => text[key[5 + i]!]!);
      this.buckets.push({ version: key[0]!, product: text[key[1]!]!, model: text[key[2]!]!, component: text[key[3]!]! as Component, period: text[key[4]!]!, dims, quantity: 0, priced: true });
    }
    return this.buckets[index]!;
  }

  /** The tier period a row at `at` of an item cut `cut` is in, as its bucket names it (`2026-05-01`, `2026-05`; '' for none). */
  periodText(cut: Cut, at: number): string {
    return periodName(cut, this.periodOf(cut, at));
  }

  /** The tier period of an item cut `cut` for a row at `at`: a local day or month number. */
  private periodOf(cut: Cut, at: number): number {
    if (cut === Cut.None || Number.isNaN(at)) return NO_PERIOD;
    return cut === Cut.Day ? this.dayOf(at) : this.monthOf(at);
  }

  /** The index of the row's dimension values (project, key, customer codes; day and month numbers). */
  private dimsOf(b: UsageBatch, r: number, at: number): number {
    const dimensions = this.dimensions;
    if (dimensions.length === 0) {
      if (this.dimsValues.length === 0) this.dimsValues.push([]);
      return 0;
    }
    const tuple = this.dimsTuple;
    const dated = !Number.isNaN(at);
    for (let i = 0; i < dimensions.length; i++) {
      switch (dimensions[i]!) {
        case 'project': tuple[i] = b.project[r]!; break;
        case 'api_key': tuple[i] = b.apiKey[r]!; break;
        case 'customer': tuple[i] = b.customer[r]!; break;
        case 'day': tuple[i] = dated ? this.dayOf(at) : NO_PERIOD; break;
        case 'month': tuple[i] = dated ? this.monthOf(at) : NO_PERIOD; break;
      }
    }
    const index = this.dims.of(tuple);
    if (index === this.dimsValues.length) {
      const text = this.strings.text.values;
      this.dimsValues.push(dimensions.map((dimension, i) => {
        const code = tuple[i]!;
        if (dimension === 'day') return code === NO_PERIOD ? null : formatDay(code);
        if (dimension === 'month') return code === NO_PERIOD ? null : monthText(code);
        return code === 0 ? null : text[code]!;
      }));
    }
    return index;
  }

  /** Local day number in the fold's zone (`formatDay` names it). */
  dayOf(at: number): number {
    return Math.floor((at + this.options.zone.offsetMs(at)) / MS_PER_DAY);
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

  /** Counts a record whose id was seen before (at `first`) and is not billed again. */
  private duplicate(id: string, first: SourceRef, again: SourceRef): void {
    const duplicates = this.counts.duplicates;
    duplicates.count++;
    if (duplicates.examples.length < EXAMPLES) duplicates.examples.push({ id, first, again });
  }

  /** Widens the span of instants billed. */
  private dated(at: number): void {
    if (at < this.firstAt) this.firstAt = at;
    if (at > this.lastAt) this.lastAt = at;
  }

  /** The fold's counts, with the first and last instants of its records. */
  get tally(): Tally {
    const first = this.firstAt === Number.POSITIVE_INFINITY ? undefined : this.firstAt;
    const last = this.lastAt === Number.NEGATIVE_INFINITY ? undefined : this.lastAt;
    return { ...this.counts, first, last };
  }

  private addUnpriced(kind: string, product: string | null, model: string, addon: string | null, reason: string, quantity: number, ref: SourceRef): void {
    const key = [kind, product, model, addon].join('\u0000');
    const entry = this.unpriced.get(key) ?? { kind, product, model, addon, reason, count: 0, quantity: 0, refs: [] };
    // Records of one model under several versions give several reasons: the one that sorts first is said, whatever the order of the log.
    if (reason < entry.reason) entry.reason = reason;
    entry.count++;
    entry.quantity += quantity;
    if (entry.refs.length < EXAMPLES) entry.refs.push(ref);
    this.unpriced.set(key, entry);
  }

  /** The state of this fold as plain data, for a worker thread to hand back. */
  snapshot(): FoldSnapshot {
    return { buckets: { texts: this.texts.texts, keys: this.bucketKeys.tuples(), quantities: Float64Array.from(this.buckets, (b) => b.quantity) }, prior: [...this.prior.values()], unpriced: [...this.unpriced.values()], tally: this.tally, ids: this.seen.take() };
  }

  /** Whether a part read by another thread repeats none of the ids seen here (else it must be read again, in order). */
  canAbsorb(part: FoldSnapshot): boolean {
    const { keys, lines } = part.ids;
    for (let i = 0; i < lines.length; i++) if (lines[i] !== 0 && this.seen.has(keys[2 * i]!, keys[2 * i + 1]!)) return false;
    return true;
  }

  /**
   * Takes in a part of `file` that follows everything folded so far, read by another thread whose
   * line 1 is line `lineOffset + 1` here: as if its rows had been folded one by one, in order. Its
   * ids join this fold's only when `keepIds` says that a later row may repeat one.
   */
  absorb(part: FoldSnapshot, file: string, lineOffset: number, keepIds: boolean): void {
    const shift = (ref: SourceRef): SourceRef => ({ ...ref, line: ref.line + lineOffset });
    const fileIndex = this.strings.files.of(file);
    const { keys, lines, count } = part.ids;
    if (keepIds) {
      this.seen.reserve(this.seen.size + count);
      for (let i = 0; i < lines.length; i++) {
        if (lines[i] !== 0) this.seen.addOrFindHashed(keys[2 * i]!, keys[2 * i + 1]!, fileIndex, lines[i]! - 1 + lineOffset);
      }
    }
    const columns = part.buckets;
    const codes = columns.texts.map((text) => this.texts.of(text));
    const key = this.bucketKey;
    for (let b = 0, at = 0; b < columns.quantities.length; b++) {
      key[0] = columns.keys[at++]!;
      for (let i = 1; i < key.length; i++) key[i] = codes[columns.keys[at++]!]!;
      const bucket = this.bucketOfKey();
      const sum = bucket.quantity + columns.quantities[b]!;
      if (!Number.isSafeInteger(sum)) throw new InputError({ file, line: lineOffset + 1 }, undefined, `the usage of ${bucket.product} ${bucket.model} passes 2^53, past exact arithmetic`, 'split the log and price the parts');
      bucket.quantity = sum;
    }
    for (const b of part.prior ?? []) {
      const key = [b.version, b.product, b.model, b.component, b.dims[this.dimensions.lastIndexOf('day')] ?? ''].join('\u0000');
      const bucket = this.prior.get(key) ?? { ...b, dims: [...b.dims], quantity: 0 };
      bucket.quantity += b.quantity;
      this.prior.set(key, bucket);
    }
    for (const u of part.unpriced) {
      const key = [u.kind, u.product, u.model, u.addon].join('\u0000');
      const entry = this.unpriced.get(key) ?? { ...u, count: 0, quantity: 0, refs: [] };
      if (u.reason < entry.reason) entry.reason = u.reason;
      entry.count += u.count;
      entry.quantity += u.quantity;
      entry.refs.push(...u.refs.slice(0, EXAMPLES - entry.refs.length).map(shift));
      this.unpriced.set(key, entry);
    }
    const mine = this.counts;
    const theirs = part.tally;
    for (const counter of ['counted', 'billed', 'free', 'excluded', 'undated', 'defaultModel', 'atCap', 'noRegion'] as const) mine[counter] += theirs[counter];
    if (theirs.first !== undefined) this.dated(theirs.first);
    if (theirs.last !== undefined) this.dated(theirs.last);
    mine.duplicates.count += theirs.duplicates.count;
    for (const example of theirs.duplicates.examples) {
      if (mine.duplicates.examples.length < EXAMPLES) mine.duplicates.examples.push({ id: example.id, first: shift(example.first), again: shift(example.again) });
    }
    mine.unclosed.count += theirs.unclosed.count;
    mine.unclosed.billedMs += theirs.unclosed.billedMs;
    mine.unclosed.audioMs += theirs.unclosed.audioMs;
    for (const [rateKey, ms] of theirs.unclosed.extra) mine.unclosed.extra.set(rateKey, (mine.unclosed.extra.get(rateKey) ?? 0) + ms);
  }
}

/** The period code of a row with no period (an untiered item, an undated row). */
const NO_PERIOD = -2147483648;

/** A period code's name: a day, a month, or '' for none. */
function periodName(cut: Cut, period: number): string {
  return cut === Cut.None || period === NO_PERIOD ? '' : cut === Cut.Day ? formatDay(period) : monthText(period);
}

function monthText(month: number): string {
  const year = Math.floor(month / 12);
  return `${String(year).padStart(4, '0')}-${String((month % 12) + 1).padStart(2, '0')}`;
}

/** Whether a record's rate on the card can depend on its day: tiers, packages, free quotas or packs (a ledger then prices by day). */
export function hasDayRates(card: RateCard): boolean {
  return card.versions.some((v) => v.products.some((p) => p.kind !== 'llm' && (productHasAllowances(p) || [...p.models.values(), ...p.addons.values()].some((plan) => plan.type !== 'flat'))));
}

/** Whether any price of the card resets per day or month (so records need a date). */
export function hasPeriodTiers(card: RateCard): boolean {
  return card.versions.some((v) =>
    v.products.some((p) => p.kind !== 'llm' && (productHasAllowances(p) || [...p.models.values(), ...p.addons.values()].some((plan) => plan.type !== 'flat' && plan.period !== 'none'))),
  );
}

/** Why a retired model's rows are not priced. */
export function retiredReason(card: RateCard, plan: Plan): string {
  return `card ${card.name}: ${plan.kind} model "${plan.model}" was retired on ${plan.retiredOn}`;
}
