import type { Invoice, InvoiceLine } from '../pricing/invoice.js';
import { Decimal, formatExact, formatMoney } from '../util/decimal.js';
import { formatInstant, nextDay, nextMonth } from '../util/time.js';
import { writeCsv, type Cell } from './csv.js';

/** FOCUS SkuMeter of each token class. */
const TOKEN_METERS: Record<string, string> = {
  input: 'Input tokens', output: 'Output tokens', cache_read: 'Cached input tokens read', cache_write: 'Cache write tokens (5 min)',
  cache_write_1h: 'Cache write tokens (1 h)', reasoning: 'Reasoning tokens',
};

/** The dimensions a FOCUS row needs: who (project, key, customer) and when (a day). */
export const FOCUS_GROUP_BY = ['project', 'api_key', 'customer', 'day'] as const;

/** FOCUS 1.2 columns, in the specification's (alphabetical) order. */
const COLUMNS = [
  'AvailabilityZone', 'BilledCost', 'BillingAccountId', 'BillingAccountName', 'BillingAccountType', 'BillingCurrency',
  'BillingPeriodEnd', 'BillingPeriodStart', 'CapacityReservationId', 'CapacityReservationStatus', 'ChargeCategory',
  'ChargeClass', 'ChargeDescription', 'ChargeFrequency', 'ChargePeriodEnd', 'ChargePeriodStart', 'CommitmentDiscountCategory',
  'CommitmentDiscountId', 'CommitmentDiscountName', 'CommitmentDiscountQuantity', 'CommitmentDiscountStatus',
  'CommitmentDiscountType', 'CommitmentDiscountUnit', 'ConsumedQuantity', 'ConsumedUnit', 'ContractedCost',
  'ContractedUnitPrice', 'EffectiveCost', 'InvoiceId', 'InvoiceIssuerName', 'ListCost', 'ListUnitPrice', 'PricingCategory',
  'PricingCurrency', 'PricingCurrencyContractedUnitPrice', 'PricingCurrencyEffectiveCost', 'PricingCurrencyListUnitPrice',
  'PricingQuantity', 'PricingUnit', 'ProviderName', 'PublisherName', 'RegionId', 'RegionName', 'ResourceId', 'ResourceName',
  'ResourceType', 'ServiceCategory', 'ServiceName', 'ServiceSubcategory', 'SkuId', 'SkuMeter', 'SkuPriceDetails', 'SkuPriceId',
  'SubAccountId', 'SubAccountName', 'SubAccountType', 'Tags',
] as const;
type Column = (typeof COLUMNS)[number];

const UNIT_NAME: Record<string, string> = { hour: 'Hours', minute: 'Minutes', second: 'Seconds', '1M tokens': '1M Tokens', '1K tokens': '1K Tokens', token: 'Tokens' };

/**
 * A FOCUS 1.2 cost-and-usage CSV: one row per charge (product, model, add-on or token type, tier,
 * project, API key, customer and day). BilledCost is the invoice line's rounded amount, so the
 * rows add up to the invoice total. The card's rate is both the list and the contracted price.
 */
