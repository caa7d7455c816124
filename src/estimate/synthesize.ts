import type { UsageKind, UsageRecord } from '../ingest/record.js';
import { hasPeriodTiers } from '../pricing/fold.js';
import { allocate, evenPart } from '../pricing/allocate.js';
import { findProduct, type Product, type RateCard } from '../rates/card.js';
import { formatDay, parseDay } from '../util/time.js';
import type { EstimateUsage } from './usage.js';

const MS_PER_HOUR = 3_600_000;

/** Usage turned into dated records for one card, with what the card could not price as asked. */
export interface Synthesis {
  /** Made as they are read (the notes and days are complete once they have all been read). */
  records: Iterable<UsageRecord>;
  /** Said in the output: default models used, spreading over days, caps. */
  notes: string[];
  /** Products asked for that the card does not offer at all. */
  notOffered: string[];
  /** The first and last day of the synthetic period. */
  days: { first: string; count: number };
}

/**
 * Lays the period's usage out as records on the days of a synthetic period (January after the
 * card's latest price change: 31 days, priced at the latest version), spread evenly day by day so
 * that daily tiers see a day's share. Pricing them is then the invoice's own job.
 */
export function synthesize(usage: EstimateUsage, card: RateCard): Synthesis {
  const out: Synthesis = { records: [], notes: [], notOffered: [], days: { first: '', count: 0 } };
  out.records = layOut(usage, card, out);
  return out;
}

/** The records of `synthesize`, made one at a time as they are priced (a month of sessions is many); fills `out` on the way. */
function* layOut(usage: EstimateUsage, card: RateCard, out: Synthesis): Generator<UsageRecord> {
  const version = card.versions[card.versions.length - 1]!;
  const latest = version.label === 'base' ? '2026-01-01' : version.label;
  const first = `${Number(latest.slice(0, 4)) + 1}-01-01`;
  const count = usage.period === 'day' ? 1 : usage.daysPerMonth;
  // Noon of each day of the period, found once (a month of sessions asks for each day many times).
  const noons = Array.from({ length: count }, (_, d) => card.timezone.startOfDay(formatDay(parseDay(first) + d)) + 12 * MS_PER_HOUR);
  const dayAt = (d: number): number => noons[d]!;
  out.days = { first, count };
  if (usage.period === 'month' && hasPeriodTiers(card)) {
    out.notes.push(`card ${card.name} has ${dayRules(card)}: the month's usage is spread evenly over ${count} days (--days-per-month)`);
  }
  let serial = 0;
  // No id: the records are distinct by making, so none is looked up in the duplicate table (a month of sessions is many).
  const record = (kind: UsageKind, at: number, fields: Partial<UsageRecord>): UsageRecord => ({
      kind, id: undefined, at, completedAt: undefined, project: undefined, apiKey: undefined, customer: undefined,
      model: undefined, audioMs: undefined, channels: 1, features: [], failed: false, startedAt: at, endedAt: undefined,
      sessionMs: undefined, closed: true, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0, reasoningTokens: 0, region: undefined, graceMs: 0, source: { file: '<estimate>', line: ++serial }, ...fields,
  });

  for (const t of usage.transcribe) {
    const model = resolveModel(card, 'transcript', t.model, 'pre-recorded transcription', out);
    if (model === null) continue;
    const features = offeredAddons(card, 'transcript', model, t.features, out);
    const perDay = spreadSeconds(t.ms, count);
    for (let d = 0; d < count; d++) {
      if (perDay[d]! > 0) yield record('transcript', dayAt(d), { model, audioMs: perDay[d]!, channels: t.channels, features });
    }
  }
  for (const s of usage.stream) {
    const model = resolveModel(card, 'stream', s.model, 'streaming', out);
    if (model === null) continue;
    const product = findProduct(version, 'stream', model)!.product as Product & { kind: 'stream' };
    const features = offeredAddons(card, 'stream', model, s.features, out);
    const sessions = s.sessions ?? Math.max(s.ms > 0 ? 1 : 0, Math.ceil(s.ms / MS_PER_HOUR) + s.unclosed);
    const closed = sessions - s.unclosed;
    if (s.sessions === undefined && s.ms > 0) out.notes.push(`${sessions} streaming session(s) assumed (one per hour of audio${s.unclosed ? ', plus the unclosed ones' : ''}); give --sessions to change it`);
    // The streamed hours are shared by all sessions (in whole seconds, as spreadSeconds shares them); an unclosed one carried its share but bills at the cap.
    const seconds = Math.ceil(s.ms / 1000);
    for (let i = 0; i < sessions; i++) {
      const at = dayAt(Math.floor((i * count) / sessions));
      const open = i >= closed;
      const length = evenPart(seconds, sessions, i) * 1000;
      yield record('stream', at, { model, audioMs: length, sessionMs: open ? undefined : length, closed: !open, features });
    }
    if (s.unclosed > 0) {
      out.notes.push(product.basis === 'session' && product.maxSessionMs !== undefined
        ? `${s.unclosed} of ${sessions} session(s) unclosed, each billed at the cap of ${product.maxSessionMs / MS_PER_HOUR} h instead of its share of the audio`
        : `card ${card.name} bills streaming on audio: unclosed sessions cost nothing beyond their audio`);
    }
  }
  for (const l of usage.llm) {
    const model = resolveModel(card, 'llm', l.model, 'LLM gateway', out);
    if (model === null) continue;
    const input = allocate(l.inputTokens, ones(count));
    const output = allocate(l.outputTokens, ones(count));
    for (let d = 0; d < count; d++) {
      if (input[d]! > 0 || output[d]! > 0) yield record('llm', dayAt(d), { model, inputTokens: input[d]!, outputTokens: output[d]! });
    }
  }
}

