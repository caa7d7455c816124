import { Decimal, parseDecimal } from '../util/decimal.js';
import { InputError, type SourceRef } from '../util/errors.js';
import { readDay } from '../util/time.js';
import { readCsvRows } from './csv.js';
import { decodeUtf8 } from './decode.js';
import { readJsonDocument } from './json.js';
import { logExtension, openBytes } from './open.js';
import { MAPPED_FIELDS, sniffStatementMap, type StatementMap } from './statement-map.js';

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
  /** Seconds in one unit of `quantity`, where a mapped export names its unit (undefined: the card's unit). */
  unitSeconds: Decimal | undefined;
  source: SourceRef;
}

/** A statement's lines, the rows a statement map passed over (other products), and the map read by. */
export interface Statement {
  lines: StatementLine[];
  passedOver: number;
  map: string | undefined;
}

const FIELDS = ['product', 'model', 'addon', 'date', 'month', 'quantity', 'amount', 'currency'] as const;

/**
 * Reads a statement (CSV with a header, or a JSON array / `{ "lines": [...] }`), every value
 * strictly: in tallyman's own shape, through `map`, or (a CSV whose header is Tencent Cloud's bill
 * detail) through the built-in map of that export.
 */
export async function readStatement(path: string, map?: StatementMap): Promise<Statement> {
  const text = decodeUtf8(await openBytes(path), path);
  const rows: { fields: Record<string, string>; source: SourceRef }[] = [];
  let header: string[] | undefined;
  if (logExtension(path) === '.json') {
    for await (const item of readJsonDocument(text, path)) {
      const source = { file: path, line: item.line, index: item.index };
      const value = item.value as Record<string, unknown>;
      const list = item.index === undefined && Array.isArray(value?.lines) ? (value.lines as unknown[]) : [value];
      list.forEach((row, i) => rows.push({ fields: asFields(row, { ...source, index: item.index ?? i }), source: { ...source, index: item.index ?? i } }));
    }
  } else {
    for await (const chunk of readCsvRows(text, path)) for (const row of chunk) {
      if (!header) {
        header = row.values.map((h) => h.trim());
        const repeated = header.find((h, i) => h !== '' && header!.indexOf(h) !== i);
        if (repeated !== undefined) throw new InputError({ file: path, line: row.line }, repeated, 'is a duplicate column name', 'each column may appear once');
        continue;
      }
      rows.push({ fields: Object.fromEntries(header.map((h, i) => [h, row.values[i] ?? ''])), source: { file: path, line: row.line } });
    }
  }
  const applied = map ?? (header === undefined ? undefined : sniffStatementMap(header));
  if (applied !== undefined) return mapped(rows, applied, header, path);
  if (header !== undefined) {
    for (const required of ['product', 'model', 'amount']) {
      if (!header.includes(required)) throw new InputError({ file: path, line: 1 }, required, 'is not a column', 'a statement has product, model and amount (addon, date or month, quantity optional); another provider\'s export needs --statement-map');
    }
  }
  const own = (fields: Record<string, string>) => Object.fromEntries(Object.entries(fields).filter(([k]) => (FIELDS as readonly string[]).includes(k)));
  return { lines: rows.map((r) => statementLine(own(r.fields), r.source)), passedOver: 0, map: undefined };
}

/** Rows through a statement map: the rows it reads (`only`), each field from its column, names turned into the card's. */
function mapped(rows: readonly { fields: Record<string, string>; source: SourceRef }[], map: StatementMap, header: readonly string[] | undefined, path: string): Statement {
  if (header !== undefined) {
    for (const column of [...Object.values(map.columns), ...Object.keys(map.only)]) {
      if (!header.includes(column)) throw new InputError({ file: path, line: 1 }, column, `is not a column, and the statement map (${map.name}) reads it`, 'check the export, or the map\'s column names');
    }
  }
  const lines: StatementLine[] = [];
  let passedOver = 0;
  for (const { fields, source } of rows) {
    if (Object.entries(map.only).some(([column, accepted]) => !accepted.includes((fields[column] ?? '').trim()))) {
      passedOver++;
      continue;
    }
    const out: Record<string, string> = {};
    for (const field of MAPPED_FIELDS) {
      const column = map.columns[field];
      if (column === undefined) continue;
      const value = (fields[column] ?? '').trim();
      const names = field === 'product' || field === 'model' || field === 'addon' ? map.values[field] : undefined;
      out[field] = names?.[value] ?? value;
    }
    // A usage start written as a timestamp: its date, as written (in the provider's zone).
    const day = /^(\d{4}-\d{2}-\d{2})[ T]\d/.exec(out.date ?? '');
    if (day) out.date = day[1]!;
    const line = statementLine(out, source);
    const unit = out.unit;
    if (unit !== undefined && unit !== '') {
      const seconds = map.units[unit.toLowerCase()];
      if (seconds === undefined) throw new InputError(source, map.columns.unit!, `"${unit}" is not a unit the statement map knows (${Object.keys(map.units).join(', ')})`, 'add it to the map\'s units with its seconds');
      if (seconds !== 'card') line.unitSeconds = new Decimal(seconds);
    }
    lines.push(line);
  }
  return { lines, passedOver, map: map.name };
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
    unitSeconds: undefined,
    source,
  };
}
