import { ABSENT, type UsageBatch } from '../ingest/batch.js';
import { InputError, type SourceRef } from '../util/errors.js';
import type { Plan } from './plan.js';

/**
 * The one interpreter of the billing rules: a row of a batch and its plan in, the quantities it is
 * billed for out. Every command and every reader goes through here; a new rule is a field of the
 * plan (plan.ts) and a line below.
 */

/** What `chargeRow` found: billed, free, or why the row cannot be billed (an input error). */
export const Charged = { Billed: 0, Free: 1, NoAudio: 2, NoSession: 3, NoCap: 4, TooLarge: 5 } as const;
export type Charged = (typeof Charged)[keyof typeof Charged];

/** The billed duration of the last row charged, before (`billedMs`) and after (`ms`) the increment. */
export const charged = { billedMs: 0, ms: 0 };

/**
 * Writes row `r`'s quantity of each item of `plan` into `out` from `at`, and says whether it is
 * billed. The rules, in order:
 * - LLM rows pay their input and output tokens, and the other token classes (cache reads and
 *   writes, reasoning) as items of their own; a request whose input (with its cache reads and
 *   writes) passes the card's context band pays its input and output at the band's items instead.
 * - A failed transcript is free unless the product charges failures.
 * - A product priced per request pays one unit a row (its duration, when it has one, is kept for the ledger).
 * - A stream on session time pays its session, capped at max_session, or the cap when never closed.
 * - Anything else pays its audio.
 * - A duration under the product's minimum is billed the minimum; then it is rounded up to the
 *   product's increment, and channels multiply it where the plan says.
 */
export function chargeRow(plan: Plan, b: UsageBatch, r: number, out: Float64Array, at: number): Charged {
  if (plan.llm) {
    // Token counts are 0 or more: both readers give 0 for a count not given.
    const input = b.inputTokens[r]!;
    const output = b.outputTokens[r]!;
    const long = plan.bandAbove >= 0 && input + b.cacheReadTokens[r]! + b.cacheWriteTokens[r]! + b.cacheWrite1hTokens[r]! > plan.bandAbove;
    out[at] = long ? 0 : input;
    out[at + 1] = long ? 0 : output;
    if (plan.bandAbove >= 0) {
      out[at + 6] = long ? input : 0;
      out[at + 7] = long ? output : 0;
    }
    out[at + 2] = b.cacheReadTokens[r]!;
    out[at + 3] = b.cacheWriteTokens[r]!;
    out[at + 4] = b.cacheWrite1hTokens[r]!;
    out[at + 5] = b.reasoningTokens[r]!;
    charged.billedMs = 0;
    charged.ms = 0;
    return Charged.Billed;
  }
  if (b.failed[r] === 1 && !plan.chargeFailed) return Charged.Free;
  if (plan.perRequest) {
    for (let i = 0; i < plan.items.length; i++) out[at + i] = 1;
    charged.billedMs = 0;
    charged.ms = 0;
    return Charged.Billed;
  }
  let billedMs: number;
  if (plan.session) {
    if (b.closed[r] === 1) {
      const session = b.sessionMs[r]!;
      if (session === ABSENT) return Charged.NoSession;
      billedMs = plan.capMs < 0 ? session : Math.min(session, plan.capMs);
    } else {
      if (plan.capMs < 0) return Charged.NoCap;
      billedMs = plan.capMs;
    }
  } else {
    billedMs = b.audioMs[r]!;
    if (billedMs === ABSENT) return Charged.NoAudio;
  }
  if (billedMs < plan.minimumMs) billedMs = plan.minimumMs;
  const remainder = billedMs % plan.incrementMs;
  const ms = remainder === 0 ? billedMs : billedMs - remainder + plan.incrementMs;
  const channels = b.channels[r]!;
  const items = plan.items;
  for (let i = 0; i < items.length; i++) {
    const quantity = items[i]!.multiply ? ms * channels : ms;
    if (!Number.isSafeInteger(quantity)) return Charged.TooLarge;
    out[at + i] = quantity;
  }
  charged.billedMs = billedMs;
  charged.ms = ms;
  return Charged.Billed;
}

/** What a row the card does not price used (listed at zero): its tokens, else its audio, else its session time. */
export function unpricedQuantity(plan: Plan, b: UsageBatch, r: number): number {
  if (plan.llm) return b.inputTokens[r]! + b.outputTokens[r]! + b.cacheReadTokens[r]! + b.cacheWriteTokens[r]! + b.cacheWrite1hTokens[r]! + b.reasoningTokens[r]!;
  return b.audioMs[r]! >= 0 ? b.audioMs[r]! : Math.max(b.sessionMs[r]!, 0);
}

/** Of a billed session's time, the part beyond the audio it carried (what an unclosed or idle session costs for nothing). */
export function beyondAudioMs(b: UsageBatch, r: number): number {
  const billedMs = b.billedMs[r]!;
  return billedMs - Math.min(Math.max(b.audioMs[r]!, 0), billedMs);
}

/** Whether the account's tier refuses a billed row (the free tier has no LLM gateway): reported, not charged. */
export function refusedByTier(plan: Plan, tier: 'free' | 'paid'): boolean {
  return plan.llm && tier === 'free' && !plan.freeTier;
}

/** When a billed row is charged to a balance: a transcript when it completes, a stream when it ends, an LLM call at once. */
export function completionOf(plan: Plan, b: UsageBatch, r: number): number {
  const at = b.at[r]!;
  if (plan.kind === 'transcript') {
    const completed = b.completedAt[r]!;
    return Number.isNaN(completed) ? at : completed;
  }
  if (plan.kind === 'stream') {
    const started = Number.isNaN(b.startedAt[r]!) ? at : b.startedAt[r]!;
    const length = plan.session ? (b.closed[r] === 1 ? b.sessionMs[r]! : b.billedMs[r]!) : Math.max(b.audioMs[r]!, 0);
    return started + length;
  }
  return at;
}

/** The input error of a row `chargeRow` could not bill. */
export function chargeError(code: Charged, plan: Plan, ref: SourceRef): InputError {
  switch (code) {
    case Charged.NoAudio:
      return new InputError(ref, 'audio_duration', 'is missing', 'this product bills audio seconds');
    case Charged.NoSession:
      return new InputError(ref, 'session_duration', 'is missing on a closed session', 'give session_duration or ended_at');
    case Charged.NoCap:
      return new InputError(ref, 'terminated', 'the session was never closed and the card sets no max_session to bill it at', 'add max_session to the product, or the session end');
    default:
      return tooLarge(plan, 0, ref);
  }
}

/** The input error of a quantity past 2^53 (a row's own, or a sum of rows), naming the field it came from. */
export function tooLarge(plan: Plan, item: number, ref: SourceRef): InputError {
  const component = plan.items[item]?.component ?? 'usage';
  const field = component === 'input' ? 'input_tokens' : component === 'output' ? 'output_tokens' : plan.session ? 'session_duration' : 'audio_duration';
  return new InputError(ref, field, `makes a ${plan.llm ? 'token count' : 'duration'} of ${plan.product} ${plan.model} pass 2^53, past exact arithmetic`, 'check the value, or split the log and price the parts');
}
