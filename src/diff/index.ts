import { readFileSync, statSync } from 'node:fs';
import { Decimal, parseDecimal } from '../util/decimal.js';
import { InputError, UsageError } from '../util/errors.js';
import { repeatedKey } from '../util/json-keys.js';

/** The fields that name a line, in order; prices and versions are not among them, so a price change is a change. */
const KEY_FIELDS = ['product', 'model', 'addon', 'token_type', 'tier'] as const;

/** One card's lines read back from a tallyman JSON report. */
interface Sheet {
  card: string;
  currency: string;
  dims: string[];
  lines: Map<string, { fields: Record<string, string | null>; amount: Decimal }>;
  total: Decimal;
}

export type LineStatus = 'added' | 'removed' | 'changed' | 'unchanged';

export interface LineDiff {
  fields: Record<string, string | null>;
  old: Decimal | null;
  new: Decimal | null;
  change: Decimal;
  /** Change over the old amount in percent; null when there was none. */
  percent: Decimal | null;
  status: LineStatus;
}

export interface Comparison {
  oldCard: string;
  newCard: string;
  currency: string;
  dims: string[];
  lines: LineDiff[];
  total: { old: Decimal; new: Decimal; change: Decimal; percent: Decimal | null };
}

/** `--fail-above`: an amount or a percentage the total may grow by. */
export type Threshold = { type: 'amount'; value: Decimal } | { type: 'percent'; value: Decimal };

export interface DiffResult {
  oldPath: string;
  newPath: string;
  comparisons: Comparison[];
  threshold: Threshold | undefined;
  failed: boolean;
}

/** Parses `12.50` or `5%`. */
export function parseThreshold(text: string): Threshold {
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (percent) return { type: 'percent', value: new Decimal(percent[1]!) };
  const amount = parseDecimal(text);
  if (amount && !amount.isNegative()) return { type: 'amount', value: amount };
  throw new UsageError(`--fail-above "${text}" is not an amount (12.50) or a percentage (5%)`);
}

/**
 * Compares two tallyman JSON report files (invoices or estimates), card by card and line by line;
 * either (not both) may be `-`, standard input.
 */
export async function diffReports(oldPath: string, newPath: string, threshold: Threshold | undefined): Promise<DiffResult> {
  if (oldPath === '-' && newPath === '-') throw new UsageError('only one of the two reports can be standard input (-)');
  const read = async (path: string): Promise<unknown> => (path === '-' ? parseReport(await readStdin(), STDIN) : readReport(path));
  return diffDocuments(await read(oldPath), nameOf(oldPath), await read(newPath), nameOf(newPath), threshold);
}

const STDIN = '<stdin>';
const nameOf = (path: string): string => (path === '-' ? STDIN : path);

/** Standard input, whole, as UTF-8 text. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Compares two parsed reports; the names are for messages. */
export function diffDocuments(oldDoc: unknown, oldPath: string, newDoc: unknown, newPath: string, threshold: Threshold | undefined): DiffResult {
  const before = sheetsOf(oldDoc, oldPath);
  const after = sheetsOf(newDoc, newPath);
  const pairs: [Sheet, Sheet][] =
    before.length === 1 && after.length === 1
      ? [[before[0]!, after[0]!]]
      : after.flatMap((n) => {
          const o = before.find((b) => b.card === n.card);
          return o ? [[o, n] as [Sheet, Sheet]] : [];
        });
  if (pairs.length === 0) throw new UsageError(`${oldPath} and ${newPath} share no card to compare`);
  const comparisons = pairs.map(([o, n]) => compare(o, n));
  const failed = threshold !== undefined && comparisons.some((c) => exceeds(c, threshold));
  return { oldPath, newPath, comparisons, threshold, failed };
}

function exceeds(c: Comparison, threshold: Threshold): boolean {
  if (threshold.type === 'amount') return c.total.change.greaterThan(threshold.value);
  if (c.total.old.isZero()) return c.total.new.greaterThan(0);
  return c.total.percent!.greaterThan(threshold.value);
}

