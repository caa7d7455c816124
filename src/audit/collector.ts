import { ABSENT, Outcome, type UsageBatch } from '../ingest/batch.js';
import { refusedByTier } from '../pricing/charge.js';
import type { BatchObserver, Fold, ObserverPart, PartJoin } from '../pricing/fold.js';
import type { Plan } from '../pricing/plan.js';
import type { RateCard } from '../rates/card.js';
import { TimeZone } from '../util/time.js';
import type { SourceRef } from '../util/errors.js';
import { Interner } from '../util/interner.js';
import { PairMap } from '../util/pairs.js';
import { LineColumn, RunColumn, TextColumn, TimeColumn, uint32, type Column, type ColumnParts, type LineParts, type RunParts, type TimeParts } from '../util/columns.js';
import type { FindingCode, FindingDraft, Stake } from './finding.js';
import { keepFinding, mayKeep } from './kept.js';

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

/** A compact list of events: a time, where it came from, and (for sessions) more columns. */
class Events {
  readonly times = new TimeColumn();
  readonly files = new RunColumn();
  readonly lines = new LineColumn();

  push(at: number, file: number, line: number): void {
    this.times.push(at);
    this.files.push(file);
    this.lines.push(line);
  }

  parts(): EventParts {
    return { times: this.times.parts(), files: this.files.parts(), lines: this.lines.parts() };
  }

  /** Appends the events of another thread's part, given its file and line in this collector. */
  append(part: EventParts, join: Join): void {
    this.times.append(part.times);
    this.files.append(part.files, join.file);
    this.lines.append(part.lines, join.lineOffset);
  }
}

interface EventParts {
  times: TimeParts;
  files: RunParts;
  lines: LineParts;
}

/** How the codes and lines of a worker thread's part become this collector's. */
interface Join {
  file: (code: number) => number;
  lineOffset: number;
}

const IDLE_MIN_MS = 60_000;

/**
 * Watches every record as the invoice is computed and keeps only what the rules need: findings of
 * the per-record rules, compact columns for the time-window rules, and small maps for keys.
 */
export class AuditCollector implements BatchObserver {
  readonly drafts = new Map<FindingCode, CodeEntry>();
  readonly requests = new Events();
  readonly streamStarts = new Events();
  /** LLM gateway calls by model (for the per-model rate limit). */
  readonly llmCalls = new Map<string, Events>();
  readonly transcripts = { starts: new TimeColumn(), ends: new TimeColumn(), files: new RunColumn(), lines: new LineColumn() };
  readonly sessions = { group: uint32(), start: new TimeColumn(), end: new TimeColumn(), files: new RunColumn(), lines: new LineColumn(), rate: uint32(), ids: new TextColumn() };
  /** Session groups by (API key code, customer code) of this thread's strings. */
  private readonly sessionGroups = new PairMap();
  /** Session groups by `API key\0customer`: the same groups for any thread's strings. */
  private readonly groupsByName = new Map<string, number>();
  readonly rateKeys = new Interner();
  readonly keyCustomers = new Map<string, Set<string>>();
  readonly customerKeys = new Map<string, Set<string>>();
  /** Streaming billed on session time, and what it would have been closed at the end of the audio, by rate key code. */
  private readonly streamBilled: number[] = [];
  private readonly streamIfClosed: number[] = [];
  readonly files = new Interner(0xffff);

  /** This collector's code of each file code of the log (files are few: looked up once each). */
  private readonly fileCodes: number[] = [];

  private fileOf(b: UsageBatch, r: number): number {
    const code = b.file[r]!;
    let mine = this.fileCodes[code];
    if (mine === undefined) this.fileCodes[code] = mine = this.files.of(b.strings.files.at(code));
    return mine;
  }

  private readonly llmCallsByPlan: (Events | undefined)[] = [];
  /** The rate key code of each plan. */
  private readonly rateOfPlan: number[] = [];
  /** The (API key code, customer code) pairs linked already. */
  private readonly linked = new PairMap();
  /** The audit groups sessions and links keys by API key and customer: the readers keep those two. */
  readonly dimensions = { project: false, apiKey: true, customer: true };

