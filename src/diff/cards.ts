import { computeInvoice, type InvoiceOptions } from '../engine/index.js';
import { TOKEN_CLASSES, type CardVersion, type Limits, type Product, type RateCard } from '../rates/card.js';
import { freeQuotaText, packText, planText } from '../rates/describe.js';
import { compareText } from '../util/compare.js';
import { Decimal, formatExact, roundMoney } from '../util/decimal.js';
import { UsageError } from '../util/errors.js';

/** One side of `rates diff`: a card, the version compared, and the card a log is priced with. */
export interface CardSide {
  spec: string;
  card: RateCard;
  /** The version compared: the one named after `@`, else the latest. */
  version: CardVersion;
  /** The whole card, or (for `card@version`) that version alone, in force at every date. */
  pricing: RateCard;
}

/** One difference between the two versions. */
export interface CardChange {
  product: string;
  model: string | null;
  /** What changed: `price`, a token class, `addon X`, `retired`, `alias X`, a product setting or a limit. */
  item: string;
  before: string | null;
  after: string | null;
  change: 'added' | 'removed' | 'changed';
}

/** The log's charge of one product, model and component under each side. */
export interface LogLine {
  product: string;
  model: string;
  component: string | null;
  a: Decimal;
  b: Decimal;
  difference: Decimal;
}

export interface CardDiffResult {
  a: CardSide;
  b: CardSide;
  changes: CardChange[];
  log: { files: readonly string[]; currency: string; scale: number; lines: LogLine[]; totalA: Decimal; totalB: Decimal; difference: Decimal } | null;
}

const VERSION_LABEL = /^(?:\d{4}-\d{2}-\d{2}|base)$/;

/** `assemblyai@2026-04-01` → the card and its version; a spec without `@` is the card and its latest version. */
export function cardSide(spec: string, open: (card: string) => RateCard): CardSide {
  const at = spec.lastIndexOf('@');
  const label = at > 0 && VERSION_LABEL.test(spec.slice(at + 1)) ? spec.slice(at + 1) : undefined;
  const card = open(label === undefined ? spec : spec.slice(0, at));
  if (label === undefined) return { spec, card, version: card.versions.at(-1)!, pricing: card };
  const version = card.versions.find((v) => v.label === label);
  if (version === undefined) throw new UsageError(`${spec}: card ${card.name} has no version ${label} (versions: ${card.versions.map((v) => v.label).join(', ')})`);
  return { spec, card, version, pricing: { ...card, versions: [{ ...version, effectiveFrom: undefined }] } };
}

type Fact = { product: string; model: string | null; item: string; value: string };

/** Everything a version says, one fact per price, setting and limit, keyed for comparison. */
function facts(version: CardVersion, currency: string): Map<string, Fact> {
  const out = new Map<string, Fact>();
  const put = (product: string, model: string | null, item: string, value: string | undefined) => {
    if (value !== undefined) out.set(`${product}\u0000${model ?? ''}\u0000${item}`, { product, model, item, value });
  };
  for (const p of version.products) productFacts(p, put);
  limitFacts(version.limits, currency, (item, value) => put('(limits)', null, item, value));
  return out;
}

function productFacts(p: Product, put: (product: string, model: string | null, item: string, value: string | undefined) => void): void {
  put(p.id, null, 'unit', `${p.kind}, per ${p.unit}`);
  put(p.id, null, 'default_model', p.defaultModel);
  for (const [alias, model] of p.aliases) put(p.id, null, `alias ${alias}`, model);
  for (const [model, date] of p.retired) put(p.id, model, 'retired', date);
  if (p.kind === 'llm') {
    put(p.id, null, 'free_tier', String(p.freeTier));
    for (const [region, f] of p.regionalIncrease) put(p.id, null, `regional_increase ${region}`, `${formatExact(f.times(100))}%`);
    for (const [model, price] of p.models) {
      put(p.id, model, 'input', `${formatExact(price.input)} / ${p.unit}`);
      put(p.id, model, 'output', `${formatExact(price.output)} / ${p.unit}`);
      for (const { name } of TOKEN_CLASSES) put(p.id, model, name, price[name] && `${formatExact(price[name])} / ${p.unit}`);
      const band = price.contextBand;
      put(p.id, model, 'context_band', band && `above ${band.above} tokens: input ${formatExact(band.input)}, output ${formatExact(band.output)} / ${p.unit}`);
    }
    return;
  }
  put(p.id, null, 'billing', `basis ${p.basis}, increment ${p.incrementMs / 1000} s, channels ${p.channels}, add-on channels ${p.addonChannels}${p.chargeFailed ? ', failed charged' : ''}`);
  put(p.id, null, 'max_session', p.maxSessionMs === undefined ? undefined : `${p.maxSessionMs / 1000} s`);
  put(p.id, null, 'minimum', p.minimumMs > 0 ? `${p.minimumMs / 1000} s` : undefined);
  // The quota in force: a card's use_free_quota is seen here as the opt-in quota applied or not.
  put(p.id, null, 'free_quota', freeQuotaText(p));
  for (const pack of p.packs) put(p.id, null, `pack ${pack.id}`, packText(p, pack));
  for (const [model, plan] of p.models) put(p.id, model, 'price', planText(plan, p.unit));
  for (const [addon, plan] of p.addons) put(p.id, null, `addon ${addon}`, planText(plan, p.unit));
  for (const [model, plans] of p.modelAddons) for (const [addon, plan] of plans) put(p.id, model, `addon ${addon}`, planText(plan, p.unit));
}

