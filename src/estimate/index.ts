import { ABSENT, Outcome, type UsageBatch } from '../ingest/batch.js';
import { USAGE_KINDS, type CanonicalField } from '../ingest/record.js';
import { computeInvoice, priceRecords, type Invoice, type InvoiceOptions } from '../engine/index.js';
import { duckdbLogUsage } from '../engine/duckdb.js';
import { InputError } from '../util/errors.js';
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
export async function usageFromLog(paths: readonly string[], base: EstimateUsage, read: { inputZone: TimeZone; map: ReadonlyMap<CanonicalField, string>; zone: TimeZone; card: RateCard; engine?: Pick<InvoiceOptions, 'cardSource' | 'threads' | 'splitBytes' | 'trace'>; duckdb?: { memory: string | undefined } }): Promise<{ usage: EstimateUsage; source: string }> {
  const observer = new LogUsage();
  const options: InvoiceOptions = {
    card: read.card, zone: read.zone, inputZone: read.inputZone, map: read.map, period: { from: undefined, to: undefined, fromText: undefined, toText: undefined },
    groupBy: [], skipInvalid: false, allowUnpriced: true, observers: [observer], ...read.engine,
  };
  // --engine duckdb: the same records judged by the statement of tallyman sql, summed by DuckDB.
  if (read.duckdb) observer.absorbRows(await duckdbLogUsage(paths, options, read.duckdb.memory), paths);
  else await computeInvoice(paths, options);
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

  /**
   * Adds the rows of the usage statement (`USAGE_COLUMNS`, src/sql/compile.ts): what `observe` sums,
   * summed by the engine. An invalid record is refused as the default engine refuses it.
   */
  absorbRows(rows: readonly ReadonlyMap<string, string>[], paths: readonly string[]): void {
    const int = (row: ReadonlyMap<string, string>, column: string): number => Number(row.get(column) || '0');
    const invalid = rows.filter((row) => row.get('state') === 'invalid').reduce((sum, row) => sum + int(row, 'records'), 0);
    if (invalid > 0) {
      throw new InputError(undefined, undefined, `${paths.join(', ')}: ${invalid} record(s) are invalid (a bad or missing value)`, 'run tallyman estimate without --engine duckdb (or tallyman audit) to see each one with its file, line and field');
    }
    for (const row of rows) {
      if (row.get('state') !== 'counted') continue;
      this.records += int(row, 'records');
      if (row.get('first_at') !== '') this.first = Math.min(this.first ?? Infinity, int(row, 'first_at'));
      if (row.get('last_at') !== '') this.last = Math.max(this.last ?? -Infinity, int(row, 'last_at'));
      const model = row.get('model') || undefined;
      const kind = row.get('kind');
      if (kind === 'transcript') {
        if (int(row, 'used') === 0) continue;
        const features = (row.get('features') ?? '').split(';').map((name) => name.trim()).filter((name) => name !== '');
        const channels = int(row, 'channels');
        this.absorb({ transcripts: [[[model ?? '', channels, ...features].join('\u0000'), { ms: int(row, 'ms'), model, features, channels }]], streams: [], llm: [], first: undefined, last: undefined, records: 0 });
      } else if (kind === 'stream') {
        this.absorb({ transcripts: [], streams: [[model ?? '', { ms: int(row, 'ms'), sessions: int(row, 'records'), unclosed: int(row, 'unclosed'), model }]], llm: [], first: undefined, last: undefined, records: 0 });
      } else {
        this.absorb({ transcripts: [], streams: [], llm: [[model ?? '', { input: int(row, 'input'), output: int(row, 'output'), model }]], first: undefined, last: undefined, records: 0 });
      }
    }
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