  readonly part: ObserverPart;

  constructor(private readonly options: CollectorOptions) {
    const { zone, tier, idleRatio, keepPerCode } = options;
    this.part = { module: import.meta.url, factory: 'auditCollector', settings: { zone: zone.name, tier, idleRatio, keepPerCode } satisfies PartSettings };
  }

  /** Streaming billed on session time, and what it would have been closed at the end of the audio, per rate. */
  get streaming(): { billed: Map<string, number>; ifClosed: Map<string, number> } {
    const byRate = (sums: number[]): Map<string, number> => new Map(sums.flatMap((sum, rate) => (sum === undefined ? [] : [[this.rateKeys.at(rate), sum] as const])));
    return { billed: byRate(this.streamBilled), ifClosed: byRate(this.streamIfClosed) };
  }
  /** The audit's view of each folded batch. */
  observe(b: UsageBatch, fold: Fold): void {
    for (let r = 0; r < b.length; r++) {
      const outcome = b.outcome[r];
      if (outcome === Outcome.Rejected || outcome === Outcome.Excluded) continue;
      const plan = fold.plans[b.plan[r]!]!;
      if (outcome === Outcome.Duplicate) {
        this.duplicate(b, r, plan, fold);
        continue;
      }
      const file = this.fileOf(b, r);
      const at = b.at[r]!;
      if (!Number.isNaN(at)) this.requests.push(at, file, b.line[r]!);
      this.keys(b, b.apiKey[r]!, b.customer[r]!);
      if (outcome !== Outcome.Billed) continue;
      const completed = b.completedAt[r]!;
      if (plan.kind === 'transcript' && !Number.isNaN(at) && completed > at) {
        const t = this.transcripts;
        t.starts.push(at);
        t.ends.push(completed);
        t.files.push(file);
        t.lines.push(b.line[r]!);
      }
      if (plan.llm && !Number.isNaN(at)) this.llmCallsOf(plan).push(at, file, b.line[r]!);
      if (refusedByTier(plan, this.options.tier)) {
        this.add('FREE_TIER_LLM', b, r, stakeOf(plan, b, r), () => `LLM gateway call to ${plan.model} on the free tier: the free tier has no LLM gateway, so it is refused`);
      }
      if (plan.session) this.session(b, r, plan, file);
    }
  }

  /** The calls of a plan's model, found once per plan. */
  private llmCallsOf(plan: Plan): Events {
    let calls = this.llmCallsByPlan[plan.id];
    if (calls === undefined) {
      calls = this.llmCalls.get(plan.model);
      if (calls === undefined) this.llmCalls.set(plan.model, (calls = new Events()));
      this.llmCallsByPlan[plan.id] = calls;
    }
    return calls;
  }

