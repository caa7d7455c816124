import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import Decimal from 'decimal.js';
import { parquetReadObjects, parquetMetadata } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { decimalText } from '../../src/ingest/parquet-values.js';
import { runBinary } from '../cli/binary.js';

const dir = mkdtempSync(join(tmpdir(), 'tallyman-focus-'));

/**
 * The rules of FOCUS 1.3 (Cost and Usage dataset) that bind the columns tallyman writes, encoded
 * from the specification's text: FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec,
 * `specification/datasets/cost_and_usage/columns/<column>.md` (read at commits 01d5c095 billedcost,
 * 02645d23 chargecategory and servicecategory, 0eccf797 chargeclass, 0c9433b3 chargefrequency,
 * 0464020c billingcurrency, 085459e3 serviceprovidername, 03c652c3 hostprovidername, 0cfefac7
 * providername (deprecated in 1.3, still mandatory), 07fd7f98 contractedcost, 04a40c5a listcost)
 * and `specification/attributes/` (0942b25c datetime_format, 04a7fe8d numeric_format, 0285ee9a
 * currency_format). `nulls` is the column's "Allows nulls" constraint; every column here has
 * "Feature level: Mandatory".
 */
const MANDATORY: Record<string, { type: 'Decimal' | 'DateTime' | 'String' | 'JSON'; nulls: boolean; values?: readonly string[] }> = {
  BilledCost: { type: 'Decimal', nulls: false },
  BillingAccountId: { type: 'String', nulls: false },
  BillingAccountName: { type: 'String', nulls: true },
  BillingCurrency: { type: 'String', nulls: false },
  BillingPeriodEnd: { type: 'DateTime', nulls: false },
  BillingPeriodStart: { type: 'DateTime', nulls: false },
  ChargeCategory: { type: 'String', nulls: false, values: ['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment'] },
  ChargeClass: { type: 'String', nulls: true, values: ['Correction'] },
  ChargeDescription: { type: 'String', nulls: true },
  ChargePeriodEnd: { type: 'DateTime', nulls: false },
  ChargePeriodStart: { type: 'DateTime', nulls: false },
  ContractedCost: { type: 'Decimal', nulls: false },
  EffectiveCost: { type: 'Decimal', nulls: false },
  // "Allows nulls: True" in its table, but "HostProviderName MUST NOT be null" in its requirements: the stricter.
  HostProviderName: { type: 'String', nulls: false },
  InvoiceIssuerName: { type: 'String', nulls: false },
  ListCost: { type: 'Decimal', nulls: false },
  PricingQuantity: { type: 'Decimal', nulls: true },
  PricingUnit: { type: 'String', nulls: true },
  ProviderName: { type: 'String', nulls: false },
  PublisherName: { type: 'String', nulls: false },
  ServiceCategory: {
    type: 'String', nulls: false, values: ['AI and Machine Learning', 'Analytics', 'Business Applications', 'Compute', 'Databases', 'Developer Tools', 'Multicloud', 'Identity',
      'Integration', 'Internet of Things', 'Management and Governance', 'Media', 'Migration', 'Mobile', 'Networking', 'Security', 'Storage', 'Web', 'Other'],
  },
  ServiceName: { type: 'String', nulls: false },
  ServiceProviderName: { type: 'String', nulls: false },
};
/** Recommended or conditional columns tallyman writes, held to their own rules when present. */
const PRESENT: typeof MANDATORY = {
  ChargeFrequency: { type: 'String', nulls: false, values: ['One-Time', 'Recurring', 'Usage-Based'] },
  ConsumedQuantity: { type: 'Decimal', nulls: true },
  ContractedUnitPrice: { type: 'Decimal', nulls: true },
  ListUnitPrice: { type: 'Decimal', nulls: true },
  PricingCurrency: { type: 'String', nulls: true },
  ContractApplied: { type: 'JSON', nulls: true },
  SkuPriceDetails: { type: 'JSON', nulls: true },
  Tags: { type: 'JSON', nulls: true },
};