function limitFacts(l: Limits, currency: string, put: (item: string, value: string | undefined) => void): void {
  const pair = (v: { free: number; paid: number } | undefined) => v && `free ${v.free}, paid ${v.paid}`;
  put('requests_per_5_minutes', l.requestsPer5Minutes?.toString());
  put('concurrency', pair(l.concurrency));
  const scale = l.newStreamsPerMinute?.autoScale;
  const percent = (f: Decimal) => `${formatExact(f.times(100))}%`;
  put('new_streams_per_minute', l.newStreamsPerMinute && `${pair(l.newStreamsPerMinute)}${scale ? `, auto-scaled on ${scale.tiers.join(' and ')} (+${percent(scale.rise)} at ${percent(scale.riseAt)}, down under ${percent(scale.decayBelow)})` : ''}`);
  put('llm_requests_per_minute', l.llmRequestsPerMinute?.toString());
  put('free_credits', l.freeCredits && `${formatExact(l.freeCredits)} ${currency}`);
}

/** What changed from side A's version to side B's: added, removed and changed facts, in a fixed order. */
export function cardChanges(a: CardSide, b: CardSide): CardChange[] {
  const before = facts(a.version, a.card.currency);
  const after = facts(b.version, b.card.currency);
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort(compareText);
  const changes: CardChange[] = [];
  for (const key of keys) {
    const x = before.get(key);
    const y = after.get(key);
    if (x !== undefined && y !== undefined && x.value === y.value) continue;
    const f = (x ?? y)!;
    changes.push({ product: f.product, model: f.model, item: f.item, before: x?.value ?? null, after: y?.value ?? null, change: x === undefined ? 'added' : y === undefined ? 'removed' : 'changed' });
  }
  return changes;
}

/** The log priced under each side, line by line (product, model, component), each sum rounded once. */
export async function logUnderBoth(files: readonly string[], a: CardSide, b: CardSide, options: (card: RateCard) => InvoiceOptions): Promise<NonNullable<CardDiffResult['log']>> {
  if (a.card.currency !== b.card.currency) throw new UsageError(`--log: ${a.spec} is priced in ${a.card.currency} and ${b.spec} in ${b.card.currency}: a log is compared in one currency`);
  const [ia, ib] = [await computeInvoice(files, options(a.pricing)), await computeInvoice(files, options(b.pricing))];
  const sums = new Map<string, { product: string; model: string; component: string | null; a: Decimal; b: Decimal }>();
  for (const [side, invoice] of [['a', ia], ['b', ib]] as const) {
    for (const l of invoice.lines) {
      const component = l.addon ?? l.tokenType;
      const key = `${l.product}\u0000${l.model}\u0000${component ?? ''}`;
      const sum = sums.get(key) ?? { product: l.product, model: l.model, component, a: new Decimal(0), b: new Decimal(0) };
      sum[side] = sum[side].plus(l.amountExact);
      sums.set(key, sum);
    }
  }
  const round = (card: RateCard, d: Decimal) => roundMoney(d, card.rounding.scale, card.rounding.mode);
  const lines = [...sums.entries()].sort(([x], [y]) => compareText(x, y)).map(([, s]) => {
    const [ra, rb] = [round(a.card, s.a), round(b.card, s.b)];
    return { product: s.product, model: s.model, component: s.component, a: ra, b: rb, difference: rb.minus(ra) };
  });
  return { files, currency: a.card.currency, scale: Math.max(a.card.rounding.scale, b.card.rounding.scale), lines, totalA: ia.total, totalB: ib.total, difference: ib.total.minus(ia.total) };
}
