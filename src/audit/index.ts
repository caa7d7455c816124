import { hasDayRates } from '../pricing/fold.js';
import type { Account } from '../ledger/account.js';
import { LEDGER_NEEDS_TIME, ledgerCollector, ledgerOf, type Ledger } from '../ledger/index.js';
import { BLOCKED_MESSAGE } from '../ledger/replay.js';
import { computeInvoice, type Invoice, type InvoiceOptions } from '../engine/index.js';
import type { RateCard } from '../rates/card.js';
import { formatInstant } from '../util/time.js';
import { compareText } from '../util/compare.js';
import { Decimal, roundMoney } from '../util/decimal.js';
import { AuditCollector } from './collector.js';
import { FINDING_SEVERITY, severityRank, type Finding, type FindingCode, type FindingDraft, type Severity } from './finding.js';
import { RateBook } from '../pricing/ratebook.js';
import { keyPerCustomerFindings, limitFindings, overlapFindings, tierCliffFindings, type AppliedLimits } from './rules.js';

export type { Finding, Severity } from './finding.js';

/** What the audit is asked to apply besides the invoice options. */
export interface AuditOptions extends InvoiceOptions {
  tier: 'free' | 'paid';
  /** With an account, NEGATIVE_BALANCE replays the log against it. */
  account?: Account | undefined;
  idleRatio: number;
  /** Flag overrides of the card's limits. */
  limits: Partial<AppliedLimits>;
  keepPerCode: number;
}

/** A code's totals: every finding counted and its money summed, even past the kept ones. */
export interface CodeSummary {
  code: FindingCode;
  severity: Severity;
  count: number;
  amount: Decimal | null;
}

/** The audit of a log: findings worst first, per-code totals, the limits applied, the streaming waste. */
export interface AuditResult {
  invoice: Invoice;
  tier: 'free' | 'paid';
  limits: AppliedLimits;
  findings: Finding[];
  codes: CodeSummary[];
  omitted: number;
  streaming: { billed: Decimal; ifClosedAtAudioEnd: Decimal; avoidable: Decimal };
}

/** Runs the invoice pass with the audit watching, then the rules that need the whole log. */
export async function runAudit(paths: readonly string[], options: AuditOptions): Promise<AuditResult> {
  const { card } = options;
  const collector = new AuditCollector({ card, zone: options.zone, tier: options.tier, idleRatio: options.idleRatio, keepPerCode: options.keepPerCode });
  const ledger = options.account ? ledgerCollector(options.account) : undefined;
  const invoice = await computeInvoice(paths, { ...options, observers: ledger ? [collector, ledger] : [collector], needsTime: ledger ? LEDGER_NEEDS_TIME : undefined, byDay: ledger !== undefined && hasDayRates(options.card), explain: true });
  options.onPhase?.('checking limits, overlaps and tiers');
  const limits = appliedLimits(options);
  overlapFindings(collector);
  const late: FindingDraft[] = [
    ...limitFindings(collector, limits, options.tier),
    ...keyPerCustomerFindings(collector),
    ...tierCliffFindings(invoice.periods ?? [], card),
  ];
  if (ledger && options.account) {
    options.onPhase?.('replaying the ledger');
    const replayed = ledgerOf(ledger, invoice, { ...options, account: options.account, projectionDays: 0, dailySpend: undefined });
    const blocked = negativeBalanceFinding(replayed, card.currency, card.rounding);
    if (blocked) late.push(blocked);
  }
  for (const u of invoice.unpriced) {
    late.push({ code: 'UNPRICED', message: `${u.count} record(s) priced at zero: ${u.reason}`, ref: u.refs[0], id: undefined, at: undefined, related: u.refs[1], stake: [] });
  }
  for (const draft of late) collector.keep(draft);

  const book = new RateBook(card, invoice.lines);
  const round = (d: Decimal) => roundMoney(d, card.rounding.scale, card.rounding.mode);
  const findings: Finding[] = [];
  const codes: CodeSummary[] = [];
  let omitted = 0;
  for (const [code, entry] of collector.drafts) {
    const money = (d: FindingDraft): Decimal | null => (d.money !== undefined ? round(d.money) : d.stake.length > 0 ? book.amount(d.stake) : null);
    const kept = entry.kept.map((d): Finding => ({ code, severity: FINDING_SEVERITY[code], message: d.message, ref: d.ref, id: d.id, at: d.at, related: d.related, amount: money(d) }));
    for (const finding of kept) findings.push(finding); // not push(...kept): --max-findings may keep more than a call's arguments
    omitted += entry.count - kept.length;
    const known = entry.kept.some((d) => d.money !== undefined)
      ? kept.reduce((s, f) => s.plus(f.amount ?? 0), new Decimal(0))
      : entry.stake.length > 0 ? book.amount(entry.stake) : null;
    codes.push({ code, severity: FINDING_SEVERITY[code], count: entry.count, amount: known });
  }
  findings.sort(findingOrder);
  codes.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || compareMoney(a.amount, b.amount) || compareText(a.code, b.code));
  const usage = (byRate: Map<string, number>) => [...byRate].map(([rateKey, quantity]) => ({ rateKey, component: 'usage' as const, quantity }));
  const billed = book.amount(usage(collector.streaming.billed));
  const ifClosed = book.amount(usage(collector.streaming.ifClosed));
  return { invoice, tier: options.tier, limits, findings, codes, omitted, streaming: { billed, ifClosedAtAudioEnd: ifClosed, avoidable: billed.minus(ifClosed) } };
}

