import type { UsageRecord } from '../ingest/record.js';
import type { Outcome } from '../pricing/aggregate.js';
import { CardResolver, chargeOf, type Charge } from '../pricing/charge.js';
import type { RateCard } from '../rates/card.js';
import type { SourceRef } from '../util/errors.js';
import type { TimeZone } from '../util/time.js';
import { Interner } from '../util/interner.js';
import { float64, uint16, uint32, type Column } from '../util/columns.js';
import type { FindingCode, FindingDraft, Stake } from './finding.js';

/** Settings of the per-record rules. */
export interface CollectorOptions {
  card: RateCard;
  zone: TimeZone;
  tier: 'free' | 'paid';
  /** IDLE_SESSION when session time ≥ ratio × audio (and at least a minute more). */
  idleRatio: number;
  /** Findings kept per code (all are counted and their money summed). */
  keepPerCode: number;
}

type Billed = Extract<Charge, { type: 'billed' }>;

/** A compact list of events: a time, where it came from, and (for sessions) more columns. */
class Events {
  readonly times = float64();
  readonly files = uint16();
  readonly lines = uint32();

  push(at: number, file: number, line: number): void {
    this.times.push(at);
    this.files.push(file);
    this.lines.push(line);
  }
}

const IDLE_MIN_MS = 60_000;

/**
 * Watches every record as the invoice is computed and keeps only what the rules need: findings of
 * the per-record rules, compact columns for the time-window rules, and small maps for keys.
 */
export class AuditCollector {
  readonly drafts = new Map<FindingCode, { count: number; kept: FindingDraft[]; stake: Stake[] }>();
  readonly requests = new Events();
  readonly streamStarts = new Events();
  readonly transcripts = { starts: float64(), ends: float64(), files: uint16(), lines: uint32() };
  readonly sessions = { group: uint32(), start: float64(), end: float64(), files: uint16(), lines: uint32(), rate: uint32(), ids: [] as string[] };
  readonly sessionGroups = new Map<string, number>();
  readonly rateKeys = new Interner();
  readonly keyCustomers = new Map<string, Set<string>>();
  readonly customerKeys = new Map<string, Set<string>>();
  /** Quantities per volume-tier scope and period, for TIER_CLIFF. */
  readonly tierTotals = new Map<string, number>();
  /** Streaming billed on session time, and what it would have been closed at the end of the audio, per rate. */
  readonly streaming = { billed: new Map<string, number>(), ifClosed: new Map<string, number>() };
  readonly files = new Interner(0xffff);

  private readonly resolver: CardResolver;

  constructor(private readonly options: CollectorOptions) {
    this.resolver = new CardResolver(options.card);
  }

  /** The audit's hook into the invoice pass. */
  observe = (record: UsageRecord, outcome: Outcome): void => {
    if (outcome.type === 'excluded') return;
    if (outcome.type === 'duplicate') {
      this.duplicate(record, outcome.first);
      return;
    }
    const file = this.files.of(record.source.file);
    if (record.at !== undefined) this.requests.push(record.at, file, record.source.line);
    this.keys(record);
    const charge = outcome.charge;
    if (charge.type !== 'billed') return;
    if (record.kind === 'transcript' && record.at !== undefined && record.completedAt !== undefined && record.completedAt > record.at) {
      const t = this.transcripts;
      t.starts.push(record.at);
      t.ends.push(record.completedAt);
      t.files.push(file);
      t.lines.push(record.source.line);
    }
    if (charge.product.kind === 'llm' && this.options.tier === 'free' && !charge.product.freeTier) {
      this.add('FREE_TIER_LLM', record, `LLM gateway call to ${charge.model} on the free tier: the free tier has no LLM gateway, so it is refused`, stakeOf(charge));
    }
    if (charge.session) this.session(record, charge, file);
    this.tiers(charge);
  };

