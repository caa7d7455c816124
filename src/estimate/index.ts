import { readLog, type ReadOptions } from '../ingest/index.js';
import type { CanonicalField } from '../ingest/record.js';
import { IdSet } from '../pricing/idset.js';
import { priceRecords, type Invoice } from '../engine/index.js';
import type { RateCard } from '../rates/card.js';
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
 * transcripts are left out (they are free); a repeated id counts once.
 */
export async function usageFromLog(paths: readonly string[], base: EstimateUsage, read: { inputZone: TimeZone; map: ReadonlyMap<CanonicalField, string>; zone: TimeZone }): Promise<{ usage: EstimateUsage; source: string }> {
  const options: ReadOptions = { inputZone: read.inputZone, map: read.map, onInvalid: (e) => { throw e; } };
  const transcripts = new Map<string, { ms: number; model: string | undefined; features: string[]; channels: number }>();
  const streams = new Map<string, { ms: number; sessions: number; unclosed: number; model: string | undefined }>();
  const llm = new Map<string, { input: number; output: number; model: string | undefined }>();
  const seen = new IdSet();
  let first: number | undefined;
  let last: number | undefined;
  let records = 0;
  for await (const batch of readLog(paths, options)) for (const r of batch) {
    if (r.id !== undefined && seen.addOrFind(`${r.kind}\u0000${r.id}`, 0, 0)) continue;
    if (r.at !== undefined) {
      first = first === undefined ? r.at : Math.min(first, r.at);
      last = last === undefined ? r.at : Math.max(last, r.at);
    }
    records++;
    if (r.kind === 'transcript') {
      if (r.failed) continue;
      const key = [r.model ?? '', r.channels, ...r.features].join('\u0000');
      const t = transcripts.get(key) ?? { ms: 0, model: r.model, features: r.features, channels: r.channels };
      t.ms += r.audioMs ?? 0;
      transcripts.set(key, t);
    } else if (r.kind === 'stream') {
      const s = streams.get(r.model ?? '') ?? { ms: 0, sessions: 0, unclosed: 0, model: r.model };
      s.sessions++;
      // Closed: its session time. Unclosed: the audio it carried (billed on audio cards; session cards add the cap).
      s.ms += r.closed ? (r.sessionMs ?? r.audioMs ?? 0) : (r.audioMs ?? 0);
      if (!r.closed) s.unclosed++;
      streams.set(r.model ?? '', s);
    } else {
      const l = llm.get(r.model ?? '') ?? { input: 0, output: 0, model: r.model };
      l.input += r.inputTokens;
      l.output += r.outputTokens;
      llm.set(r.model ?? '', l);
    }
  }
  const span = first === undefined ? 1 : parseDay(read.zone.dayKey(last!)) - parseDay(read.zone.dayKey(first)) + 1;
  const target = base.period === 'day' ? 1 : base.daysPerMonth;
  const scale = (n: number) => Number((BigInt(n) * BigInt(target) * 2n + BigInt(span)) / (2n * BigInt(span)));
  const usage: EstimateUsage = {
    ...base,
    transcribe: [...base.transcribe, ...[...transcripts.values()].map((t) => ({ ...t, ms: scale(t.ms) }))],
    stream: [...base.stream, ...[...streams.values()].map((s) => ({ ms: scale(s.ms), model: s.model, sessions: scale(s.sessions), unclosed: Math.min(scale(s.unclosed), scale(s.sessions)), features: [] }))],
    llm: [...base.llm, ...[...llm.values()].map((l) => ({ model: l.model, inputTokens: scale(l.input), outputTokens: scale(l.output) }))],
  };
  const source = `${records} record(s) over ${span} day(s) of ${paths.join(', ')}, scaled to ${target} day(s)`;
  return { usage, source };
}

/** How much more than the cheapest a card costs. */
export function overCheapest(result: EstimateResult, estimate: CardEstimate): Decimal | null {
  if (!result.cheapest || !estimate.complete || estimate.card.currency !== result.cheapest.card.currency) return null;
  return estimate.invoice.total.minus(result.cheapest.invoice.total);
}
