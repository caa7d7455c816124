import { createHash } from 'node:crypto';
import type { Invoice, InvoiceLine } from '../pricing/invoice.js';
import { collectGarbage } from '../util/collect.js';
import { compareText } from '../util/compare.js';
import { Decimal, formatExact, formatMoney } from '../util/decimal.js';
import { UsageError } from '../util/errors.js';
import { formatInstant, nextDay, nextMonth } from '../util/time.js';
import { cellText, csvRecord, csvText, writeCsv, type Cell } from './csv.js';
import { CHUNK_LINES } from './invoice.js';
import { parquetBytes, ParquetRowWriter, unscaledOf, type ParquetCell, type ParquetColumn, type ParquetKind } from './parquet.js';

/** FOCUS SkuMeter of each token class. */
const TOKEN_METERS: Record<string, string> = {
  input: 'Input tokens', output: 'Output tokens', cache_read: 'Cached input tokens read', cache_write: 'Cache write tokens (5 min)',
  cache_write_1h: 'Cache write tokens (1 h)', reasoning: 'Reasoning tokens',
};

/** The dimensions a FOCUS row needs: who (project, key, customer) and when (a day). */
export const FOCUS_GROUP_BY = ['project', 'api_key', 'customer', 'day'] as const;

/** The FOCUS version the export claims. */
export const FOCUS_VERSION = '1.3';

/**
 * FOCUS 1.3 columns that tallyman writes, in the specification's (alphabetical) order, then the
 * provider-defined `x_` columns: 1.3 adds ContractApplied, HostProviderName and ServiceProviderName
 * (ProviderName and PublisherName are deprecated in 1.3, still mandatory, and kept).
 */
export const FOCUS_COLUMNS = [
  'AvailabilityZone', 'BilledCost', 'BillingAccountId', 'BillingAccountName', 'BillingAccountType', 'BillingCurrency',
  'BillingPeriodEnd', 'BillingPeriodStart', 'CapacityReservationId', 'CapacityReservationStatus', 'ChargeCategory',
  'ChargeClass', 'ChargeDescription', 'ChargeFrequency', 'ChargePeriodEnd', 'ChargePeriodStart', 'CommitmentDiscountCategory',
  'CommitmentDiscountId', 'CommitmentDiscountName', 'CommitmentDiscountQuantity', 'CommitmentDiscountStatus',
  'CommitmentDiscountType', 'CommitmentDiscountUnit', 'ConsumedQuantity', 'ConsumedUnit', 'ContractApplied', 'ContractedCost',
  'ContractedUnitPrice', 'EffectiveCost', 'HostProviderName', 'InvoiceId', 'InvoiceIssuerName', 'ListCost', 'ListUnitPrice', 'PricingCategory',
  'PricingCurrency', 'PricingCurrencyContractedUnitPrice', 'PricingCurrencyEffectiveCost', 'PricingCurrencyListUnitPrice',
  'PricingQuantity', 'PricingUnit', 'ProviderName', 'PublisherName', 'RegionId', 'RegionName', 'ResourceId', 'ResourceName',
  'ResourceType', 'ServiceCategory', 'ServiceName', 'ServiceProviderName', 'ServiceSubcategory', 'SkuId', 'SkuMeter', 'SkuPriceDetails', 'SkuPriceId',
  'SubAccountId', 'SubAccountName', 'SubAccountType', 'Tags', 'x_LineItemId',
] as const;
export type FocusColumn = (typeof FOCUS_COLUMNS)[number];

/** The Decimal and DateTime columns (every other one is a String, or JSON text). */
const DECIMALS = new Set<FocusColumn>(['BilledCost', 'CommitmentDiscountQuantity', 'ConsumedQuantity', 'ContractedCost', 'ContractedUnitPrice', 'EffectiveCost', 'ListCost', 'ListUnitPrice', 'PricingCurrencyContractedUnitPrice', 'PricingCurrencyEffectiveCost', 'PricingCurrencyListUnitPrice', 'PricingQuantity']);
const DATETIMES = new Set<FocusColumn>(['BillingPeriodEnd', 'BillingPeriodStart', 'ChargePeriodEnd', 'ChargePeriodStart']);
/** Decimals in a Parquet export: DECIMAL(38,9), as BigQuery's NUMERIC holds and Spark, DuckDB and Arrow read exactly. */
const PARQUET_DECIMAL: ParquetKind = { decimal: { precision: 38, scale: 9 } };