/** NEGATIVE_BALANCE: the instant the balance reached 0 with no autopay, and the usage refused after it. */
function negativeBalanceFinding(ledger: Ledger, currency: string, rounding: RateCard['rounding']): FindingDraft | undefined {
  const blocked = ledger.blocked;
  if (!blocked) return undefined;
  const refused = roundMoney(ledger.refused.amount, rounding.scale, rounding.mode);
  return {
    code: 'NEGATIVE_BALANCE',
    message: `the balance reached 0 or below at ${formatInstant(blocked.at)} with no autopay: ${ledger.refused.count} later request(s) (${refused.toFixed(rounding.scale)} ${currency}) would be refused with ${BLOCKED_MESSAGE}`,
    ref: blocked.ref, id: undefined, at: blocked.at, related: undefined, stake: [],
    money: ledger.refused.amount,
  };
}

function appliedLimits(options: AuditOptions): AppliedLimits {
  const card = options.card.versions[options.card.versions.length - 1]!.limits;
  const pick = (pair: { free: number; paid: number } | undefined) => (pair === undefined ? undefined : pair[options.tier]);
  return {
    requestsPer5Minutes: options.limits.requestsPer5Minutes ?? card.requestsPer5Minutes,
    concurrency: options.limits.concurrency ?? pick(card.concurrency),
    newStreamsPerMinute: options.limits.newStreamsPerMinute ?? pick(card.newStreamsPerMinute),
    newStreamsAutoScale: card.newStreamsPerMinute?.autoScale?.tiers.includes(options.tier) ? card.newStreamsPerMinute.autoScale : undefined,
    llmRequestsPerMinute: options.limits.llmRequestsPerMinute ?? card.llmRequestsPerMinute,
  };
}

/** Worst first: severity, then money at stake, then code, file, line: the same order on every machine. */
function findingOrder(a: Finding, b: Finding): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    compareMoney(a.amount, b.amount) ||
    compareText(a.code, b.code) ||
    compareText(a.ref?.file ?? '', b.ref?.file ?? '') ||
    (a.ref?.line ?? 0) - (b.ref?.line ?? 0) ||
    compareText(a.message, b.message)
  );
}

/** Larger money first; no money last. */
function compareMoney(a: Decimal | null, b: Decimal | null): number {
  if (a === null || b === null) return (a === null ? 1 : 0) - (b === null ? 1 : 0);
  return b.comparedTo(a);
}


/** Whether any finding is at or above the `--fail-on` severity. */
export function failsAt(result: AuditResult, failOn: Severity): boolean {
  return result.codes.some((c) => severityRank(c.severity) >= severityRank(failOn));
}
