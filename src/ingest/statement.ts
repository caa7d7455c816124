import { parseDecimal, type Decimal } from '../util/decimal.js';
import { InputError, type SourceRef } from '../util/errors.js';
import { readDay } from '../util/time.js';
import { readCsvRows } from './csv.js';
import { decodeUtf8 } from './decode.js';
import { readJsonDocument } from './json.js';
import { logExtension, openBytes } from './open.js';

/** One line of a provider's statement. */
export interface StatementLine {
  product: string;
  model: string;
  addon: string | undefined;
  date: string | undefined;
  month: string | undefined;
  quantity: Decimal | undefined;
  amount: Decimal;
  /** The currency the line is billed in, when the statement says (upper case). */
  currency: string | undefined;
  source: SourceRef;
}

const FIELDS = ['product', 'model', 'addon', 'date', 'month', 'quantity', 'amount', 'currency'] as const;

/** Reads a statement (CSV with a header, or a JSON array / `{ "lines": [...] }`), every value strictly. */
export async function readStatement(path: string): Promise<StatementLine[]> {
  const text = decodeUtf8(await openBytes(path), path);
  const lines: StatementLine[] = [];
  if (logExtension(path) === '.json') {
    for await (const item of readJsonDocument(text, path)) {
      const source = { file: path, line: item.line, index: item.index };
      const value = item.value as Record<string, unknown>;
      const rows = item.index === undefined && Array.isArray(value?.lines) ? (value.lines as unknown[]) : [value];
      rows.forEach((row, i) => lines.push(statementLine(asFields(row, { ...source, index: item.index ?? i }), { ...source, index: item.index ?? i })));
    }
    return lines;
  }
  let header: string[] | undefined;
  for await (const rows of readCsvRows(text, path)) for (const row of rows) {
    if (!header) {
      header = row.values.map((h) => h.trim());
      const repeated = header.find((h, i) => h !== '' && header!.indexOf(h) !== i);
      if (repeated !== undefined) throw new InputError({ file: path, line: row.line }, repeated, 'is a duplicate column name', 'each column may appear once');
      for (const required of ['product', 'model', 'amount']) {
        if (!header.includes(required)) throw new InputError({ file: path, line: 1 }, required, 'is not a column', 'a statement has product, model and amount (addon, date or month, quantity optional)');
      }
      continue;
    }
    const fields: Record<string, string> = {};
    header.forEach((h, i) => {
      if ((FIELDS as readonly string[]).includes(h)) fields[h] = row.values[i] ?? '';
    });
    lines.push(statementLine(fields, { file: path, line: row.line }));
  }
  return lines;
}

function asFields(value: unknown, source: SourceRef): Record<string, string> {
  if (typeof value !== 'object' || value === null) throw new InputError(source, undefined, 'is not an object', 'each statement line is an object');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'number' && !Number.isFinite(v)) throw new InputError(source, k, 'is not a finite number');
    out[k] = String(v);
  }
  return out;
}

function statementLine(fields: Record<string, string>, source: SourceRef): StatementLine {
  const get = (name: string): string | undefined => {
    const v = fields[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const fail = (field: string, problem: string, hint?: string): never => {
    throw new InputError(source, field, problem, hint);
  };
  const amountText = get('amount') ?? fail('amount', 'is missing');
  const amount = parseDecimal(amountText) ?? fail('amount', `"${amountText}" is not a decimal amount`, 'write e.g. 12.50');
  const quantityText = get('quantity');
  const quantity = quantityText === undefined ? undefined : (parseDecimal(quantityText) ?? fail('quantity', `"${quantityText}" is not a decimal quantity`));
  const date = get('date');
  if (date !== undefined && Number.isNaN(readDay(date))) fail('date', `"${date}" is not a date`, 'write YYYY-MM-DD');
  const month = get('month');
  if (month !== undefined && (!/^\d{4}-\d{2}$/.test(month) || Number.isNaN(readDay(`${month}-01`)))) fail('month', `"${month}" is not a month`, 'write YYYY-MM');
  if (date !== undefined && month !== undefined) fail('month', 'is given with date', 'a line covers a date or a month, not both');
  return {
    product: get('product') ?? fail('product', 'is missing'),
    model: get('model') ?? fail('model', 'is missing'),
    addon: get('addon'),
    date,
    month,
    quantity,
    amount,
    currency: get('currency')?.toUpperCase(),
    source,
  };
}