/** A FOCUS value: text, a decimal string, an instant (epoch ms), or null. */
type Value = { text: string | null } | { decimal: string } | { instant: number | null };
/** One FOCUS row, and the billing period (YYYY-MM) it belongs to. */
export interface FocusRow {
  month: string | null;
  values: Record<FocusColumn, Value>;
}

const UNIT_NAME: Record<string, string> = { hour: 'Hours', minute: 'Minutes', second: 'Seconds', '1M tokens': '1M Tokens', '1K tokens': '1K Tokens', token: 'Tokens' };

/**
 * The FOCUS 1.3 rows of an invoice: one per charge (product, model, add-on or token type, tier,
 * project, API key, customer and day). BilledCost is the invoice line's rounded amount, so the rows
 * add up to the invoice total. The card's rate is both the list and the contracted price. The
 * billing period is the calendar month of the charge's day in the invoice's zone.
 */
export function focusRows(invoice: Invoice): FocusRow[] {
  return invoice.lines.map(focusRowMaker(invoice));
}

/** A dimension of an invoice line by name (`day`, `project`, ...), null where the invoice is not split by it. */
function dimReader(invoice: Invoice): (line: InvoiceLine, name: string) => string | null {
  return (line, name) => line.dims[invoice.groupBy.indexOf(name as never)] ?? null;
}

/** The billing period (YYYY-MM) of an invoice line: the month of its day; null for an undated charge. */
function monthReader(invoice: Invoice): (line: InvoiceLine) => string | null {
  const dim = dimReader(invoice);
  return (line) => dim(line, 'day')?.slice(0, 7) ?? null;
}

/** The FOCUS row of each line of an invoice (what `focusRows` says), one at a time. */
function focusRowMaker(invoice: Invoice): (line: InvoiceLine) => FocusRow {
  const { card } = invoice;
  const scale = card.rounding.scale;
  const dim = dimReader(invoice);
  const monthOf = monthReader(invoice);
  const days = invoice.lines.map((l) => dim(l, 'day')).filter((d): d is string => d !== null).sort();
  // Undated charges (transcript objects without their list page) fall in the period asked for, else the log's.
  const undatedStart = invoice.period.from && /^\d{4}-\d{2}-\d{2}$/.test(invoice.period.from) ? invoice.period.from : days[0]?.slice(0, 7).concat('-01');
  const undatedEnd = invoice.period.to && /^\d{4}-\d{2}-\d{2}$/.test(invoice.period.to) ? invoice.period.to : days.length > 0 ? `${nextMonth(days[days.length - 1]!.slice(0, 7))}-01` : undefined;
  const instant = (day: string | undefined): Value => ({ instant: day === undefined ? null : invoice.zone.startOfDay(day) });
  return (line): FocusRow => {
    const day = dim(line, 'day');
    const month = monthOf(line);
    const consumed = new Decimal(line.baseQuantity).dividedBy(line.baseUnit === 'ms' ? 3_600_000 : 1);
    const pricing = new Decimal(line.baseQuantity).dividedBy(line.perUnit);
    const sku = [line.product, line.model, line.addon ?? line.tokenType].filter(Boolean).join('/');
    const amount = formatMoney(line.amount, scale);
    const tags = Object.fromEntries([['api_key', dim(line, 'api_key')], ['customer_id', dim(line, 'customer')]].filter(([, v]) => v !== null));
    const project = dim(line, 'project');
    const chargeStart = day === null ? undatedStart : day;
    const chargeEnd = day === null ? undatedEnd : nextDay(day);
    const text = (value: string | null | undefined): Value => ({ text: value ?? null });
    const values: Partial<Record<FocusColumn, Value>> = {
      BilledCost: { decimal: amount },
      BillingAccountId: text(card.name),
      BillingAccountName: text(card.description ?? card.name),
      BillingAccountType: text('Rate card'),
      BillingCurrency: text(card.currency),
      BillingPeriodEnd: month === null ? instant(undatedEnd) : instant(`${nextMonth(month)}-01`),
      BillingPeriodStart: month === null ? instant(undatedStart) : instant(`${month}-01`),
      ChargeCategory: text('Usage'),
      ChargeDescription: text(describe(line, card.currency)),
      ChargeFrequency: text('Usage-Based'),
      ChargePeriodEnd: instant(chargeEnd),
      ChargePeriodStart: instant(chargeStart),
      ConsumedQuantity: { decimal: trim(consumed) },
      ConsumedUnit: text(line.baseUnit === 'ms' ? 'Hours' : line.baseUnit === 'request' ? 'Requests' : 'Tokens'),
      ContractedCost: { decimal: amount },
      ContractedUnitPrice: { decimal: formatExact(line.rate) },
      EffectiveCost: { decimal: amount },
      HostProviderName: text(card.provider),
      InvoiceIssuerName: text(card.provider),
      ListCost: { decimal: amount },
      ListUnitPrice: { decimal: formatExact(line.rate) },
      PricingCategory: text('Standard'),
      PricingCurrency: text(card.currency),
      PricingQuantity: { decimal: trim(pricing) },
      PricingUnit: text(UNIT_NAME[line.unit] ?? line.unit),
      ProviderName: text(card.provider),
      PublisherName: text(card.provider),
      ServiceCategory: text('AI and Machine Learning'),
      ServiceName: text(line.product),
      ServiceProviderName: text(card.provider),
      ServiceSubcategory: text(line.tokenType !== null ? 'Generative AI' : 'Natural Language Processing'),
      SkuId: text(sku),
      SkuMeter: text(line.addon ? 'Add-on' : line.tokenType ? TOKEN_METERS[line.tokenType]! : 'Audio'),
      SkuPriceDetails: text(line.tier === null ? null : JSON.stringify({ tier: line.tier })),
      SkuPriceId: text(`${sku}@${line.version}#${line.hash}${line.tier ? `:${line.tier}` : ''}`),
      SubAccountId: text(project),
      SubAccountName: text(project),
      SubAccountType: text(project === null ? null : 'Project'),
      Tags: text(JSON.stringify(tags)),
      x_LineItemId: text(lineItemId(line, [project, dim(line, 'api_key'), dim(line, 'customer')], chargeStart, chargeEnd)),
    };
    return { month, values: Object.fromEntries(FOCUS_COLUMNS.map((c) => [c, values[c] ?? { text: null }])) as Record<FocusColumn, Value> };
  };
}