/** NumericFormat: an integer or a decimal, a single point, a minus sign only for negatives; no exponent, sign, comma or unit. */
const NUMERIC = /^-?\d+(\.\d+)?$/;
/** DateTimeFormat for an instant: `YYYY-MM-DDTHH:mm:ssZ`, UTC. */
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
/** CurrencyFormat for a national currency: ISO 4217's three letters. */
const CURRENCY = /^[A-Z]{3}$/;

type Row = Record<string, string | null>;

/** Every FOCUS 1.3 rule above, row by row; the first broken rule names its row and column. */
function checkRules(rows: Row[], scale: number): void {
  expect(rows.length).toBeGreaterThan(0);
  for (const column of Object.keys(MANDATORY)) expect(Object.keys(rows[0]!), `mandatory column ${column}`).toContain(column);
  for (const [i, row] of rows.entries()) {
    for (const [column, rule] of Object.entries({ ...MANDATORY, ...PRESENT })) {
      const value = row[column] ?? null;
      const where = `row ${i + 1}, ${column} = ${JSON.stringify(value)}`;
      if (value === null) {
        expect(rule.nulls, `${where}: not null`).toBe(true);
        continue;
      }
      if (rule.type === 'Decimal') expect(value, where).toMatch(NUMERIC);
      if (rule.type === 'DateTime') expect(value, where).toMatch(DATETIME);
      if (rule.type === 'JSON') expect(typeof JSON.parse(value) === 'object' && !Array.isArray(JSON.parse(value)), `${where}: a JSON object`).toBe(true);
      if (rule.values) expect(rule.values, where).toContain(value);
    }
    expect(row.BillingCurrency, 'BillingCurrency: a national currency').toMatch(CURRENCY);
    expect(row.PricingCurrency, 'PricingCurrency').toMatch(CURRENCY);
    // ChargeFrequency MUST NOT be "Usage-Based" when ChargeCategory is "Purchase".
    if (row.ChargeCategory === 'Purchase') expect(row.ChargeFrequency).not.toBe('Usage-Based');
    // ChargeClass MUST be null when the charge does not correct a closed billing period (none does here).
    expect(row.ChargeClass).toBeNull();
    // A charge period has a start before its end, within its billing period (ISO text orders as time).
    expect(row.ChargePeriodStart! < row.ChargePeriodEnd!, `row ${i + 1}: charge period`).toBe(true);
    expect(row.BillingPeriodStart! < row.BillingPeriodEnd!, `row ${i + 1}: billing period`).toBe(true);
    expect(row.BillingPeriodStart! <= row.ChargePeriodStart! && row.ChargePeriodEnd! <= row.BillingPeriodEnd!, `row ${i + 1}: charge in its billing period`).toBe(true);
    // ContractedCost MUST equal ListCost when no negotiated pricing terms apply (a list card); EffectiveCost is BilledCost without commitments.
    expect(row.ContractedCost).toBe(row.ListCost);
    expect(row.EffectiveCost).toBe(row.BilledCost);
    // ListCost = ListUnitPrice × PricingQuantity: to the line's rounding (the cost is the invoice line rounded to the card's scale; an hour count may not end in decimals).
    const product = new Decimal(row.ListUnitPrice!).times(row.PricingQuantity!);
    expect(product.minus(row.ListCost!).abs().lte(new Decimal(10).pow(-scale).div(2).plus('1e-9')), `row ${i + 1}: ${row.ListUnitPrice} × ${row.PricingQuantity} is ${row.ListCost}`).toBe(true);
  }
  const ids = rows.map((r) => r.x_LineItemId);
  expect(new Set(ids).size, 'x_LineItemId: one per row').toBe(rows.length);
}

/** The FOCUS CSV of a run, as rows (an empty cell is null). */
function csvRows(args: string[]): Row[] {
  const run = runBinary(['invoice', ...args, '--format', 'focus']);
  expect(run.status, run.stderr).toBe(0);
  return (parse(run.stdout, { columns: true }) as Record<string, string>[]).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === '' ? null : v])));
}

