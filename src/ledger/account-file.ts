import { z } from 'zod';
import { readSourceDocument, validateDocument } from '../rates/document.js';
import { parseDecimal } from '../util/decimal.js';

const amount = z.union([z.string().regex(/^\d+(\.\d+)?$/, 'must be a non-negative decimal such as "25"'), z.number().nonnegative()]);
const signedAmount = z.union([z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal such as "25" or "-3.50"'), z.number()]);
const whole = z.union([z.string().regex(/^\d+$/, 'must be a whole number'), z.number().int().nonnegative()]);

/** Whether autopay's `to` is above its `below` (true when either is not a decimal: that is said apart). */
function refillsAbove(to: unknown, below: unknown): boolean {
  const [t, b] = [parseDecimal(String(to)), parseDecimal(String(below))];
  return t === undefined || b === undefined || t.greaterThan(b);
}

/** An account file (JSON or YAML), as written. */
export const accountSchema = z.strictObject({
  $schema: z.string().optional(),
  balance: signedAmount.optional(),
  tier: z.enum(['free', 'paid']).optional(),
  free_credits: amount.optional(),
  autopay: z
    .strictObject({ below: amount, to: amount, inclusive: z.boolean().optional() })
    .refine((a) => refillsAbove(a.to, a.below), { path: ['to'], message: 'must be above autopay.below: a refill to it would leave the balance below the trigger' })
    .optional(),
  monthly_credits: amount.optional(),
  rollover_months: whole.optional(),
  addons: z.record(z.string(), amount).optional(),
  topup: amount.optional(),
  credits_per_usd: amount.optional(),
});
export type RawAccount = z.infer<typeof accountSchema>;

/** Reads and validates an account file (JSON or YAML), every problem with its path and line. */
export function readAccountFile(path: string): RawAccount {
  return validateDocument(readSourceDocument(path), accountSchema);
}