function compare(o: Sheet, n: Sheet): Comparison {
  // The new report's order, then what only the old one had, in its order.
  const keys = [...new Set([...n.lines.keys(), ...o.lines.keys()])];
  const lines = keys.map((key): LineDiff => {
    const a = o.lines.get(key);
    const b = n.lines.get(key);
    const oldAmount = a?.amount ?? null;
    const newAmount = b?.amount ?? null;
    const change = (newAmount ?? new Decimal(0)).minus(oldAmount ?? new Decimal(0));
    const status: LineStatus = !a ? 'added' : !b ? 'removed' : change.isZero() ? 'unchanged' : 'changed';
    return { fields: (b ?? a)!.fields, old: oldAmount, new: newAmount, change, percent: percentOf(change, oldAmount), status };
  });
  const change = n.total.minus(o.total);
  return {
    oldCard: o.card, newCard: n.card, currency: n.currency, dims: [...new Set([...o.dims, ...n.dims])], lines,
    total: { old: o.total, new: n.total, change, percent: percentOf(change, o.total) },
  };
}

function percentOf(change: Decimal, base: Decimal | null): Decimal | null {
  if (base === null || base.isZero()) return null;
  return change.dividedBy(base).times(100).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
}

const REPORT_HINT = 'give the --format json output of tallyman invoice or estimate';

/** Reads a JSON report file (a regular file: a pipe or a device is refused, never read for ever). */
export function readReport(path: string): unknown {
  let text: string;
  try {
    if (!statSync(path).isFile()) throw new UsageError(`${path} is not a regular file (${REPORT_HINT})`);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  return parseReport(text, path);
}

/** A report's JSON text, strictly: text that is not JSON, or an object that gives a key twice, is an error naming the file. */
export function parseReport(text: string, path: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError({ file: path, line: 1 }, undefined, `is not JSON (${(error as Error).message})`, REPORT_HINT);
  }
  const repeated = repeatedKey(text, value);
  if (repeated) throw new InputError({ file: path, line: repeated.line }, repeated.path, 'is given twice in one object', REPORT_HINT);
  return value;
}

/** An invoice (one sheet) or an estimate (one sheet per card); anything else is an error naming the file. */
function sheetsOf(doc: unknown, path: string): Sheet[] {
  const bad = (problem: string): never => {
    throw new InputError({ file: path, line: 1 }, undefined, problem, 'give the --format json output of tallyman invoice or estimate');
  };
  const report = doc as Record<string, unknown>;
  if (typeof report !== 'object' || report === null || report.schema_version !== 1) bad('is not a tallyman report (schema_version 1)');
  if (report.command === 'invoice') {
    const card = report.card as { name?: string } | undefined;
    return [sheet(card?.name ?? '?', String(report.currency), (report.group_by as string[] | undefined) ?? [], report.lines, report.total, bad)];
  }
  if (report.command === 'estimate' && Array.isArray(report.estimates)) {
    return (report.estimates as Record<string, unknown>[]).map((e) => sheet(String(e.card), String(e.currency), [], e.lines, e.total, bad));
  }
  return bad(`is a tallyman ${String(report.command)} report; diff compares invoices and estimates`);
}

function sheet(card: string, currency: string, dims: string[], rawLines: unknown, rawTotal: unknown, bad: (p: string) => never): Sheet {
  if (!Array.isArray(rawLines)) bad('has no lines');
  const money = (value: unknown, where: string): Decimal => (typeof value === 'string' ? parseDecimal(value) : undefined) ?? bad(`${where} is not a decimal amount`);
  const lines = new Map<string, { fields: Record<string, string | null>; amount: Decimal }>();
  (rawLines as Record<string, unknown>[]).forEach((line, i) => {
    const fields: Record<string, string | null> = {};
    for (const f of [...KEY_FIELDS, ...dims]) fields[f] = line[f] === null || line[f] === undefined ? null : String(line[f]);
    const key = [...KEY_FIELDS, ...dims].map((f) => fields[f] ?? '').join('\u0000');
    const amount = money(line.amount, `lines[${i}].amount`);
    const existing = lines.get(key);
    if (existing) existing.amount = existing.amount.plus(amount);
    else lines.set(key, { fields, amount });
  });
  return { card, currency, dims, lines, total: money(rawTotal, 'total') };
}
