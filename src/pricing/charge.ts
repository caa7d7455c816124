import type { UsageRecord } from '../ingest/record.js';
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

/** Prices nothing yet: turns a record into the quantities it is billed for on a card. Pure. */
export function chargeOf(record: UsageRecord, card: RateCard, zone: TimeZone): Charge {
  const version = versionAt(card, record.at);
  if (version === undefined) {
    return unpriced(record, null, `no version of card ${card.name} is in force at that time (first: ${card.versions[0]!.label})`);
  }
  const versionIndex = card.versions.indexOf(version);
  const found = findProduct(version, record.kind, record.model);
  if (!found) {
    const offers = version.products.some((p) => p.kind === record.kind);
    const reason = !offers
      ? `card ${card.name} has no ${record.kind} product`
      : record.model === undefined
        ? `the record names no model and card ${card.name} has no default ${record.kind} model`
        : `card ${card.name} (version ${version.label}) does not price ${record.kind} model "${record.model}"`;
    return unpriced(record, null, reason);
  }
  const { product, model } = found;
  const base = { version: versionIndex, product, model };
  const billed = { ...base, type: 'billed' as const, rateKey: `${versionIndex}\u0000${product.id}\u0000${model}`, unpriced: [] as UnpricedItem[], defaultModel: record.model === undefined };
  if (product.kind === 'llm') {
    return {
      ...billed,
      items: [
        { component: 'input', period: '', quantity: record.inputTokens },
        { component: 'output', period: '', quantity: record.outputTokens },
      ],
      session: undefined,
    };
  }
  if (record.failed && !product.chargeFailed) return { ...base, type: 'free' };
  const session = product.kind === 'stream' && product.basis === 'session' ? sessionBilling(record, product) : undefined;
  const raw = session ? session.billedMs : (record.audioMs ?? fail(record, 'audio_duration', 'is missing', 'this product bills audio seconds'));
  const ms = ceilToIncrement(raw, product.incrementMs);
  const perChannel = (setting: 'multiply' | 'ignore'): number => (product.kind === 'transcript' && setting === 'multiply' ? ms * record.channels : ms);
  const items: ChargeItem[] = [{ component: 'usage', period: tierPeriod(product.models.get(model)!, record.at, zone), quantity: perChannel(product.channels) }];
  for (const feature of record.features) {
    const plan = product.addons.get(feature);
    if (plan) items.push({ component: `addon:${feature}`, period: tierPeriod(plan, record.at, zone), quantity: perChannel(product.addonChannels) });
    else billed.unpriced.push({ product: product.id, model, addon: feature, reason: `card ${card.name} has no add-on "${feature}" on ${product.id}`, quantity: ms });
  }
  return { ...billed, items, session };
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
