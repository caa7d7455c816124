import { z } from 'zod';
import { readSourceDocument, validateDocument } from '../rates/document.js';

/**
 * How a provider's bill export becomes statement lines: the column of each field, the provider's
 * names turned into the card's, the rows to read, and the seconds in each usage unit.
 */
export interface StatementMap {
  /** What the map reads (`Tencent Cloud bill detail`, or the map file's name). */
  name: string;
  columns: Partial<Record<MappedField, string>> & { product: string; model: string; amount: string };
  values: Partial<Record<'product' | 'model' | 'addon', Record<string, string>>>;
  /** Rows whose column holds none of the listed values are passed over (and counted). */
  only: Record<string, string[]>;
  /** Seconds in one unit, by the unit's name as written (compared without case); `card`: already in the card's unit. */
  units: Record<string, string>;
}

export const MAPPED_FIELDS = ['product', 'model', 'addon', 'date', 'month', 'quantity', 'unit', 'amount', 'currency'] as const;
export type MappedField = (typeof MAPPED_FIELDS)[number];

const SECONDS: Record<string, string> = { second: '1', seconds: '1', s: '1', sec: '1', minute: '60', minutes: '60', min: '60', hour: '3600', hours: '3600', h: '3600' };

/**
 * Tencent Cloud's bill-detail CSV as a finance user exports it (columns of the international billing
 * docs, product 555 doc 37506): one row per billed component and day. ASR rows (`Product Name`) map
 * `Subproduct Name` to the `tencent-asr` card's product and `Component Name` to its model; the day is
 * the date of `Usage Start Time` (Beijing time, as written); the amount is `Total Amount After
 * Discount` (what is charged before vouchers and tax). The subproduct and component names are ours,
 * made from the service names of the price page: no export with them was published.
 */
export const TENCENT_BILL_DETAIL: StatementMap = {
  name: 'Tencent Cloud bill detail',
  columns: {
    product: 'Subproduct Name', model: 'Component Name', date: 'Usage Start Time', quantity: 'Component Usage',
    unit: 'Component Usage Unit', amount: 'Total Amount After Discount', currency: 'Currency',
  },
  values: {
    product: { 'Real-time Speech Recognition': 'realtime-asr', 'Recording File Recognition': 'file-asr' },
    model: {
      'Real-time Speech Recognition': 'realtime', 'Real-time Speech Recognition (Large Model)': 'realtime-large',
      'Recording File Recognition': 'file', 'Recording File Recognition (Large Model)': 'file-large',
    },
  },
  only: { 'Product Name': ['Automatic Speech Recognition', 'ASR'] },
  units: SECONDS,
};

/** The bill-detail header, recognised by these columns. */
const TENCENT_SNIFF = ['Product Name', 'Subproduct Name', 'Component Name', 'Usage Start Time', 'Component Usage', 'Total Amount After Discount'];

/** The built-in map whose columns a header has, if any. */
export function sniffStatementMap(header: readonly string[]): StatementMap | undefined {
  return TENCENT_SNIFF.every((c) => header.includes(c)) ? TENCENT_BILL_DETAIL : undefined;
}

const names = z.record(z.string(), z.string().min(1));
const mapSchema = z.strictObject({
  columns: z.strictObject({ product: z.string().min(1), model: z.string().min(1), amount: z.string().min(1), addon: z.string().optional(), date: z.string().optional(), month: z.string().optional(), quantity: z.string().optional(), unit: z.string().optional(), currency: z.string().optional() }),
  values: z.strictObject({ product: names.optional(), model: names.optional(), addon: names.optional() }).optional(),
  only: z.record(z.string(), z.array(z.string()).min(1, 'lists at least one value')).optional(),
  units: z.record(z.string(), z.string()
    .regex(/^(?:\d+(?:\.\d+)?|card)$/, 'must be the seconds in one unit, such as "3600", or "card" (already in the card\'s unit, as tokens)')
    // A unit of no seconds would turn every quantity of the statement into 0.
    .refine((v) => v === 'card' || /[1-9]/.test(v), 'must be more than 0 seconds in one unit, such as "3600"')).optional(),
});

/** A `--statement-map` file (YAML or JSON), validated with the JSON path and line of each problem. */
export function readStatementMap(path: string): StatementMap {
  const raw = validateDocument(readSourceDocument(path), mapSchema);
  return { name: path, columns: raw.columns, values: raw.values ?? {}, only: raw.only ?? {}, units: { ...SECONDS, ...Object.fromEntries(Object.entries(raw.units ?? {}).map(([k, v]) => [k.toLowerCase(), v])) } };
}