/** The card's name for the model asked, its default model (said so), or null when the product is not offered. */
function resolveModel(card: RateCard, kind: UsageKind, asked: string | undefined, product: string, out: Synthesis): string | null {
  const version = card.versions[card.versions.length - 1]!;
  const found = findProduct(version, kind, asked);
  if (found && found.product.kind !== 'llm' && found.product.perRequest) {
    out.notes.push(`${card.name} prices ${found.product.id} per request: hours become one request a day (a log, --from-log, counts the requests)`);
  }
  if (found) return found.model;
  const offering = version.products.find((p) => p.kind === kind);
  if (!offering) {
    if (!out.notOffered.includes(product)) out.notOffered.push(product);
    return null;
  }
  const fallback = offering.defaultModel ?? [...offering.models.keys()][0]!;
  const model = offering.aliases.get(fallback) ?? fallback;
  out.notes.push(asked === undefined ? `${product} priced at ${card.name}'s default model ${model}` : `"${asked}" is not on ${card.name}: ${product} priced at its default model ${model}`);
  return model;
}

/** The add-ons the card prices for the model's product; the others are listed as not offered. */
function offeredAddons(card: RateCard, kind: 'transcript' | 'stream', model: string, asked: string[], out: Synthesis): string[] {
  const product = findProduct(card.versions[card.versions.length - 1]!, kind, model)!.product;
  if (product.kind === 'llm') return [];
  const offered = asked.filter((a) => product.addons.has(a));
  for (const a of asked) {
    const label = `add-on ${a} (${product.id})`;
    if (!product.addons.has(a) && !out.notOffered.includes(label)) out.notOffered.push(label);
  }
  return offered;
}

/** A duration split into `n` parts of whole seconds (per-second billing then adds nothing to the total). */
function spreadSeconds(ms: number, n: number): number[] {
  return allocate(Math.ceil(ms / 1000), ones(n)).map((seconds) => seconds * 1000);
}

function ones(n: number): number[] {
  return Array.from({ length: n }, () => 1);
}

/** What on a card makes a record's day matter, as words: `daily tiers`, `monthly tiers and free quotas`, ... */
function dayRules(card: RateCard): string {
  const found = new Set<string>();
  for (const v of card.versions) {
    for (const p of v.products) {
      if (p.kind === 'llm') continue;
      for (const plan of [...p.models.values(), ...p.addons.values()]) {
        if (plan.type === 'flat' || plan.period === 'none') continue;
        found.add(`${plan.period === 'day' ? 'daily' : 'monthly'} ${plan.type === 'package' ? 'packages' : 'tiers'}`);
      }
      if (p.freeQuota !== undefined) found.add('free quotas');
      if (p.packs.length > 0) found.add('packs');
    }
  }
  const order = ['daily tiers', 'monthly tiers', 'daily packages', 'monthly packages', 'free quotas', 'packs'];
  const list = order.filter((w) => found.has(w));
  return list.length <= 1 ? (list[0] ?? 'daily tiers') : `${list.slice(0, -1).join(', ')} and ${list.at(-1)}`;
}
