import type { AutoScale, RateCard } from '../rates/card.js';
import { autoScaleBreaches } from './autoscale.js';
import { Decimal, formatMoney } from '../util/decimal.js';
import { periodSlices, tierOf } from '../pricing/tiers.js';
import type { PeriodTrace } from '../pricing/price.js';
import { formatInstant } from '../util/time.js';
import { nthInOrder } from '../util/columns.js';
import { compareText } from '../util/compare.js';
import type { AuditCollector } from './collector.js';
import { formatDuration } from './collector.js';
import type { FindingDraft } from './finding.js';
import { concurrencyBreaches, slidingBreaches } from './windows.js';

/** The limits the audit applies (from the card's `limits`, overridden by flags). */
export interface AppliedLimits {
  requestsPer5Minutes: number | undefined;
  concurrency: number | undefined;
  newStreamsPerMinute: number | undefined;
  /** How the new-session limit scales with use on this tier (the card's `auto_scale`); undefined: a fixed limit. */
  newStreamsAutoScale: AutoScale | undefined;
  /** LLM gateway requests per minute per model (paid accounts only: the free tier has no gateway). */
  llmRequestsPerMinute: number | undefined;
}

const FIVE_MINUTES = 300_000;
const ONE_MINUTE = 60_000;

/** RATE_LIMIT, STREAM_RATE and CONCURRENCY: one finding per stretch of time above a limit. */
export function limitFindings(c: AuditCollector, limits: AppliedLimits, tier: string): FindingDraft[] {
  const drafts: FindingDraft[] = [];
  const ref = (files: { at(i: number): number }, lines: { at(i: number): number }, i: number) => ({ file: c.files.at(files.at(i)), line: lines.at(i) });
  const push = (code: FindingDraft['code'], at: number, where: { file: string; line: number }, message: string) =>
    drafts.push({ code, message, ref: where, id: undefined, at, related: undefined, stake: [] });

  if (limits.requestsPer5Minutes !== undefined) {
    const r = c.requests;
    for (const b of slidingBreaches(r.times, FIVE_MINUTES, limits.requestsPer5Minutes)) {
      push('RATE_LIMIT', r.times.at(b.first), ref(r.files, r.lines, b.first),
        `${b.peak} requests in the 5 minutes up to ${formatInstant(r.times.at(b.peakAt))} (limit ${limits.requestsPer5Minutes}): ${b.over} request(s) past the limit from ${formatInstant(r.times.at(b.first))} get HTTP 429`);
    }
  }
  if (limits.newStreamsPerMinute !== undefined && limits.newStreamsAutoScale !== undefined) {
    const s = c.streamStarts;
    const base = limits.newStreamsPerMinute;
    for (const b of autoScaleBreaches(s.times, base, limits.newStreamsAutoScale)) {
      const minute = Math.floor(s.times.at(b.peakAt) / ONE_MINUTE) * ONE_MINUTE;
      push('STREAM_RATE', s.times.at(b.first), ref(s.files, s.lines, b.first),
        `${b.peak} new streaming sessions in the minute from ${formatInstant(minute)} (limit ${b.limit} then, auto-scaled from ${base} on the ${tier} tier): ${b.over} session(s) past the limit are refused (close code 1008)`);
    }
  } else if (limits.newStreamsPerMinute !== undefined) {
    const s = c.streamStarts;
    for (const b of slidingBreaches(s.times, ONE_MINUTE, limits.newStreamsPerMinute)) {
      push('STREAM_RATE', s.times.at(b.first), ref(s.files, s.lines, b.first),
        `${b.peak} new streaming sessions in the minute up to ${formatInstant(s.times.at(b.peakAt))} (limit ${limits.newStreamsPerMinute} on the ${tier} tier): ${b.over} session(s) past the limit are refused`);
    }
  }
  if (limits.llmRequestsPerMinute !== undefined && tier === 'paid') {
    const limit = limits.llmRequestsPerMinute;
    for (const [model, calls] of [...c.llmCalls].sort(([a], [b]) => compareText(a, b))) {
      for (const b of slidingBreaches(calls.times, ONE_MINUTE, limit)) {
        push('LLM_RATE_LIMIT', calls.times.at(b.first), ref(calls.files, calls.lines, b.first),
          `${b.peak} LLM gateway requests to ${model} in the minute up to ${formatInstant(calls.times.at(b.peakAt))} (limit ${limit} per model): ${b.over} request(s) past the limit get HTTP 429`);
      }
    }
  }
  if (limits.concurrency !== undefined) {
    const t = c.transcripts;
    for (const b of concurrencyBreaches(t.starts, t.ends, limits.concurrency)) {
      push('CONCURRENCY', t.starts.at(b.first), ref(t.files, t.lines, b.first),
        `${b.peak} transcripts in flight at ${formatInstant(t.starts.at(b.peakAt))} (limit ${limits.concurrency} on the ${tier} tier): ${b.over} were queued past the limit`);
    }
  }
  return drafts;
}

/**
 * OVERLAPPING_SESSIONS: a session of an API key and customer that starts before another one ends.
 * Sessions are walked in time (as they are when the log is: no order array then), each group's
 * open session (the one that ends last so far) kept by group; sessions of a group that open at
 * the same instant come longest first. Each finding is counted by the collector, whose draft is
 * made only when it may be kept to list (in time order, the first few).
 */
