import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { expect } from 'vitest';
import { normalizeRecord } from '../src/ingest/normalize.js';
import { CANONICAL_FIELDS, type RawFields, type UsageRecord } from '../src/ingest/record.js';
import { computeInvoice, priceRecords, type Invoice } from '../src/engine/index.js';
import type { Dimension } from '../src/pricing/dimensions.js';
import { periodFromFlags } from '../src/pricing/period.js';
import { loadCard } from '../src/rates/load.js';
import type { RateCard } from '../src/rates/card.js';
import { renderInvoiceJson } from '../src/report/invoice.js';
import { TimeZone } from '../src/util/time.js';

const UTC = TimeZone.of('UTC');
const DIR = mkdtempSync(join(tmpdir(), 'tallyman-rows-'));
let files = 0;

/** Canonical raw rows → validated records, numbered as lines 2, 3, ... of `test.csv`. */
export function records(rows: RawFields[], file = 'test.csv'): UsageRecord[] {
  return rows.map((raw, i) => normalizeRecord(raw, { file, line: i + 2 }, UTC));
}

/**
 * Prices rows on a card (a built-in name, a file, or a resolved card). Raw rows are priced twice by
 * the one engine: written to a real CSV file and read by the byte scanner, and as records through
 * the text way; the two invoices must be the same, byte for byte, and the file's is returned.
 */
export async function invoiceOf(
  rows: RawFields[] | UsageRecord[],
  card: string | RateCard = 'assemblyai',
  options: { groupBy?: Dimension[]; month?: string; allowUnpriced?: boolean; skipInvalid?: boolean; daily?: boolean } = {},
): Promise<Invoice> {
  const resolved = typeof card === 'string' ? loadCard(card) : card;
  const base = {
    card: resolved,
    zone: resolved.timezone,
    period: periodFromFlags({ month: options.month }, resolved.timezone),
    groupBy: options.groupBy ?? [],
    skipInvalid: options.skipInvalid ?? false,
    allowUnpriced: options.allowUnpriced ?? false,
    daily: options.daily ?? false,
  };
  if (rows.length > 0 && 'source' in rows[0]!) return priceRecords(rows as UsageRecord[], base);
  const raw = rows as RawFields[];
  const path = join(DIR, `rows-${files++}.csv`);
  const header = CANONICAL_FIELDS.filter((field) => field === 'kind' || raw.some((r) => r[field] !== undefined));
  writeFileSync(path, stringify([header, ...raw.map((r) => header.map((field) => r[field] ?? ''))], { record_delimiter: 'unix' }));
  const byText = priceRecords(records(raw, path), base);
  const byFile = await computeInvoice([path], { ...base, inputZone: UTC, map: new Map() });
  expect(renderInvoiceJson(byFile), 'the byte scanner and the text way price the rows alike').toBe(renderInvoiceJson(byText));
  return byFile;
}

/** Line amounts as `product/model/addon-or-token: amount` strings, for compact assertions. */
export function amounts(invoice: Invoice): Record<string, string> {
  return Object.fromEntries(
    invoice.lines.map((l) => [[l.product, l.model, l.addon ?? l.tokenType ?? '', l.tier ?? '', ...l.dims].filter((p) => p !== '').join('/'), l.amount.toFixed(invoice.card.rounding.scale)]),
  );
}