export function renderFocus(invoice: Invoice): string {
  const { card } = invoice;
  const scale = card.rounding.scale;
  const dim = (line: InvoiceLine, name: string): string | null => line.dims[invoice.groupBy.indexOf(name as never)] ?? null;
  const days = invoice.lines.map((l) => dim(l, 'day')).filter((d): d is string => d !== null).sort();
  const billingStart = invoice.period.from && /^\d{4}-\d{2}-\d{2}$/.test(invoice.period.from) ? invoice.period.from : days[0]?.slice(0, 7).concat('-01');
  const billingEnd = invoice.period.to && /^\d{4}-\d{2}-\d{2}$/.test(invoice.period.to) ? invoice.period.to : days.length > 0 ? `${nextMonth(days[days.length - 1]!.slice(0, 7))}-01` : undefined;
  const instant = (day: string | undefined) => (day === undefined ? null : formatInstant(invoice.zone.startOfDay(day)));
  const rows = invoice.lines.map((line): Cell[] => {
    const day = dim(line, 'day');
    const consumed = new Decimal(line.baseQuantity).dividedBy(line.baseUnit === 'ms' ? 3_600_000 : 1);
    const pricing = new Decimal(line.baseQuantity).dividedBy(line.perUnit);
    const sku = [line.product, line.model, line.addon ?? line.tokenType].filter(Boolean).join('/');
    const amount = formatMoney(line.amount, scale);
    const tags = Object.fromEntries(
      [['api_key', dim(line, 'api_key')], ['customer_id', dim(line, 'customer')]].filter(([, v]) => v !== null),
    );
    const project = dim(line, 'project');
    const values: Partial<Record<Column, Cell>> = {
      BilledCost: { number: amount },
      BillingAccountId: { text: card.name },
      BillingAccountName: { text: card.description ?? card.name },
      BillingAccountType: { text: 'Rate card' },
      BillingCurrency: { text: card.currency },
      BillingPeriodEnd: { text: instant(billingEnd) },
      BillingPeriodStart: { text: instant(billingStart) },
      ChargeCategory: { text: 'Usage' },
      ChargeDescription: { text: describe(line, card.currency) },
      ChargeFrequency: { text: 'Usage-Based' },
      ChargePeriodEnd: { text: day === null ? instant(billingEnd) : instant(nextDay(day)) },
      ChargePeriodStart: { text: day === null ? instant(billingStart) : instant(day) },
      ConsumedQuantity: { number: trim(consumed) },
      ConsumedUnit: { text: line.baseUnit === 'ms' ? 'Hours' : line.baseUnit === 'request' ? 'Requests' : 'Tokens' },
      ContractedCost: { number: amount },
      ContractedUnitPrice: { number: formatExact(line.rate) },
      EffectiveCost: { number: amount },
      InvoiceIssuerName: { text: card.provider },
      ListCost: { number: amount },
      ListUnitPrice: { number: formatExact(line.rate) },
      PricingCategory: { text: 'Standard' },
      PricingCurrency: { text: card.currency },
      PricingQuantity: { number: trim(pricing) },
      PricingUnit: { text: UNIT_NAME[line.unit] ?? line.unit },
      ProviderName: { text: card.provider },
      PublisherName: { text: card.provider },
      ServiceCategory: { text: 'AI and Machine Learning' },
      ServiceName: { text: line.product },
      ServiceSubcategory: { text: line.tokenType !== null ? 'Generative AI' : 'Natural Language Processing' },
      SkuId: { text: sku },
      SkuMeter: { text: line.addon ? 'Add-on' : line.tokenType ? TOKEN_METERS[line.tokenType]! : 'Audio' },
      SkuPriceDetails: { text: line.tier === null ? null : JSON.stringify({ tier: line.tier }) },
      SkuPriceId: { text: `${sku}@${line.version}#${line.hash}${line.tier ? `:${line.tier}` : ''}` },
      SubAccountId: { text: project },
      SubAccountName: { text: project },
      SubAccountType: { text: project === null ? null : 'Project' },
      Tags: { text: JSON.stringify(tags) },
    };
    return COLUMNS.map((c) => values[c] ?? { text: null });
  });
  return writeCsv(COLUMNS, rows);
}

function trim(value: Decimal): string {
  return value.toDecimalPlaces(9, Decimal.ROUND_HALF_UP).toString();
}

function describe(line: InvoiceLine, currency: string): string {
  const what = line.addon ? `${line.addon} add-on` : line.tokenType ? `${line.tokenType} tokens` : 'usage';
  return `${line.product} ${line.model} ${what} at ${formatExact(line.rate)} ${currency} per ${line.unit}${line.tier ? ` (tier ${line.tier})` : ''}`;
}
