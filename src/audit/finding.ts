import type { Decimal } from '../util/decimal.js';
import type { SourceRef } from '../util/errors.js';
import type { Stake } from '../pricing/ratebook.js';

export type Severity = 'info' | 'warning' | 'error';
export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'error'];

/** Every finding code of SPEC §5 with its severity. */
export const FINDING_SEVERITY = {
  UNCLOSED_SESSION: 'warning',
  SESSION_AT_CAP: 'warning',
  IDLE_SESSION: 'info',
  OVERLAPPING_SESSIONS: 'warning',
  TIER_CLIFF: 'info',
  RATE_LIMIT: 'warning',
  CONCURRENCY: 'info',
  STREAM_RATE: 'warning',
  FREE_TIER_LLM: 'error',
  NEGATIVE_BALANCE: 'error',
  DUPLICATE_ID: 'warning',
  UNPRICED: 'error',
  KEY_PER_CUSTOMER: 'info',
  LLM_RATE_LIMIT: 'warning',
  VOICE_AGENT_GRACE: 'warning',
} as const satisfies Record<string, Severity>;
export type FindingCode = keyof typeof FINDING_SEVERITY;

export type { Stake };

/** A finding before it is priced: its stake is quantities, or money already known. */
export interface FindingDraft {
  code: FindingCode;
  message: string;
  ref: SourceRef | undefined;
  id: string | undefined;
  at: number | undefined;
  related: SourceRef | undefined;
  stake: Stake[];
  /** Money known without rates (a tier cliff's saving). */
  money?: Decimal;
}

/** A finding as reported. */
export interface Finding {
  code: FindingCode;
  severity: Severity;
  message: string;
  ref: SourceRef | undefined;
  id: string | undefined;
  at: number | undefined;
  related: SourceRef | undefined;
  /** Money at stake, rounded like an invoice line; null where none is. */
  amount: Decimal | null;
}

/** Severity order for sorting and `--fail-on`. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}