export function overlapFindings(c: AuditCollector): void {
  const s = c.sessions;
  const n = s.start.length;
  const nth = nthInOrder(n, (i) => s.start.at(i), s.start.ascending);
  const open = new Int32Array(c.groupCount).fill(-1);
  const run: number[] = [];
  for (let k = 0; k < n; ) {
    const first = nth(k);
    const at = s.start.at(first);
    let end = k + 1;
    while (end < n && s.start.at(nth(end)) === at) end++;
    if (end - k === 1) {
      overlapOf(c, open, first);
    } else {
      run.length = 0;
      for (let j = k; j < end; j++) run.push(nth(j));
      for (const i of longestFirst(c, run)) overlapOf(c, open, i);
    }
    k = end;
  }
}

/** Session `i` against the open session of its group: a finding when it starts before that one ends; then the group's open session. */
function overlapOf(c: AuditCollector, open: Int32Array, i: number): void {
  const s = c.sessions;
  const group = s.group.at(i);
  const last = open[group]!;
  if (last !== -1 && s.start.at(i) < s.end.at(last)) {
    const overlap = Math.min(s.end.at(i), s.end.at(last)) - s.start.at(i);
    const stake = [{ rateKey: c.rateKeys.at(s.rate.at(i)), component: 'usage' as const, quantity: overlap }];
    c.offer('OVERLAPPING_SESSIONS', stake, s.start.at(i), () => s.ids.at(i) || undefined, () => ({
      code: 'OVERLAPPING_SESSIONS',
      message: `session ${s.ids.at(i) || '(no id)'} opened while session ${s.ids.at(last) || '(no id)'} of the same API key and customer was still open (${formatDuration(overlap)} overlap): a stream opened twice?`,
      ref: { file: c.files.at(s.files.at(i)), line: s.lines.at(i) },
      id: s.ids.at(i) || undefined,
      at: s.start.at(i),
      related: { file: c.files.at(s.files.at(last)), line: s.lines.at(last) },
      stake,
    }));
  }
  if (last === -1 || s.end.at(i) > s.end.at(last)) open[group] = i;
}

/**
 * Sessions that open at the same instant, each group's longest first, then by id and rate (a
 * stable sort): which of them is reported as opened while the other was open never depends on the
 * order of the log's lines.
 */
function longestFirst(c: AuditCollector, run: number[]): number[] {
  const s = c.sessions;
  return run.sort((a, b) => s.group.at(a) - s.group.at(b) || s.end.at(b) - s.end.at(a) || compareText(s.ids.at(a), s.ids.at(b)) || compareText(c.rateKeys.at(s.rate.at(a)), c.rateKeys.at(s.rate.at(b))));
}

/** KEY_PER_CUSTOMER: two or more API keys that each serve exactly one customer, and that customer no other key. */
export function keyPerCustomerFindings(c: AuditCollector): FindingDraft[] {
  const pairs: [string, string][] = [];
  for (const [key, customers] of c.keyCustomers) {
    if (customers.size !== 1) continue;
    const customer = [...customers][0]!;
    if (c.customerKeys.get(customer)?.size === 1) pairs.push([key, customer]);
  }
  if (pairs.length < 2) return [];
  pairs.sort(([a], [b]) => compareText(a, b));
  const shown = pairs.slice(0, 5).map(([k, cu]) => `${k} → ${cu}`).join(', ');
  return [{
    code: 'KEY_PER_CUSTOMER',
    message: `${pairs.length} API keys map one-to-one to customers (${shown}${pairs.length > 5 ? ', …' : ''}): per-customer keys are discouraged; use one key and webhook metadata (customer_id) instead`,
    ref: undefined, id: undefined, at: undefined, related: undefined, stake: [],
  }];
}

/**
 * TIER_CLIFF: a volume-tier period below a boundary where reaching the boundary would cost less.
 * Read from the invoice's own period traces: the usage left to pay after free quotas and packs.
 */
export function tierCliffFindings(periods: readonly PeriodTrace[], card: RateCard): FindingDraft[] {
  const drafts: FindingDraft[] = [];
  const scale = card.rounding.scale;
  const keyOf = (p: PeriodTrace): string => [p.version, p.product, p.model, p.component, p.period].join('\u0000');
  const sorted = [...periods].sort((a, b) => compareText(keyOf(a), keyOf(b)));
  for (const trace of sorted) {
    const { plan, total, period, model } = trace;
    if (plan.type !== 'tiered' || plan.mode !== 'volume' || period === '') continue;
    const product = card.versions[trace.version]!.products.find((p) => p.id === trace.product)!;
    const tier = tierOf(plan.tiers, total);
    const bound = plan.tiers[tier]!.upToBase;
    if (bound === null) continue;
    // What the period costs now and at the boundary, flat fees included, as the invoice prices them.
    const charge = (quantity: number): Decimal => periodSlices(plan, product.perUnit, [quantity])[0]!.reduce((sum, s) => sum.plus(s.amount), new Decimal(0));
    const now = charge(total);
    const atBound = charge(bound);
    if (!atBound.lessThan(now)) continue;
    const hours = (ms: number) => new Decimal(ms).dividedBy(product.perUnit).toDecimalPlaces(2).toString();
    const covered = trace.covered > 0 ? ` (after ${hours(trace.covered)} ${product.unit}s covered by free quotas and packs)` : '';
    drafts.push({
      code: 'TIER_CLIFF',
      message: `${period}: ${hours(total)} ${product.unit}s of ${model}${covered} cost ${formatMoney(now, scale)} ${card.currency} at ${plan.tiers[tier]!.price.toString()}; ${plan.tiers[tier]!.upTo!.toString()} ${product.unit}s would cost ${formatMoney(atBound, scale)} at ${plan.tiers[tier + 1]!.price.toString()}: ${hours(bound - total)} ${product.unit}s more would cost less`,
      ref: undefined, id: undefined, at: undefined, related: undefined, stake: [],
      money: now.minus(atBound),
    });
  }
  return drafts;
}
