import type { UsageRecord } from '../ingest/record.js';
import type { RateCard } from '../rates/card.js';
import { InputError, type SourceRef } from '../util/errors.js';
import { addExact } from '../util/quantity.js';
import { CardResolver, chargeOf, type Charge, type ChargeItem, type Component, type SessionBilling, type UnpricedItem } from './charge.js';
import type { TimeZone } from '../util/time.js';
import { Interner } from '../util/interner.js';
import { IdSet, type IdList } from './idset.js';
import { inPeriod, isBounded, type Period } from './period.js';

/** Reporting dimensions a line can be split by (besides product, model and add-on, always split). */
export const DIMENSIONS = ['project', 'api_key', 'customer', 'day', 'month'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** What became of a record: billed once already, outside the period, or counted with its charge. */
export type Outcome = { type: 'duplicate'; first: SourceRef } | { type: 'excluded' } | { type: 'counted'; charge: Charge };

export type { Component };

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
  first: number | undefined;
  last: number | undefined;
}

export interface AggregateOptions {
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
}

const EXAMPLES = 5;

/** An aggregator's state as plain data (a worker thread's part of a log). */
export interface AggregateSnapshot {
  buckets: Bucket[];
  unpriced: Unpriced[];
  tally: Tally;
  ids: IdList;
}

/** Folds records one at a time into exact integer buckets; never keeps a record. */
export class UsageAggregator {
  readonly buckets = new Map<string, Bucket>();
  readonly unpriced = new Map<string, Unpriced>();
  readonly tally: Tally = {
    counted: 0, billed: 0, free: 0, excluded: 0, undated: 0, defaultModel: 0, atCap: 0,
    duplicates: { count: 0, examples: [] },
    unclosed: { count: 0, billedMs: 0, audioMs: 0, extra: new Map() },
    first: undefined, last: undefined,
  };
  /** Ids seen so far (as `kind\0id`), with where each was first seen; shared with the byte scanner. */
  readonly seen = new IdSet();
  private readonly files = new Interner(0xffff);
  private readonly periodTiers: boolean;
  /** Resolves records to card products once per (version, kind, model); shared with the audit. */
  readonly resolver: CardResolver;
  /** The dimensions of every bucket: those grouped by, then the shadow day if asked for. */
  readonly dimensionList: readonly Dimension[];

  constructor(private readonly options: AggregateOptions) {
    this.periodTiers = hasPeriodTiers(options.card);
    this.resolver = new CardResolver(options.card);
    this.dimensionList = options.shadowDay ? [...options.groupBy, 'day'] : options.groupBy;
  }

  /** Adds one record and says what became of it; an InputError names it when it cannot be placed or priced. */
  add(record: UsageRecord): Outcome {
    if (record.id !== undefined) {
      const first = this.seen.addOrFind(`${record.kind}\u0000${record.id}`, this.fileIndex(record.source.file), record.source.line);
      if (first) return this.duplicate(record.id, first, record.source);
    }
    const { period, groupBy, card } = this.options;
    if (record.at === undefined) {
      if (isBounded(period)) throw new InputError(record.source, 'timestamp', 'is missing, so the record cannot be placed in the period', 'give the list endpoint response (created) too, or drop --month/--from/--to');
      if (this.periodTiers) throw new InputError(record.source, 'timestamp', `is missing, and card ${card.name} has daily or monthly tiers`, 'add timestamps to the log');
      if (groupBy.includes('day') || groupBy.includes('month')) throw new InputError(record.source, 'timestamp', 'is missing, so the record cannot be grouped by day or month');
      this.tally.undated++;
    } else if (!inPeriod(period, record.at)) {
      this.tally.excluded++;
      return { type: 'excluded' };
    } else {
      this.dated(record.at);
    }
    this.tally.counted++;
    const charge = chargeOf(record, this.resolver, this.options.zone);
    if (charge.type === 'unpriced') {
      this.addUnpriced(record, charge.item);
    } else if (charge.type === 'free') {
      this.tally.free++;
    } else {
      this.tally.billed++;
      if (charge.defaultModel) this.tally.defaultModel++;
      const dims = this.dimensions(record);
      for (const item of charge.items) this.addTo(charge, item, dims);
      for (const item of charge.unpriced) this.addUnpriced(record, item);
      if (charge.session) this.countSession(charge.session, charge.rateKey);
    }
    return { type: 'counted', charge };
  }

  /** The small number the duplicate check stores for a file name. */
  fileIndex(file: string): number {
    return this.files.of(file);
  }

  /** Counts a record whose id was seen before (at `first`) and is not billed again. */
  duplicate(id: string, first: { file: number; line: number }, again: SourceRef): Outcome {
    const duplicates = this.tally.duplicates;
    const firstRef = { file: this.files.at(first.file), line: first.line };
    duplicates.count++;
    if (duplicates.examples.length < EXAMPLES) duplicates.examples.push({ id, first: firstRef, again });
    return { type: 'duplicate', first: firstRef };
  }