  private session(b: UsageBatch, r: number, plan: Plan, file: number): void {
    const startedAt = b.startedAt[r]!;
    const start = Number.isNaN(startedAt) ? b.at[r]! : startedAt;
    const closed = b.closed[r] === 1;
    const billedMs = b.billedMs[r]!;
    const sessionMs = closed ? b.sessionMs[r]! : undefined;
    const audioMs = Math.max(b.audioMs[r]!, 0);
    if (!Number.isNaN(start)) {
      this.streamStarts.push(start, file, b.line[r]!);
      const apiKey = b.apiKey[r]!;
      if (apiKey !== 0) {
        const x = this.sessions;
        x.group.push(this.groupOf(b, apiKey, b.customer[r]!));
        x.start.push(start);
        x.end.push(start + (sessionMs ?? billedMs));
        x.files.push(file);
        x.lines.push(b.line[r]!);
        x.rate.push(this.rateOf(plan));
        b.pushIdTo(r, x.ids);
      }
    }
    const billed = b.quantities[b.quantityAt[r]!]!;
    const audio = Math.min(audioMs, billed);
    const rate = this.rateOf(plan);
    this.streamBilled[rate] = (this.streamBilled[rate] ?? 0) + billed;
    this.streamIfClosed[rate] = (this.streamIfClosed[rate] ?? 0) + audio;
    // The findings' stakes and messages are made in their branch (a session row is common: no closure a row).
    if (!closed) {
      this.add('UNCLOSED_SESSION', b, r, usageOf(plan, billed - audio), () => `session never closed: billed ${formatDuration(Math.max(plan.capMs, 0))} (the maximum session) for ${formatDuration(audioMs)} of audio; send Terminate when the stream ends`);
    } else if (plan.capMs >= 0 && sessionMs! >= plan.capMs) {
      this.add('SESSION_AT_CAP', b, r, usageOf(plan, billed - audio), () => `session reached the maximum of ${formatDuration(Math.max(plan.capMs, 0))} and was closed by the server, with ${formatDuration(audioMs)} of audio`);
    } else if (b.graceMs[r]! > 0) {
      const grace = Math.min(b.graceMs[r]!, billed);
      this.add('VOICE_AGENT_GRACE', b, r, usageOf(plan, grace),
        () => `voice-agent socket closed without session.end: the provider kept the session ${formatDuration(grace)} for session.resume and billed it; end sessions with session.end`);
    } else if (b.audioMs[r] !== ABSENT && sessionMs! - audioMs >= IDLE_MIN_MS && sessionMs! >= this.options.idleRatio * Math.max(audioMs, 1)) {
      this.add('IDLE_SESSION', b, r, usageOf(plan, billed - audio), () => `session open ${formatDuration(sessionMs!)} for ${formatDuration(audioMs)} of audio (${ratio(sessionMs!, audioMs)}); close idle streams`);
    }
  }

  /** This collector's state as plain data (a worker thread's part). */
  snapshot(): AuditPart {
    const sets = (map: Map<string, Set<string>>): [string, string[]][] => [...map].map(([from, to]) => [from, [...to]]);
    const sums = (byRate: number[]): [number, number][] => byRate.flatMap((sum, rate) => (sum === undefined ? [] : [[rate, sum] as [number, number]]));
    const x = this.sessions;
    const t = this.transcripts;
    return {
      drafts: [...this.drafts].map(([code, entry]) => [code, { count: entry.count, kept: entry.kept, stake: entry.stake }]),
      requests: this.requests.parts(), streamStarts: this.streamStarts.parts(),
      llmCalls: [...this.llmCalls].map(([model, calls]) => [model, calls.parts()]),
      transcripts: { starts: t.starts.parts(), ends: t.ends.parts(), files: t.files.parts(), lines: t.lines.parts() },
      sessions: { group: x.group.parts(), start: x.start.parts(), end: x.end.parts(), files: x.files.parts(), lines: x.lines.parts(), rate: x.rate.parts(), ids: x.ids.parts() },
      groups: [...this.groupsByName.keys()], rateKeys: this.rateKeys.values, files: this.files.values,
      keyCustomers: sets(this.keyCustomers), customerKeys: sets(this.customerKeys),
      streamBilled: sums(this.streamBilled), streamIfClosed: sums(this.streamIfClosed),
    };
  }

