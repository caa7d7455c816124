import type { UsageRecord } from '../ingest/record.js';
import { findProduct, versionAt, type Product, type RateCard, type RatePlan } from '../rates/card.js';
import { InputError, type SourceRef } from '../util/errors.js';
import { addExact, ceilToIncrement } from '../util/quantity.js';
import type { TimeZone } from '../util/time.js';
import { IdSet } from './idset.js';
import { inPeriod, isBounded, type Period } from './period.js';

/** Reporting dimensions a line can be split by (besides product, model and add-on, always split). */
export const DIMENSIONS = ['project', 'api_key', 'customer', 'day', 'month'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** What a quantity pays for: the model's own usage, an add-on, or input/output tokens. */
export type Component = 'usage' | 'input' | 'output' | `addon:${string}`;

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
}

const EXAMPLES = 5;

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
  private readonly seen = new IdSet();
  private readonly files: string[] = [];
  private readonly periodTiers: boolean;

  constructor(private readonly options: AggregateOptions) {
    this.periodTiers = hasPeriodTiers(options.card);
  }

  /** Adds one record; an InputError names it when it cannot be placed or priced. */
  add(record: UsageRecord): void {
    if (record.id !== undefined) {
      const first = this.seen.addOrFind(`${record.kind}\u0000${record.id}`, this.fileIndex(record.source.file), record.source.line);
      if (first) {
        const duplicates = this.tally.duplicates;
        duplicates.count++;
        if (duplicates.examples.length < EXAMPLES) {
          duplicates.examples.push({ id: record.id, first: { file: this.files[first.file]!, line: first.line }, again: record.source });
        }
        return;
      }
    }
    const { period, groupBy, card } = this.options;
    if (record.at === undefined) {
      if (isBounded(period)) throw new InputError(record.source, 'timestamp', 'is missing, so the record cannot be placed in the period', 'give the list endpoint response (created) too, or drop --month/--from/--to');
      if (this.periodTiers) throw new InputError(record.source, 'timestamp', `is missing, and card ${card.name} has daily or monthly tiers`, 'add timestamps to the log');
      if (groupBy.includes('day') || groupBy.includes('month')) throw new InputError(record.source, 'timestamp', 'is missing, so the record cannot be grouped by day or month');
      this.tally.undated++;
    } else if (!inPeriod(period, record.at)) {
      this.tally.excluded++;
      return;
    } else {
      this.tally.first = this.tally.first === undefined ? record.at : Math.min(this.tally.first, record.at);
      this.tally.last = this.tally.last === undefined ? record.at : Math.max(this.tally.last, record.at);
    }
    this.tally.counted++;
    this.price(record);
  }

  private fileIndex(file: string): number {
    const at = this.files.lastIndexOf(file);
    if (at !== -1) return at;
    if (this.files.length === 0xffff) throw new RangeError('more than 65535 log files in one run');
    return this.files.push(file) - 1;
  }

  private price(record: UsageRecord): void {
    const { card } = this.options;
    const versionIndex = versionIndexAt(card, record.at);
    if (versionIndex === -1) {
      this.addUnpriced(record, null, record.model ?? '(none)', null, `no version of card ${card.name} is in force at that time (first: ${card.versions[0]!.label})`, 0);
      return;
    }
    const version = card.versions[versionIndex]!;
    const found = findProduct(version, record.kind, record.model);
    if (!found) {
      const offers = version.products.some((p) => p.kind === record.kind);
      const reason = !offers
        ? `card ${card.name} has no ${record.kind} product`
        : record.model === undefined
          ? `the record names no model and card ${card.name} has no default ${record.kind} model`
          : `card ${card.name} (version ${version.label}) does not price ${record.kind} model "${record.model}"`;
      this.addUnpriced(record, null, record.model ?? '(none)', null, reason, quantityOf(record));
      return;
    }
    if (record.model === undefined) this.tally.defaultModel++;
    const { product, model } = found;
    const dims = this.dimensions(record);
    if (product.kind === 'llm') {
      this.tally.billed++;
      this.addTo(versionIndex, product, model, 'input', '', dims, record.inputTokens);
      this.addTo(versionIndex, product, model, 'output', '', dims, record.outputTokens);
      return;
    }
    if (record.failed && !product.chargeFailed) {
      this.tally.free++;
      return;
    }
    const base = this.billedMs(record, product, `${versionIndex}\u0000${product.id}\u0000${model}`);
    const usage = product.kind === 'transcript' && product.channels === 'multiply' ? base * record.channels : base;
    const plan = product.models.get(model)!;
    this.tally.billed++;
    this.addTo(versionIndex, product, model, 'usage', this.tierPeriod(plan, record.at), dims, usage);
    for (const feature of record.features) {
      const addonPlan = product.addons.get(feature);
      if (!addonPlan) {
        this.addUnpriced(record, product.id, model, feature, `card ${card.name} has no add-on "${feature}" on ${product.id}`, base);
        continue;
      }
      const quantity = product.kind === 'transcript' && product.addonChannels === 'multiply' ? base * record.channels : base;
      this.addTo(versionIndex, product, model, `addon:${feature}`, this.tierPeriod(addonPlan, record.at), dims, quantity);
    }
  }

  /** Billed milliseconds before channels: audio, or session time capped at `max_session` (the cap if unclosed). */
  private billedMs(record: UsageRecord, product: Product & { kind: 'transcript' | 'stream' }, lineKey: string): number {
    let ms: number;
    if (product.kind === 'stream' && product.basis === 'session') {
      const cap = product.maxSessionMs;
      if (!record.closed) {
        if (cap === undefined) throw new InputError(record.source, 'terminated', 'the session was never closed and the card sets no max_session to bill it at', 'add max_session to the product, or the session end');
        ms = cap;
        const audio = Math.min(record.audioMs ?? 0, cap);
        const unclosed = this.tally.unclosed;
        unclosed.count++;
        unclosed.billedMs += cap;
        unclosed.audioMs += audio;
        unclosed.extra.set(lineKey, (unclosed.extra.get(lineKey) ?? 0) + (cap - audio));
      } else {
        const session = record.sessionMs ?? failField(record, 'session_duration', 'is missing on a closed session', 'give session_duration or ended_at');
        ms = cap === undefined ? session : Math.min(session, cap);
        if (cap !== undefined && session >= cap) this.tally.atCap++;
      }
    } else {
      ms = record.audioMs ?? failField(record, 'audio_duration', 'is missing', 'this product bills audio seconds');
    }
    return ceilToIncrement(ms, product.incrementMs);
  }

  private tierPeriod(plan: RatePlan, at: number | undefined): string {
    if (plan.type === 'flat' || plan.period === 'none' || at === undefined) return '';
    return plan.period === 'day' ? this.options.zone.dayKey(at) : this.options.zone.monthKey(at);
  }

  private dimensions(record: UsageRecord): (string | null)[] {
    return this.options.groupBy.map((dimension) => {
      switch (dimension) {
        case 'project':
          return record.project ?? null;
        case 'api_key':
          return record.apiKey ?? null;
        case 'customer':
          return record.customer ?? null;
        case 'day':
          return this.options.zone.dayKey(record.at!);
        case 'month':
          return this.options.zone.monthKey(record.at!);
      }
    });
  }

  private addTo(version: number, product: Product, model: string, component: Component, period: string, dims: (string | null)[], quantity: number): void {
    const key = [version, product.id, model, component, period, ...dims].join('\u0000');
    const bucket = this.buckets.get(key);
    if (bucket) bucket.quantity = addExact(bucket.quantity, quantity);
    else this.buckets.set(key, { version, product: product.id, model, component, period, dims, quantity, priced: true });
  }

  private addUnpriced(record: UsageRecord, product: string | null, model: string, addon: string | null, reason: string, quantity: number): void {
    const key = [record.kind, product, model, addon].join('\u0000');
    const entry = this.unpriced.get(key) ?? { kind: record.kind, product, model, addon, reason, count: 0, quantity: 0, refs: [] };
    entry.count++;
    entry.quantity = addExact(entry.quantity, quantity);
    if (entry.refs.length < EXAMPLES) entry.refs.push(record.source);
    this.unpriced.set(key, entry);
  }
}

function failField(record: UsageRecord, field: string, problem: string, hint: string): never {
  throw new InputError(record.source, field, problem, hint);
}

function quantityOf(record: UsageRecord): number {
  return record.kind === 'llm' ? record.inputTokens + record.outputTokens : (record.audioMs ?? record.sessionMs ?? 0);
}

function versionIndexAt(card: RateCard, at: number | undefined): number {
  const version = versionAt(card, at);
  return version === undefined ? -1 : card.versions.indexOf(version);
}

/** Whether any price of the card resets per day or month (so records need a date). */
export function hasPeriodTiers(card: RateCard): boolean {
  return card.versions.some((v) =>
    v.products.some((p) => p.kind !== 'llm' && [...p.models.values(), ...p.addons.values()].some((plan) => plan.type === 'tiered' && plan.period !== 'none')),
  );
}