/**
 * A FOCUS row's stable id: the first 32 hex digits of the SHA-256 of the card version's hash, the
 * line's key (product, model, component: the add-on or token class with its band and region, tier)
 * and who it charges (project, API key, customer), and the charge period. The same charge in
 * another run, row order or cut of the log has the same id, so a reload replaces it.
 */
function lineItemId(line: InvoiceLine, who: (string | null)[], start: string | undefined, end: string | undefined): string {
  const key = [line.hash, line.version, line.product, line.model, line.component, line.tier ?? '', ...who.map((w) => w ?? ''), start ?? '', end ?? ''];
  return createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 32);
}

/** The FOCUS rows as CSV: decimals as numbers, instants as ISO 8601 UTC (`YYYY-MM-DDTHH:mm:ssZ`). */
export function focusCsv(rows: readonly FocusRow[]): string {
  return writeCsv(FOCUS_COLUMNS, rows.map(csvCells));
}

/** A FOCUS row's CSV cells. */
function csvCells(row: FocusRow): Cell[] {
  return FOCUS_COLUMNS.map((c): Cell => {
    const value = row.values[c];
    if ('decimal' in value) return { number: value.decimal };
    if ('instant' in value) return { text: value.instant === null ? null : formatInstant(value.instant) };
    return value;
  });
}

/**
 * The text of `renderFocus` in pieces of `CHUNK_LINES` rows, each row made when its piece is asked
 * for: an export of 600,000 charges is written as it is made, never held whole (`chunkRenderer`).
 */
export function focusCsvChunks(invoice: Invoice): Iterable<string> {
  return csvPieces(focusRowMaker(invoice), invoice.lines);
}

/** The FOCUS CSV of some lines of an invoice (all, or a billing period's), in pieces of `CHUNK_LINES` rows made as asked for. */
function* csvPieces(rowOf: (line: InvoiceLine) => FocusRow, lines: readonly InvoiceLine[]): Generator<string> {
  let records = [csvRecord(FOCUS_COLUMNS)];
  for (const line of lines) {
    records.push(csvRecord(csvCells(rowOf(line)).map(cellText)));
    if (records.length === CHUNK_LINES) {
      yield csvText(records);
      records = [];
    }
  }
  yield csvText(records);
}

/** The FOCUS columns of a Parquet export: decimals as DECIMAL(38,9), instants as UTC timestamps, the rest as text. */
const PARQUET_COLUMNS: readonly ParquetColumn[] = FOCUS_COLUMNS.map((name) => ({ name, kind: DECIMALS.has(name) ? PARQUET_DECIMAL : DATETIMES.has(name) ? 'timestamp' : 'string' }));
const PARQUET_CREATED_BY = `tallyman FOCUS ${FOCUS_VERSION}`;

