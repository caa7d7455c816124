import { ABSENT, Outcome, type UsageBatch } from '../ingest/batch.js';
import { USAGE_KINDS, type CanonicalField } from '../ingest/record.js';
import { computeInvoice, priceRecords, type Invoice, type InvoiceOptions } from '../engine/index.js';
import type { BatchObserver, ObserverPart } from '../pricing/fold.js';
import type { RateCard } from '../rates/card.js';
import { compareText } from '../util/compare.js';
import { Decimal } from '../util/decimal.js';
import { parseDay, type TimeZone } from '../util/time.js';
import { synthesize } from './synthesize.js';
import type { EstimateUsage } from './usage.js';

export type { EstimateUsage } from './usage.js';

/** One card's price for the usage. */
export interface CardEstimate {
  card: RateCard;
  invoice: Invoice;
  notes: string[];
  notOffered: string[];
  /** Offers every product asked for, so its total compares with the others. */
  complete: boolean;
}

/** The usage priced on every card, in the order given, and the cheapest complete one. */
export interface EstimateResult {
  usage: EstimateUsage;
  source: string;
  estimates: CardEstimate[];
  cheapest: CardEstimate | undefined;
}

/** Prices the same usage on each card. */
export async function runEstimate(usage: EstimateUsage, cards: readonly RateCard[], source: string): Promise<EstimateResult> {
  const estimates: CardEstimate[] = [];
  for (const card of cards) {
    const synthesis = synthesize(usage, card);
    const invoice = await priceRecords(synthesis.records, {
      card, zone: card.timezone, period: { from: undefined, to: undefined, fromText: undefined, toText: undefined },
      groupBy: [], skipInvalid: false, allowUnpriced: false,
    });
    invoice.period = { from: synthesis.days.first, to: null };
    estimates.push({ card, invoice, notes: synthesis.notes, notOffered: synthesis.notOffered, complete: synthesis.notOffered.length === 0 });
  }
  const comparable = estimates.filter((e) => e.complete && e.card.currency === estimates.find((x) => x.complete)?.card.currency);
  const cheapest = comparable.reduce<CardEstimate | undefined>((best, e) => (best === undefined || e.invoice.total.lessThan(best.invoice.total) ? e : best), undefined);
  return { usage, source, estimates, cheapest: comparable.length > 1 ? cheapest : comparable[0] };
}

/**
 * The usage of an average period of a real log: quantities per model (and channels and add-ons)
 * summed as integers, scaled by the period's days over the calendar days the log spans. Failed
 * transcripts are left out (they are free); a repeated id counts once. The log is read by the one
 * engine (every row validated and judged as the invoice judges it on `card`), this observing it.
 */
export async function usageFromLog(paths: readonly string[], base: EstimateUsage, read: { inputZone: TimeZone; map: ReadonlyMap<CanonicalField, string>; zone: TimeZone; card: RateCard; engine?: Pick<InvoiceOptions, 'cardSource' | 'threads' | 'splitBytes' | 'trace'> }): Promise<{ usage: EstimateUsage; source: string }> {
  const observer = new LogUsage();
  await computeInvoice(paths, {
    card: read.card, zone: read.zone, inputZone: read.inputZone, map: read.map, period: { from: undefined, to: undefined, fromText: undefined, toText: undefined },
    groupBy: [], skipInvalid: false, allowUnpriced: true, observers: [observer], ...read.engine,
  });
  const { transcripts, streams, llm, first, last, records } = observer;
  const span = first === undefined ? 1 : parseDay(read.zone.dayKey(last!)) - parseDay(read.zone.dayKey(first)) + 1;
  const target = base.period === 'day' ? 1 : base.daysPerMonth;
  const scale = (n: number) => Number((BigInt(n) * BigInt(target) * 2n + BigInt(span)) / (2n * BigInt(span)));
  const usage: EstimateUsage = {
    ...base,
    transcribe: [...base.transcribe, ...byKey(transcripts).map((t) => ({ ...t, ms: scale(t.ms) }))],
    stream: [...base.stream, ...byKey(streams).map((s) => ({ ms: scale(s.ms), model: s.model, sessions: scale(s.sessions), unclosed: Math.min(scale(s.unclosed), scale(s.sessions)), features: [] }))],
    llm: [...base.llm, ...byKey(llm).map((l) => ({ model: l.model, inputTokens: scale(l.input), outputTokens: scale(l.output) }))],
  };
  const source = `${records} record(s) over ${span} day(s) of ${paths.join(', ')}, scaled to ${target} day(s)`;
  return { usage, source };
}

