import { z } from 'zod';
import { readSourceDocument, validateDocument } from '../rates/document.js';

const amount = z.union([z.string().regex(/^\d+(\.\d+)?$/, 'must be a non-negative decimal such as "25"'), z.number().nonnegative()]);
const signedAmount = z.union([z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal such as "25" or "-3.50"'), z.number()]);
const whole = z.union([z.string().regex(/^\d+$/, 'must be a whole number'), z.number().int().nonnegative()]);

/** An account file (JSON or YAML), as written. */
export const accountSchema = z.strictObject({
  $schema: z.string().optional(),
  balance: signedAmount.optional(),
  tier: z.enum(['free', 'paid']).optional(),
  free_credits: amount.optional(),
  autopay: z.strictObject({ below: amount, to: amount, inclusive: z.boolean().optional() }).optional(),
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