  /**
   * Takes in a worker thread's part of the log, which follows every row observed here: its events
   * after these, its findings counted and kept after these, its codes and lines made this collector's.
   */
  absorb(part: AuditPart, join: PartJoin): void {
    const files = part.files.map((file) => this.files.of(file));
    const rates = part.rateKeys.map((key) => this.rateKeys.of(key));
    const groups = part.groups.map((name) => this.groupNamed(name));
    const moved: Join = { file: (file) => files[file]!, lineOffset: join.lineOffset };
    const shift = (ref: SourceRef | undefined): SourceRef | undefined => ref && { file: ref.file, line: ref.line + join.lineOffset };
    for (const [code, theirs] of part.drafts) {
      const entry = this.count(code, theirs.stake);
      entry.count += theirs.count - 1;
      for (const draft of theirs.kept) {
        const related = shift(draft.related);
        keepFinding(entry.kept, this.options.keepPerCode, { ...draft, ref: shift(draft.ref), related, message: code === 'DUPLICATE_ID' ? duplicateMessage(draft.id, related!) : draft.message });
      }
    }
    this.requests.append(part.requests, moved);
    this.streamStarts.append(part.streamStarts, moved);
    for (const [model, calls] of part.llmCalls) {
      let mine = this.llmCalls.get(model);
      if (mine === undefined) this.llmCalls.set(model, (mine = new Events()));
      mine.append(calls, moved);
    }
    const t = this.transcripts;
    t.starts.append(part.transcripts.starts);
    t.ends.append(part.transcripts.ends);
    t.files.append(part.transcripts.files, moved.file);
    t.lines.append(part.transcripts.lines, join.lineOffset);
    const x = this.sessions;
    const y = part.sessions;
    x.group.append(y.group, (group) => groups[group]!);
    x.start.append(y.start);
    x.end.append(y.end);
    x.files.append(y.files, moved.file);
    x.lines.append(y.lines, join.lineOffset);
    x.rate.append(y.rate, (rate) => rates[rate]!);
    x.ids.append(y.ids);
    for (const [key, customers] of part.keyCustomers) for (const customer of customers) addLink(this.keyCustomers, key, customer);
    for (const [customer, keys] of part.customerKeys) for (const key of keys) addLink(this.customerKeys, customer, key);
    const addSums = (mine: number[], theirs: [number, number][]): void => {
      for (const [rate, ms] of theirs) mine[rates[rate]!] = (mine[rates[rate]!] ?? 0) + ms;
    };
    addSums(this.streamBilled, part.streamBilled);
    addSums(this.streamIfClosed, part.streamIfClosed);
  }

  /** Links an API key and a customer (codes of the log's strings), once per pair. */
  private keys(b: UsageBatch, apiKey: number, customer: number): void {
    if (apiKey === 0 || customer === 0 || this.linked.get(apiKey, customer) !== -1) return;
    this.linked.add(apiKey, customer, 1);
    this.link(b.text(apiKey)!, b.text(customer)!);
  }

  /** Links an API key and a customer by name (at most two of each kept: the rule asks for one). */
  private link(key: string, customer: string): void {
    addLink(this.keyCustomers, key, customer);
    addLink(this.customerKeys, customer, key);
  }

  /** The session group of an (API key, customer) code pair of this thread's strings. */
  private groupOf(b: UsageBatch, apiKey: number, customer: number): number {
    let group = this.sessionGroups.get(apiKey, customer);
    if (group === -1) this.sessionGroups.add(apiKey, customer, (group = this.groupNamed(`${b.text(apiKey)}\u0000${b.text(customer) ?? ''}`)));
    return group;
  }

  /** How many session groups there are (their numbers are 0 to this less 1). */
  get groupCount(): number {
    return this.groupsByName.size;
  }

  private groupNamed(name: string): number {
    let group = this.groupsByName.get(name);
    if (group === undefined) this.groupsByName.set(name, (group = this.groupsByName.size));
    return group;
  }

  /** The code of a plan's rate key. */
  private rateOf(plan: Plan): number {
    return (this.rateOfPlan[plan.id] ??= this.rateKeys.of(plan.rateKey));
  }

  private duplicate(b: UsageBatch, r: number, plan: Plan, fold: Fold): void {
    const stake = b.charged[r] === 1 ? stakeOf(plan, b, r) : [];
    const first = { file: fold.strings.files.at(b.firstFile[r]!), line: b.firstLine[r]! };
    this.add('DUPLICATE_ID', b, r, stake, () => duplicateMessage(b.id(r), first), first);
  }

  /** Records a finding of row `r`; the finding (its message, id and place) is made only when it may be kept to list. */
  private add(code: FindingCode, b: UsageBatch, r: number, stake: Stake[], message: () => string, related?: SourceRef): void {
    const startedAt = b.startedAt[r]!;
    const time = Number.isNaN(startedAt) ? b.at[r]! : startedAt;
    const at = Number.isNaN(time) ? undefined : time;
    this.offer(code, stake, at, () => b.id(r), () => ({ code, message: message(), ref: b.ref(r), id: b.id(r), at, related, stake }));
  }