/** A map's values in the order of their keys: the usage of a log is listed the same however its rows came. */
function byKey<T>(map: ReadonlyMap<string, T>): T[] {
  return [...map].sort(([a], [b]) => compareText(a, b)).map(([, value]) => value);
}

/** How much more than the cheapest a card costs. */
export function overCheapest(result: EstimateResult, estimate: CardEstimate): Decimal | null {
  if (!result.cheapest || !estimate.complete || estimate.card.currency !== result.cheapest.card.currency) return null;
  return estimate.invoice.total.minus(result.cheapest.invoice.total);
}

const TRANSCRIPT = USAGE_KINDS.indexOf('transcript');
const STREAM = USAGE_KINDS.indexOf('stream');

/** What a log used, per model: the quantities `usageFromLog` scales. */
export class LogUsage implements BatchObserver {
  readonly transcripts = new Map<string, { ms: number; model: string | undefined; features: string[]; channels: number }>();
  readonly streams = new Map<string, { ms: number; sessions: number; unclosed: number; model: string | undefined }>();
  readonly llm = new Map<string, { input: number; output: number; model: string | undefined }>();
  first: number | undefined;
  last: number | undefined;
  records = 0;
  readonly part: ObserverPart = { module: import.meta.url, factory: 'logUsage', settings: null };

  snapshot(): LogUsageState {
    return { transcripts: [...this.transcripts], streams: [...this.streams], llm: [...this.llm], first: this.first, last: this.last, records: this.records };
  }

  /** Adds the usage of a worker thread's part. */
  absorb(part: LogUsageState): void {
    const add = <T extends object>(mine: Map<string, T>, theirs: [string, T][], counters: (keyof T)[]): void => {
      for (const [key, value] of theirs) {
        const entry = mine.get(key);
        if (entry === undefined) mine.set(key, value);
        else for (const counter of counters) (entry[counter] as number) += value[counter] as number;
      }
    };
    add(this.transcripts, part.transcripts, ['ms']);
    add(this.streams, part.streams, ['ms', 'sessions', 'unclosed']);
    add(this.llm, part.llm, ['input', 'output']);
    if (part.first !== undefined) this.first = this.first === undefined ? part.first : Math.min(this.first, part.first);
    if (part.last !== undefined) this.last = this.last === undefined ? part.last : Math.max(this.last, part.last);
    this.records += part.records;
  }

  observe(b: UsageBatch): void {
    for (let r = 0; r < b.length; r++) {
      const outcome = b.outcome[r];
      if (outcome === Outcome.Rejected || outcome === Outcome.Duplicate) continue;
      const at = b.at[r]!;
      if (!Number.isNaN(at)) {
        this.first = this.first === undefined ? at : Math.min(this.first, at);
        this.last = this.last === undefined ? at : Math.max(this.last, at);
      }
      this.records++;
      const model = b.text(b.model[r]!);
      const audioMs = b.audioMs[r]!;
      if (b.kind[r] === TRANSCRIPT) {
        if (b.failed[r] === 1) continue;
        const features = (b.text(b.features[r]!) ?? '').split(';').filter((name) => name !== '');
        const channels = b.channels[r]!;
        const key = [model ?? '', channels, ...features].join('\u0000');
        const t = this.transcripts.get(key) ?? { ms: 0, model, features, channels };
        t.ms += Math.max(audioMs, 0);
        this.transcripts.set(key, t);
      } else if (b.kind[r] === STREAM) {
        const s = this.streams.get(model ?? '') ?? { ms: 0, sessions: 0, unclosed: 0, model };
        s.sessions++;
        // Closed: its session time. Unclosed: the audio it carried (billed on audio cards; session cards add the cap).
        const closed = b.closed[r] === 1;
        const sessionMs = b.sessionMs[r]!;
        s.ms += closed && sessionMs !== ABSENT ? sessionMs : Math.max(audioMs, 0);
        if (!closed) s.unclosed++;
        this.streams.set(model ?? '', s);
      } else {
        const l = this.llm.get(model ?? '') ?? { input: 0, output: 0, model };
        l.input += b.inputTokens[r]!;
        l.output += b.outputTokens[r]!;
        this.llm.set(model ?? '', l);
      }
    }
  }
}

/** A log usage's state as plain data (a worker thread's part). */
interface LogUsageState {
  transcripts: [string, { ms: number; model: string | undefined; features: string[]; channels: number }][];
  streams: [string, { ms: number; sessions: number; unclosed: number; model: string | undefined }][];
  llm: [string, { input: number; output: number; model: string | undefined }][];
  first: number | undefined;
  last: number | undefined;
  records: number;
}

/** The log usage of a worker thread's part. */
export function logUsage(): LogUsage {
  return new LogUsage();
}
