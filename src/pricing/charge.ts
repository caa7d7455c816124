import type { UsageKind, UsageRecord } from '../ingest/record.js';
import { findProduct, versionAt, type DurationProduct, type Product, type RateCard, type RatePlan } from '../rates/card.js';
import { InputError } from '../util/errors.js';
import { ceilToIncrement } from '../util/quantity.js';
import type { TimeZone } from '../util/time.js';

/** What a quantity pays for: the model's own usage, an add-on, or input/output tokens. */
export type Component = 'usage' | 'input' | 'output' | `addon:${string}`;

/** One priced quantity of a record. */
export interface ChargeItem {
  component: Component;
  /** The tier period (`2026-05-01`, `2026-05`) for tiered plans; empty for flat ones. */
  period: string;
  /** Milliseconds or tokens. */
  quantity: number;
}

/** Usage of a record that the card does not price. */
export interface UnpricedItem {
  product: string | null;
  model: string;
  addon: string | null;
  reason: string;
  quantity: number;
}

/** How a stream session was billed, for the warnings and the audit. */
export interface SessionBilling {
  closed: boolean;
  /** Session time as billed (capped, or the cap when unclosed), before the increment. */
  billedMs: number;
  capMs: number | undefined;
  audioMs: number;
  /** The real session time where known. */
  sessionMs: number | undefined;
}

/** What one record costs, as exact quantities: not yet money. */
export type Charge =
  | { type: 'unpriced'; item: UnpricedItem }
  | { type: 'free'; version: number; product: Product; model: string }
  | {
      type: 'billed';
      version: number;
      product: Product;
      model: string;
      /** `version\0product\0model`: the key of the record's rates. */
      rateKey: string;
      items: ChargeItem[];
      unpriced: UnpricedItem[];
      session: SessionBilling | undefined;
      defaultModel: boolean;
    };

/** Where a (version, kind, model) resolves on a card: found once, reused for every record like it. */
export type Resolution = { version: number; product: Product; model: string; rateKey: string } | { reason: string };

/** Memoises record → card resolution; the card's versions and products never change during a run. */
export class CardResolver {
  private readonly cache = new Map<string, Resolution>();

  constructor(readonly card: RateCard) {}

  resolve(record: UsageRecord): Resolution {
    const version = versionAt(this.card, record.at);
    return this.resolveAt(version === undefined ? -1 : this.card.versions.indexOf(version), record.kind, record.model);
  }

  /** Where a record of `kind` naming `model` resolves under version `index` (-1: none in force). */
  resolveAt(index: number, kind: UsageKind, model: string | undefined): Resolution {
    const key = `${index}\u0000${kind}\u0000${model ?? ''}`;
    let found = this.cache.get(key);
    if (found === undefined) {
      found = this.lookup(index, kind, model);
      this.cache.set(key, found);
    }
    return found;
  }

  private lookup(index: number, kind: UsageKind, model: string | undefined): Resolution {
    const { card } = this;
    if (index === -1) return { reason: `no version of card ${card.name} is in force at that time (first: ${card.versions[0]!.label})` };
    const version = card.versions[index]!;
    const found = findProduct(version, kind, model);
    if (found) return { version: index, product: found.product, model: found.model, rateKey: `${index}\u0000${found.product.id}\u0000${found.model}` };
    const offers = version.products.some((p) => p.kind === kind);
    return {
      reason: !offers
        ? `card ${card.name} has no ${kind} product`
        : model === undefined
          ? `the record names no model and card ${card.name} has no default ${kind} model`
          : `card ${card.name} (version ${version.label}) does not price ${kind} model "${model}"`,
    };
  }
}

/** Prices nothing yet: turns a record into the quantities it is billed for on a card. Pure. */
export function chargeOf(record: UsageRecord, resolver: CardResolver, zone: TimeZone): Charge {
  const found = resolver.resolve(record);
  if ('reason' in found) return unpriced(record, null, found.reason);
  const { version, product, model, rateKey } = found;
  const defaultModel = record.model === undefined;
  if (product.kind === 'llm') {
    const items: ChargeItem[] = [
      { component: 'input', period: '', quantity: record.inputTokens },
      { component: 'output', period: '', quantity: record.outputTokens },
    ];
    return { type: 'billed', version, product, model, rateKey, items, unpriced: [], session: undefined, defaultModel };
  }
  if (record.failed && !product.chargeFailed) return { type: 'free', version, product, model };
  const session = product.kind === 'stream' && product.basis === 'session' ? sessionBilling(record, product) : undefined;
  const raw = session ? session.billedMs : (record.audioMs ?? fail(record, 'audio_duration', 'is missing', 'this product bills audio seconds'));
  const ms = ceilToIncrement(raw, product.incrementMs);
  const multiply = product.kind === 'transcript';
  const items: ChargeItem[] = [{ component: 'usage', period: tierPeriod(product.models.get(model)!, record.at, zone), quantity: multiply && product.channels === 'multiply' ? ms * record.channels : ms }];
  const unpricedItems: UnpricedItem[] = [];
  for (const feature of record.features) {
    const plan = product.addons.get(feature);
    if (plan) items.push({ component: `addon:${feature}`, period: tierPeriod(plan, record.at, zone), quantity: multiply && product.addonChannels === 'multiply' ? ms * record.channels : ms });
    else unpricedItems.push({ product: product.id, model, addon: feature, reason: `card ${resolver.card.name} has no add-on "${feature}" on ${product.id}`, quantity: ms });
  }
  return { type: 'billed', version, product, model, rateKey, items, unpriced: unpricedItems, session, defaultModel };
}

/** Session time billed: capped at `max_session`, or the cap itself for a session never closed. */
function sessionBilling(record: UsageRecord, product: DurationProduct): SessionBilling {
  const cap = product.maxSessionMs;
  const audioMs = record.audioMs ?? 0;
  if (!record.closed) {
    if (cap === undefined) fail(record, 'terminated', 'the session was never closed and the card sets no max_session to bill it at', 'add max_session to the product, or the session end');
    return { closed: false, billedMs: cap!, capMs: cap, audioMs, sessionMs: undefined };
  }
  const session = record.sessionMs ?? fail(record, 'session_duration', 'is missing on a closed session', 'give session_duration or ended_at');
  return { closed: true, billedMs: cap === undefined ? session : Math.min(session, cap), capMs: cap, audioMs, sessionMs: session };
}

function tierPeriod(plan: RatePlan, at: number | undefined, zone: TimeZone): string {
  if (plan.type === 'flat' || plan.period === 'none' || at === undefined) return '';
  return plan.period === 'day' ? zone.dayKey(at) : zone.monthKey(at);
}

function unpriced(record: UsageRecord, product: string | null, reason: string): Charge {
  const quantity = record.kind === 'llm' ? record.inputTokens + record.outputTokens : (record.audioMs ?? record.sessionMs ?? 0);
  return { type: 'unpriced', item: { product, model: record.model ?? '(none)', addon: null, reason, quantity } };
}

function fail(record: UsageRecord, field: string, problem: string, hint: string): never {
  throw new InputError(record.source, field, problem, hint);
}
