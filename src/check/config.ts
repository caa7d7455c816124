import { z } from 'zod';
import { accountSchema } from '../ledger/account-file.js';
import { readSourceDocument, validateDocument } from '../rates/document.js';

const money = z.union([z.string().regex(/^\d+(\.\d+)?$/, 'must be a decimal amount such as "9.77"'), z.number().nonnegative()]).transform(String);
const increase = z.string().regex(/^\d+(\.\d+)?%?$/, 'must be an amount ("2.50") or a percentage ("5%")');

/** What a case expects: a golden invoice file, and/or budgets. */
const expectation = z.union([
  z.string().min(1),
  z.strictObject({
    golden: z.string().min(1).optional(),
    total: money.optional(),
    max_total: money.optional(),
    max_increase: increase.optional(),
  }),
]);

/** One case of `tallyman.config.json`. */
const caseSchema = z.strictObject({
  name: z.string().min(1),
  usage: z.union([z.string(), z.array(z.string()).min(1)]).transform((u) => (Array.isArray(u) ? u : [u])),
  rates: z.string().optional(),
  account: accountSchema.omit({ $schema: true }).optional(),
  group_by: z.string().optional(),
  month: z.string().optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  tz: z.string().optional(),
  input_tz: z.string().optional(),
  expect: expectation,
});

/** `tallyman.config.json` (or YAML), validated with JSON path and line in every message. */
export const checkConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  cases: z.array(caseSchema).min(1, 'needs at least one case'),
});

export type CheckConfig = z.infer<typeof checkConfigSchema>;
export type CheckCase = CheckConfig['cases'][number];

export function loadCheckConfig(path: string): CheckConfig {
  return validateDocument(readSourceDocument(path), checkConfigSchema);
}