/** A FOCUS Parquet file's rows, each value as the CSV writes it (decimals as text, instants as ISO 8601 UTC). */
async function parquetRows(path: string): Promise<{ rows: Row[]; types: Record<string, string> }> {
  const bytes = readFileSync(path);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
  const metadata = parquetMetadata(buffer);
  const types = Object.fromEntries(metadata.schema.slice(1).map((e) => [e.name, e.logical_type?.type ?? e.converted_type ?? e.type!]));
  const raw = await parquetReadObjects({ file: buffer });
  const rows = raw.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null || v === undefined ? null : v instanceof Date ? v.toISOString().replace('.000Z', 'Z') : typeof v === 'number' && types[k] === 'DECIMAL' ? decimalOf(v) : String(v)])));
  return { rows, types };
}

/** A DECIMAL(38,9) as hyparquet returns it (a float) back to its decimal: exact for the few digits these have. */
function decimalOf(value: number): string {
  return decimalText(BigInt(Math.round(value * 1e9)), 9);
}

describe('FOCUS 1.3 export, held to the specification', () => {
  for (const [name, args, scale] of [
    ['the quickstart log', ['fixtures/quickstart.csv'], 2],
    ['a month of streaming, transcripts and LLM calls', ['fixtures/month.csv'], 2],
    ['Tencent daily volume tiers', ['fixtures/tencent-month.csv', '--rates', 'tencent-asr'], 2],
  ] as const) {
    it(`${name}: every mandatory column and rule, and BilledCost adds up to the invoice total`, () => {
      const rows = csvRows([...args]);
      checkRules(rows, scale);
      const invoice = JSON.parse(runBinary(['invoice', ...args, '--group-by', 'project,api_key,customer,day', '--format', 'json']).stdout);
      expect(rows.reduce((s, r) => s.plus(r.BilledCost!), new Decimal(0)).toFixed(scale)).toBe(invoice.total);
    });
  }

  it('as Parquet: the same rows and values as the CSV, typed (DECIMAL, TIMESTAMP in UTC, STRING)', async () => {
    const out = join(dir, 'quickstart.parquet');
    const run = runBinary(['invoice', 'fixtures/quickstart.csv', '--format', 'focus', '--out', out]);
    expect(run.status, run.stderr).toBe(0);
    const { rows, types } = await parquetRows(out);
    expect(types).toMatchObject({ BilledCost: 'DECIMAL', ListUnitPrice: 'DECIMAL', PricingQuantity: 'DECIMAL', ChargePeriodStart: 'TIMESTAMP', BillingPeriodEnd: 'TIMESTAMP', ServiceName: 'STRING', Tags: 'STRING' });
    const csv = csvRows(['fixtures/quickstart.csv']);
    const isDecimal = (k: string) => (MANDATORY[k] ?? PRESENT[k])?.type === 'Decimal';
    const normalized = (r: Row) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v !== null && isDecimal(k) ? new Decimal(v).toString() : v]));
    expect(rows.map(normalized)).toEqual(csv.map(normalized));
    checkRules(rows, 2);
  });

  it('x_LineItemId is stable: across runs, row order and a log cut into files of other formats', () => {
    const whole = csvRows(['fixtures/month.csv', '--group-by', 'day']);
    const [header, ...lines] = readFileSync('fixtures/month.csv', 'utf8').trim().split('\n');
    const reversed = lines.reverse();
    const first = join(dir, 'part-1.csv');
    writeFileSync(first, `${header}\n${reversed.slice(0, 200).join('\n')}\n`);
    const normalized = join(dir, 'part-2.parquet');
    const second = join(dir, 'part-2.csv');
    writeFileSync(second, `${header}\n${reversed.slice(200).join('\n')}\n`);
    expect(runBinary(['normalize', second, '--out', normalized]).status).toBe(0);
    const cut = csvRows([first, normalized]);
    const byId = (rows: Row[]) => Object.fromEntries(rows.map((r) => [r.x_LineItemId, r.BilledCost]));
    expect(byId(cut)).toEqual(byId(whole));
    expect(csvRows(['fixtures/month.csv']).map((r) => r.x_LineItemId)).toEqual(whole.map((r) => r.x_LineItemId));
  });

  it('--out-dir writes one file per billing period (month), each a FOCUS file of its month, and leaves other months alone', async () => {
    // Two months: May from the quickstart, June the same rows a month later.
    const [header, ...lines] = readFileSync('fixtures/quickstart.csv', 'utf8').trim().split('\n');
    const june = lines.map((l) => l.replace(/,2026-05-(\d\d)T/, ',2026-06-$1T').replace(/^(\w+),([\w-]+),/, '$1,$2-june,'));
    const log = join(dir, 'two-months.csv');
    writeFileSync(log, `${header}\n${[...lines, ...june].join('\n')}\n`);
    const out = join(dir, 'focus');
    const run = runBinary(['invoice', log, '--format', 'focus', '--out-dir', out]);
    expect(run.status, run.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['billing_period=2026-05', 'billing_period=2026-06']);
    const may = await parquetRows(join(out, 'billing_period=2026-05', 'focus.parquet'));
    const juneRows = await parquetRows(join(out, 'billing_period=2026-06', 'focus.parquet'));
    for (const [rows, month, next] of [[may.rows, '2026-05', '2026-06'], [juneRows.rows, '2026-06', '2026-07']] as const) {
      expect(new Set(rows.map((r) => `${r.BillingPeriodStart} ${r.BillingPeriodEnd}`))).toEqual(new Set([`${month}-01T00:00:00Z ${next}-01T00:00:00Z`]));
      // Each month is the quickstart's 1.32 USD (its lines the same, a month apart).
      expect(rows.reduce((s, r) => s.plus(r.BilledCost!), new Decimal(0)).toFixed(2)).toBe('1.32');
    }
    // A reload of June alone rewrites June and leaves May as it was.
    const before = readFileSync(join(out, 'billing_period=2026-05', 'focus.parquet'));
    writeFileSync(log, `${header}\n${june.join('\n')}\n`);
    expect(runBinary(['invoice', log, '--format', 'focus', '--out-dir', out, '--file-format', 'csv']).status).toBe(0);
    expect(readFileSync(join(out, 'billing_period=2026-05', 'focus.parquet')).equals(before)).toBe(true);
    expect(readdirSync(join(out, 'billing_period=2026-06')).sort()).toEqual(['focus.csv', 'focus.parquet']);
    expect(runBinary(['invoice', log, '--out-dir', out]).stderr).toBe('tallyman: --out-dir writes one FOCUS file per billing period: add --format focus\n');
    expect(runBinary(['invoice', log, '--format', 'focus', '--out-dir', log]).stderr).toBe(`tallyman: --out-dir ${log} is not a folder\n`);
  });

  it('--out-dir writes no file when one period cannot be written (a unit price past DECIMAL(38,9) from June): exit 2, one line, the folder as it was', () => {
    const card = 'fixtures/cards/fine-print.yaml';
    const log = join(dir, 'fine-print.csv');
    writeFileSync(log, 'kind,id,timestamp,project,api_key,customer_id,model,audio_duration\ntranscript,a,2026-05-03T09:00:00Z,p,k,c,best,3600\ntranscript,b,2026-06-03T09:00:00Z,p,k,c,best,3600\n');
    const out = join(dir, 'fine-print');
    mkdirSync(join(out, 'billing_period=2026-05'), { recursive: true });
    writeFileSync(join(out, 'billing_period=2026-05', 'focus.parquet'), 'the previous May');
    const run = runBinary(['invoice', log, '--rates', card, '--format', 'focus', '--out-dir', out]);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('tallyman: ContractedUnitPrice 0.1234567891 has more than 9 decimals, which the Parquet export\'s DECIMAL(38,9) cannot hold exactly: write the FOCUS export as CSV\n');
    expect(readdirSync(out)).toEqual(['billing_period=2026-05']);
    expect(readdirSync(join(out, 'billing_period=2026-05'))).toEqual(['focus.parquet']);
    expect(readFileSync(join(out, 'billing_period=2026-05', 'focus.parquet'), 'utf8')).toBe('the previous May');
    // As CSV both months are written.
    expect(runBinary(['invoice', log, '--rates', card, '--format', 'focus', '--out-dir', out, '--file-format', 'csv']).status).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['billing_period=2026-05', 'billing_period=2026-06']);
  });
});
