import { readFileSync } from 'node:fs';
import { diffDocuments, parseThreshold } from '../diff/index.js';
import { repeatedKey } from '../util/json-keys.js';
import { accountFrom } from '../ledger/account.js';
import { runBalance } from '../ledger/index.js';
import { computeInvoice, type Invoice } from '../engine/index.js';
import { periodFromFlags } from '../pricing/period.js';
import { openCard } from '../rates/open.js';
import { Decimal, formatMoney, parseDecimal } from '../util/decimal.js';
import { parseGroupBy } from '../pricing/group-by.js';
import { reasonOf } from '../util/errors.js';
import { emit } from '../util/output.js';
import { TimeZone } from '../util/time.js';
import type { ConfigFolder } from './folder.js';
import type { CheckPlan, PlannedCase } from './plan.js';

/** The outcome of one case: its total, whether it passed, and what differs when it did not. */
export interface CaseResult {
  name: string;
  passed: boolean;
  updated: boolean;
  total: string;
  currency: string;
  failures: string[];
}

/**
 * Runs every case of a plan from the config file's folder, so that paths in the invoices (and so the
 * golden files) are the same whatever folder CI runs from. A plan made for `--update` rewrites the
 * golden files (each written whole, or not at all) instead of comparing them. `renderInvoice` writes
 * an invoice as the golden files hold it (the JSON report).
 */
export async function runCheck(plan: CheckPlan, renderInvoice: (invoice: Invoice) => string): Promise<CaseResult[]> {
  const home = process.cwd();
  process.chdir(plan.folder.path);
  try {
    const results: CaseResult[] = [];
    for (const planned of plan.cases) results.push(await runCase(planned, plan.folder, renderInvoice));
    return results;
  } finally {
    process.chdir(home);
  }
}

async function runCase(planned: PlannedCase, folder: ConfigFolder, renderInvoice: (invoice: Invoice) => string): Promise<CaseResult> {
  const { case: c, what } = planned;
  const card = await openCard(planned.card, folder.path, (path) => folder.allows(path, `${what} card`));
  const zone = c.tz ? TimeZone.of(c.tz) : card.timezone;
  const options = {
    card, zone, inputZone: TimeZone.of(c.input_tz ?? 'UTC'), period: periodFromFlags(c, zone),
    groupBy: parseGroupBy(c.group_by), map: new Map(), skipInvalid: false, allowUnpriced: false,
  };
  const failures: string[] = [];
  let invoice;
  if (c.account) {
    const result = await runBalance(c.usage, { ...options, account: accountFrom(c.account, {}, card), projectionDays: 0, dailySpend: undefined });
    invoice = result.invoice;
    if (result.ledger.blocked) failures.push(`the account's balance reaches 0 at ${new Date(result.ledger.blocked.at).toISOString()}: requests after it would be refused`);
  } else {
    invoice = await computeInvoice(c.usage, options);
  }
  const scale = card.rounding.scale;
  const json = renderInvoice(invoice);
  const expect = typeof c.expect === 'string' ? { golden: c.expect } : c.expect;
  let updated = false;
  const golden = planned.golden;
  if (golden !== undefined) {
    if ('write' in golden) {
      // An existing golden that cannot be read or is not JSON is written again too.
      if (!holdsText(golden.write, json)) {
        await emit(json, golden.write);
        updated = true;
      }
    } else if (golden.read === undefined) {
      failures.push(`golden file ${golden.named} does not exist (run with --update to write it)`);
    } else {
      const { text, old } = readGolden(golden.read, folder, what, golden.named);
      if (expect.max_increase === undefined && text !== json) failures.push(...goldenDifference(text, old, json, golden.named));
      if (expect.max_increase !== undefined) {
        const diff = diffDocuments(old, golden.named, JSON.parse(json), c.name, parseThreshold(expect.max_increase));
        const t = diff.comparisons[0]!.total;
        if (diff.failed) failures.push(`the total grew from ${t.old.toFixed(scale)} to ${t.new.toFixed(scale)} (${t.percent === null ? 'from zero' : `+${t.percent.toString()}%`}), more than max_increase ${expect.max_increase}`);
      }
    }
  }
  if (expect.total !== undefined && !invoice.total.equals(parseDecimal(expect.total)!)) {
    failures.push(`total ${formatMoney(invoice.total, scale)} ${card.currency}, expected ${expect.total}`);
  }
  if (expect.max_total !== undefined && invoice.total.greaterThan(new Decimal(expect.max_total))) {
    failures.push(`total ${formatMoney(invoice.total, scale)} ${card.currency} is over max_total ${expect.max_total}`);
  }
  return { name: c.name, passed: failures.length === 0, updated, total: formatMoney(invoice.total, scale), currency: card.currency, failures };
}

/** Whether a file holds exactly this text (false when it cannot be read: `--update` writes it again). */
function holdsText(path: string, text: string): boolean {
  try {
    return readFileSync(path, 'utf8') === text;
  } catch {
    return false;
  }
}

/**
 * A golden file's text and JSON (the plan checked that it is a regular file in the config's folder).
 * One that cannot be read or is not JSON is one line naming it, never showing what it holds.
 */
function readGolden(path: string, folder: ConfigFolder, what: string, named: string): { text: string; old: unknown } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw folder.problem(`${what} golden`, named, `cannot be read (${reasonOf(error)}); run tallyman check --update to write it again`);
  }
  let old: unknown;
  try {
    old = JSON.parse(text);
  } catch {
    throw folder.problem(`${what} golden`, named, 'is not JSON (an invoice that tallyman check --update writes): restore it, or run tallyman check --update to write it again');
  }
  const repeated = repeatedKey(text, old);
  if (repeated) throw folder.problem(`${what} golden`, named, `gives ${repeated.path} twice in one object (line ${repeated.line}): restore it, or run tallyman check --update to write it again`);
  return { text, old };
}

/** The invoice lines that differ, and else the first differing lines of the JSON text. */
function goldenDifference(golden: string, old: unknown, json: string, path: string): string[] {
  const out: string[] = [`differs from ${path}:`];
  const diff = diffDocuments(old, path, JSON.parse(json), 'now', undefined);
  for (const l of diff.comparisons[0]!.lines) {
    if (l.status === 'unchanged') continue;
    const name = [l.fields.product, l.fields.model, l.fields.addon ?? l.fields.token_type, l.fields.tier].filter(Boolean).join(' · ');
    out.push(`  ${l.status} ${name}: ${l.old?.toString() ?? '—'} → ${l.new?.toString() ?? '—'}`);
  }
  const t = diff.comparisons[0]!.total;
  if (!t.change.isZero()) out.push(`  total: ${t.old.toString()} → ${t.new.toString()}`);
  if (out.length === 1) {
    const a = golden.split('\n');
    const b = json.split('\n');
    const at = a.findIndex((line, i) => line !== b[i]);
    for (let i = at; i < Math.min(at + 3, Math.max(a.length, b.length)); i++) {
      if (a[i] !== undefined) out.push(`  - ${a[i]!.trim()}`);
      if (b[i] !== undefined) out.push(`  + ${b[i]!.trim()}`);
    }
  }
  return out;
}