  /** Widens the span of instants billed. */
  dated(at: number): void {
    this.tally.first = this.tally.first === undefined ? at : Math.min(this.tally.first, at);
    this.tally.last = this.tally.last === undefined ? at : Math.max(this.tally.last, at);
  }

  /** Counts a stream session that was never closed (billed at the cap), or one closed at the cap. */
  countSession(session: SessionBilling, rateKey: string): void {
    if (!session.closed) {
      const audio = Math.min(session.audioMs, session.billedMs);
      const unclosed = this.tally.unclosed;
      unclosed.count++;
      unclosed.billedMs += session.billedMs;
      unclosed.audioMs += audio;
      unclosed.extra.set(rateKey, (unclosed.extra.get(rateKey) ?? 0) + (session.billedMs - audio));
    } else if (session.capMs !== undefined && session.sessionMs !== undefined && session.sessionMs >= session.capMs) {
      this.tally.atCap++;
    }
  }

  /** The state of this aggregator as plain data, for a worker thread to hand back. */
  snapshot(): AggregateSnapshot {
    return { buckets: [...this.buckets.values()], unpriced: [...this.unpriced.values()], tally: this.tally, ids: this.seen.list() };
  }

  /** Whether a part read by another thread repeats none of the ids seen here (else it must be read again, in order). */
  canAbsorb(part: AggregateSnapshot): boolean {
    const { high, low } = part.ids;
    for (let i = 0; i < high.length; i++) if (this.seen.has(high[i]!, low[i]!)) return false;
    return true;
  }

  /**
   * Takes in a part of `file` that follows everything added so far, read by another thread whose
   * line 1 is line `lineOffset + 1` here: as if its records had been added one by one, in order.
   */
  absorb(part: AggregateSnapshot, file: string, lineOffset: number): void {
    const shift = (ref: SourceRef): SourceRef => ({ ...ref, line: ref.line + lineOffset });
    const fileIndex = this.fileIndex(file);
    const { high, low, lines } = part.ids;
    for (let i = 0; i < high.length; i++) this.seen.addOrFindHashed(high[i]!, low[i]!, fileIndex, lines[i]! + lineOffset);
    for (const b of part.buckets) {
      const bucket = this.bucket(b.version, b.product, b.model, b.component, b.period, b.dims);
      bucket.quantity = addExact(bucket.quantity, b.quantity);
    }
    for (const u of part.unpriced) {
      const key = [u.kind, u.product, u.model, u.addon].join('\u0000');
      const entry = this.unpriced.get(key) ?? { ...u, count: 0, quantity: 0, refs: [] };
      entry.count += u.count;
      entry.quantity = addExact(entry.quantity, u.quantity);
      entry.refs.push(...u.refs.slice(0, EXAMPLES - entry.refs.length).map(shift));
      this.unpriced.set(key, entry);
    }
    const mine = this.tally;
    const theirs = part.tally;
    for (const counter of ['counted', 'billed', 'free', 'excluded', 'undated', 'defaultModel', 'atCap'] as const) mine[counter] += theirs[counter];
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

  /** The bucket of one (version, product, model, component, period, dimensions), opened empty when new. */
  bucket(version: number, product: string, model: string, component: Component, period: string, dims: (string | null)[]): Bucket {
    const key = [version, product, model, component, period, ...dims].join('\u0000');
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { version, product, model, component, period, dims, quantity: 0, priced: true };
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  private dimensions(record: UsageRecord): (string | null)[] {
    return this.dimensionList.map((dimension) => {
      switch (dimension) {
        case 'project':
          return record.project ?? null;
        case 'api_key':
          return record.apiKey ?? null;
        case 'customer':
          return record.customer ?? null;
        case 'day':
          return record.at === undefined ? null : this.options.zone.dayKey(record.at);
        case 'month':
          return this.options.zone.monthKey(record.at!);
      }
    });
  }

  private addTo(charge: Extract<Charge, { type: 'billed' }>, item: ChargeItem, dims: (string | null)[]): void {
    const bucket = this.bucket(charge.version, charge.product.id, charge.model, item.component, item.period, dims);
    bucket.quantity = addExact(bucket.quantity, item.quantity);
  }

  private addUnpriced(record: UsageRecord, item: UnpricedItem): void {
    const key = [record.kind, item.product, item.model, item.addon].join('\u0000');
    const entry = this.unpriced.get(key) ?? { kind: record.kind, product: item.product, model: item.model, addon: item.addon, reason: item.reason, count: 0, quantity: 0, refs: [] };
    entry.count++;
    entry.quantity = addExact(entry.quantity, item.quantity);
    if (entry.refs.length < EXAMPLES) entry.refs.push(record.source);
    this.unpriced.set(key, entry);
  }
}

/** Whether any price of the card resets per day or month (so records need a date). */
export function hasPeriodTiers(card: RateCard): boolean {
  return card.versions.some((v) =>
    v.products.some((p) => p.kind !== 'llm' && [...p.models.values(), ...p.addons.values()].some((plan) => plan.type === 'tiered' && plan.period !== 'none')),
  );
}
