import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { diffDocuments, parseReport, parseThreshold } from '../diff/index.js';
import { accountFrom } from '../ledger/account.js';
import { runBalance } from '../ledger/index.js';
import { computeInvoice, type Invoice } from '../engine/index.js';
import { periodFromFlags } from '../pricing/period.js';
import { openCard } from '../rates/open.js';
import { Decimal, formatMoney, parseDecimal } from '../util/decimal.js';
import { parseGroupBy } from '../pricing/group-by.js';
import { TimeZone } from '../util/time.js';
import type { CheckCase, CheckConfig } from './config.js';

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
 * Runs every case from the config file's folder, so that paths in the invoices (and so the golden
 * files) are the same whatever folder CI runs from. `update` rewrites golden files instead of
 * comparing them. `renderInvoice` writes an invoice as the golden files hold it (the JSON report).
 */
export async function runCheck(config: CheckConfig, configPath: string, update: boolean, renderInvoice: (invoice: Invoice) => string): Promise<CaseResult[]> {
  const home = process.cwd();
  process.chdir(dirname(resolve(configPath)));
  try {
    const results: CaseResult[] = [];
    for (const c of config.cases) results.push(await runCase(c, update, renderInvoice));
    return results;
  } finally {
    process.chdir(home);
  }
}

async function runCase(c: CheckCase, update: boolean, renderInvoice: (invoice: Invoice) => string): Promise<CaseResult> {
  const card = await openCard(c.rates ?? 'assemblyai');
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
  if (expect.golden !== undefined) {
    if (update) {
      if (!existsSync(expect.golden) || readFileSync(expect.golden, 'utf8') !== json) {
        writeFileSync(expect.golden, json);
        updated = true;
      }
    } else if (!existsSync(expect.golden)) {
      failures.push(`golden file ${expect.golden} does not exist (run with --update to write it)`);
    } else {
      const golden = readFileSync(expect.golden, 'utf8');
      if (expect.max_increase === undefined && golden !== json) failures.push(...goldenDifference(golden, json, expect.golden));
      if (expect.max_increase !== undefined) {
        const diff = diffDocuments(parseReport(golden, expect.golden), expect.golden, JSON.parse(json), c.name, parseThreshold(expect.max_increase));
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

/** The invoice lines that differ, and else the first differing lines of the JSON text. */
function goldenDifference(golden: string, json: string, path: string): string[] {
  const out: string[] = [`differs from ${path}:`];
  const diff = diffDocuments(parseReport(golden, path), path, JSON.parse(json), 'now', undefined);
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