  /** Counts a finding and sums its stake; only the first `keepPerCode` of a code in time are kept to list. */
  keep(draft: FindingDraft): void {
    this.offer(draft.code, draft.stake, draft.at, () => draft.id, () => draft);
  }

  /** As `keep`, for a finding whose draft (at `at`, with id `id()`) is made only when it may be kept to list. */
  offer(code: FindingCode, stake: Stake[], at: number | undefined, id: () => string | undefined, draft: () => FindingDraft): void {
    const entry = this.count(code, stake);
    if (mayKeep(entry.kept, this.options.keepPerCode, at, id)) keepFinding(entry.kept, this.options.keepPerCode, draft());
  }

  /** The entry of a code, with one more finding counted and its stake added (by rate, then component). */
  private count(code: FindingCode, stake: Stake[]): CodeEntry {
    let entry = this.drafts.get(code);
    if (entry === undefined) {
      entry = { count: 0, kept: [], byRate: new Map(), get stake() { return [...this.byRate.values()].flatMap((components) => [...components.values()]); } };
      this.drafts.set(code, entry);
    }
    entry.count++;
    for (const s of stake) {
      let components = entry.byRate.get(s.rateKey);
      if (components === undefined) entry.byRate.set(s.rateKey, (components = new Map()));
      const sum = components.get(s.component);
      if (sum === undefined) components.set(s.component, { ...s });
      else sum.quantity += s.quantity;
    }
    return entry;
  }
}

/** Links `from` to `to`, keeping at most two of a name's links (the rule asks whether there is one). */
function addLink(map: Map<string, Set<string>>, from: string, to: string): void {
  const set = map.get(from) ?? new Set();
  if (set.size < 2) set.add(to);
  map.set(from, set);
}

/** An audit collector's state as plain data (a worker thread's part). */
interface AuditPart {
  drafts: [FindingCode, { count: number; kept: FindingDraft[]; stake: Stake[] }][];
  requests: EventParts;
  streamStarts: EventParts;
  llmCalls: [string, EventParts][];
  transcripts: { starts: TimeParts; ends: TimeParts; files: RunParts; lines: LineParts };
  sessions: {
    group: ColumnParts<Uint32Array>; start: TimeParts; end: TimeParts; files: RunParts;
    lines: LineParts; rate: ColumnParts<Uint32Array>; ids: ReturnType<TextColumn['parts']>;
  };
  groups: string[];
  rateKeys: string[];
  files: string[];
  keyCustomers: [string, string[]][];
  customerKeys: [string, string[]][];
  streamBilled: [number, number][];
  streamIfClosed: [number, number][];
}

/** The message of a DUPLICATE_ID finding (it names a place: rebuilt when a part's lines are moved). */
function duplicateMessage(id: string | undefined, first: SourceRef): string {
  return `id ${id} was already seen at ${first.file}:${first.line}; billed once, not twice`;
}

/** The settings of an audit collector, as plain data. */
interface PartSettings {
  zone: string;
  tier: 'free' | 'paid';
  idleRatio: number;
  keepPerCode: number;
}

/** The audit collector of a worker thread's part (the card is the one the worker opened). */
export function auditCollector(settings: PartSettings, card: RateCard): AuditCollector {
  return new AuditCollector({ ...settings, card, zone: TimeZone.of(settings.zone) });
}

/** A code's findings: how many, the first few in time kept (a heap, `kept.ts`), and the quantities at stake summed by rate and component. */
interface CodeEntry {
  count: number;
  kept: FindingDraft[];
  byRate: Map<string, Map<Stake['component'], Stake>>;
  /** The summed stakes as a list. */
  readonly stake: Stake[];
}

/** A stake of `quantity` of a plan's usage. */
function usageOf(plan: Plan, quantity: number): Stake[] {
  return [{ rateKey: plan.rateKey, component: 'usage', quantity }];
}

/** The quantities a billed row pays for. */
export function stakeOf(plan: Plan, b: UsageBatch, r: number): Stake[] {
  const from = b.quantityAt[r]!;
  return plan.items.map((item, i) => ({ rateKey: plan.rateKey, component: item.component, quantity: b.quantities[from + i]! }));
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