  private session(record: UsageRecord, charge: Billed, file: number): void {
    const s = charge.session!;
    const start = record.startedAt ?? record.at;
    if (start !== undefined) {
      this.streamStarts.push(start, file, record.source.line);
      if (record.apiKey !== undefined) {
        const group = `${record.apiKey}\u0000${record.customer ?? ''}`;
        let g = this.sessionGroups.get(group);
        if (g === undefined) this.sessionGroups.set(group, (g = this.sessionGroups.size));
        const x = this.sessions;
        x.group.push(g);
        x.start.push(start);
        x.end.push(start + (s.sessionMs ?? s.billedMs));
        x.files.push(file);
        x.lines.push(record.source.line);
        x.rate.push(this.rateKeys.of(charge.rateKey));
        x.ids.push(record.id ?? '');
      }
    }
    const billed = charge.items[0]!.quantity;
    const audio = Math.min(s.audioMs, billed);
    const { billed: billedMs, ifClosed } = this.streaming;
    billedMs.set(charge.rateKey, (billedMs.get(charge.rateKey) ?? 0) + billed);
    ifClosed.set(charge.rateKey, (ifClosed.get(charge.rateKey) ?? 0) + audio);
    const beyond = [{ rateKey: charge.rateKey, component: 'usage' as const, quantity: billed - audio }];
    const cap = formatDuration(s.capMs ?? 0);
    if (!s.closed) {
      this.add('UNCLOSED_SESSION', record, `session never closed: billed ${cap} (the maximum session) for ${formatDuration(s.audioMs)} of audio; send Terminate when the stream ends`, beyond);
    } else if (s.capMs !== undefined && s.sessionMs !== undefined && s.sessionMs >= s.capMs) {
      this.add('SESSION_AT_CAP', record, `session reached the maximum of ${cap} and was closed by the server, with ${formatDuration(s.audioMs)} of audio`, beyond);
    } else if (record.audioMs !== undefined && s.sessionMs !== undefined && s.sessionMs - s.audioMs >= IDLE_MIN_MS && s.sessionMs >= this.options.idleRatio * Math.max(s.audioMs, 1)) {
      this.add('IDLE_SESSION', record, `session open ${formatDuration(s.sessionMs)} for ${formatDuration(s.audioMs)} of audio (${ratio(s.sessionMs, s.audioMs)}); close idle streams`, beyond);
    }
  }

  private tiers(charge: Billed): void {
    if (charge.product.kind === 'llm') return;
    for (const item of charge.items) {
      if (item.period === '') continue;
      const plan = item.component === 'usage' ? charge.product.models.get(charge.model) : charge.product.addons.get(item.component.slice(6));
      if (plan?.type !== 'tiered' || plan.mode !== 'volume') continue;
      const key = `${charge.rateKey}\u0000${item.component}\u0000${item.period}`;
      this.tierTotals.set(key, (this.tierTotals.get(key) ?? 0) + item.quantity);
    }
  }

  private keys(record: UsageRecord): void {
    if (record.apiKey === undefined || record.customer === undefined) return;
    const link = (map: Map<string, Set<string>>, from: string, to: string): void => {
      const set = map.get(from) ?? new Set();
      if (set.size < 2) set.add(to);
      map.set(from, set);
    };
    link(this.keyCustomers, record.apiKey, record.customer);
    link(this.customerKeys, record.customer, record.apiKey);
  }

  private duplicate(record: UsageRecord, first: SourceRef): void {
    let stake: Stake[] = [];
    try {
      const charge = chargeOf(record, this.resolver, this.options.zone);
      if (charge.type === 'billed') stake = stakeOf(charge);
    } catch {
      // A duplicate that could not be priced still is a duplicate.
    }
    this.add('DUPLICATE_ID', record, `id ${record.id} was already seen at ${first.file}:${first.line}; billed once, not twice`, stake, first);
  }

  /** Records a finding of a record. */
  add(code: FindingCode, record: UsageRecord | undefined, message: string, stake: Stake[], related?: SourceRef): void {
    this.keep({ code, message, ref: record?.source, id: record?.id, at: record?.startedAt ?? record?.at, related, stake });
  }

  /** Counts a finding and sums its stake; only the first `keepPerCode` of a code are kept to list. */
  keep(draft: FindingDraft): void {
    const entry = this.drafts.get(draft.code) ?? { count: 0, kept: [], stake: [] };
    this.drafts.set(draft.code, entry);
    entry.count++;
    entry.stake.push(...mergeStake(draft.stake));
    if (entry.stake.length > 64) entry.stake = mergeStake(entry.stake);
    if (entry.kept.length < this.options.keepPerCode) entry.kept.push(draft);
  }

}

/** The quantities a billed record pays for. */
export function stakeOf(charge: Billed): Stake[] {
  return charge.items.map((item) => ({ rateKey: charge.rateKey, component: item.component, quantity: item.quantity }));
}

/** Adds up stakes of the same rate and component. */
export function mergeStake(stakes: Stake[]): Stake[] {
  const merged = new Map<string, Stake>();
  for (const s of stakes) {
    const key = `${s.rateKey}\u0000${s.component}`;
    const m = merged.get(key);
    if (m) m.quantity += s.quantity;
    else merged.set(key, { ...s });
  }
  return [...merged.values()];
}

/** `2 h 05 min`, `3 min 20 s`, `45 s` */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h} h${m ? ` ${String(m).padStart(2, '0')} min` : ''}`;
  if (m > 0) return `${m} min${sec ? ` ${sec} s` : ''}`;
  return `${sec} s`;
}

function ratio(session: number, audio: number): string {
  return audio === 0 ? 'no audio' : `${(session / audio).toFixed(1)}× the audio`;
}

export type { Column };
