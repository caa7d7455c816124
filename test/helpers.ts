import { normalizeRecord } from '../src/ingest/normalize.js';
import type { RawFields, UsageRecord } from '../src/ingest/record.js';
import { priceRecords, type Invoice } from '../src/engine/index.js';
import type { Dimension } from '../src/pricing/dimensions.js';
import { periodFromFlags } from '../src/pricing/period.js';
import { loadCard } from '../src/rates/load.js';
import type { RateCard } from '../src/rates/card.js';
import { TimeZone } from '../src/util/time.js';

const UTC = TimeZone.of('UTC');

/** Canonical raw rows → validated records, numbered as lines 2, 3, ... of `test.csv`. */
export function records(rows: RawFields[], file = 'test.csv'): UsageRecord[] {
  return rows.map((raw, i) => normalizeRecord(raw, { file, line: i + 2 }, UTC));
}

/** Prices rows on a card (a built-in name, a file, or a resolved card). */
export async function invoiceOf(
  rows: RawFields[] | UsageRecord[],
  card: string | RateCard = 'assemblyai',
  options: { groupBy?: Dimension[]; month?: string; allowUnpriced?: boolean; skipInvalid?: boolean; daily?: boolean } = {},
): Promise<Invoice> {
  const resolved = typeof card === 'string' ? loadCard(card) : card;
  const recs = rows.length > 0 && 'source' in rows[0]! ? (rows as UsageRecord[]) : records(rows as RawFields[]);
  return priceRecords(recs, {
    card: resolved,
    zone: resolved.timezone,
    period: periodFromFlags({ month: options.month }, resolved.timezone),
    groupBy: options.groupBy ?? [],
    skipInvalid: options.skipInvalid ?? false,
    allowUnpriced: options.allowUnpriced ?? false,
    daily: options.daily ?? false,
  });
}

/** Line amounts as `product/model/addon-or-token: amount` strings, for compact assertions. */
export function amounts(invoice: Invoice): Record<string, string> {
  return Object.fromEntries(
    invoice.lines.map((l) => [[l.product, l.model, l.addon ?? l.tokenType ?? '', l.tier ?? '', ...l.dims].filter((p) => p !== '').join('/'), l.amount.toFixed(invoice.card.rounding.scale)]),
  );
}