/** The FOCUS rows as Parquet: decimals as DECIMAL(38,9), instants as UTC timestamps, the rest as text. */
export function focusParquet(rows: readonly FocusRow[]): Uint8Array {
  return parquetBytes(PARQUET_COLUMNS, rows.map(parquetCells), PARQUET_CREATED_BY);
}

/**
 * The bytes of `focusParquet` of some lines of an invoice, a row group (`ParquetRowWriter`) at a
 * time as asked for. A group's rows are held until it is written, long enough to be moved to the
 * old generation, and left there dead by the thousand with the writer's encoding of them: a full
 * collection after each group keeps the heap at one group (1M rows, 661,754 charges: 1.0 GB at
 * peak instead of 2.6 GB, and no slower).
 */
function* parquetPieces(rowOf: (line: InvoiceLine) => FocusRow, lines: readonly InvoiceLine[]): Generator<Uint8Array> {
  const made: Uint8Array[] = [];
  const writer = new ParquetRowWriter(PARQUET_COLUMNS, (bytes) => made.push(bytes), PARQUET_CREATED_BY);
  for (const line of lines) {
    writer.add(parquetCells(rowOf(line)));
    if (made.length > 0) {
      yield* made.splice(0);
      collectGarbage();
    }
  }
  writer.finish();
  yield* made.splice(0);
}

/** A FOCUS row's Parquet cells. */
function parquetCells(row: FocusRow): ParquetCell[] {
  return FOCUS_COLUMNS.map((c): ParquetCell => {
    const value = row.values[c];
    if ('decimal' in value) return exactAt9(c, value.decimal);
    return 'instant' in value ? value.instant : value.text;
  });
}

/** One FOCUS file of an export: its billing period (`YYYY-MM`, `undated`; null: every period) and its bytes, made as they are read. */
export interface FocusFile {
  period: string | null;
  pieces: Iterable<string | Uint8Array>;
}

/**
 * The FOCUS files of an invoice, as CSV (`focusCsv`'s text) or Parquet (`focusParquet`'s bytes):
 * one per billing period, in order (`undated` last: the charges with no day), each holding its
 * period's rows in invoice order; or, not `byPeriod`, one of every row. Each file's rows are made
 * when its pieces are read, so that no file is held whole: a CSV piece of `CHUNK_LINES` rows, or a
 * Parquet row group, at a time.
 */
export function focusFiles(invoice: Invoice, format: 'csv' | 'parquet', byPeriod: boolean): FocusFile[] {
  const rowOf = focusRowMaker(invoice);
  const pieces = (lines: readonly InvoiceLine[]) => (format === 'csv' ? csvPieces(rowOf, lines) : parquetPieces(rowOf, lines));
  if (!byPeriod) return [{ period: null, pieces: pieces(invoice.lines) }];
  const monthOf = monthReader(invoice);
  const periods = new Map<string, InvoiceLine[]>();
  for (const line of invoice.lines) {
    const period = monthOf(line) ?? 'undated';
    const lines = periods.get(period);
    if (lines === undefined) periods.set(period, [line]);
    else lines.push(line);
  }
  return [...periods].sort(([a], [b]) => compareText(a, b)).map(([period, lines]) => ({ period, pieces: pieces(lines) }));
}

/** A decimal that DECIMAL(38,9) holds exactly; one with more decimals is refused, never rounded. */
function exactAt9(column: FocusColumn, decimal: string): string {
  try {
    unscaledOf(decimal, 9);
  } catch {
    throw new UsageError(`${column} ${decimal} has more than 9 decimals, which the Parquet export's DECIMAL(38,9) cannot hold exactly: write the FOCUS export as CSV`);
  }
  return decimal;
}

/** The FOCUS 1.3 cost-and-usage CSV of an invoice (the renderer of `--format focus`). */
export function renderFocus(invoice: Invoice): string {
  return [...focusCsvChunks(invoice)].join('');
}

function trim(value: Decimal): string {
  return value.toDecimalPlaces(9, Decimal.ROUND_HALF_UP).toString();
}

function describe(line: InvoiceLine, currency: string): string {
  const what = line.addon ? `${line.addon} add-on` : line.tokenType ? `${line.tokenType} tokens` : 'usage';
  return `${line.product} ${line.model} ${what} at ${formatExact(line.rate)} ${currency} per ${line.unit}${line.tier ? ` (tier ${line.tier})` : ''}`;
}
