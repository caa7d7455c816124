import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { runAudit, type AuditResult } from '../../src/audit/index.js';
import { diffDocuments, type DiffResult } from '../../src/diff/index.js';
import { computeInvoice, type Invoice } from '../../src/engine/index.js';
import { resolveAccount } from '../../src/ledger/account.js';
import { runBalance, type BalanceResult } from '../../src/ledger/index.js';
import { periodFromFlags } from '../../src/pricing/period.js';
import { loadCard } from '../../src/rates/load.js';
import { reconcile, type ReconcileResult } from '../../src/reconcile/index.js';
import { renderer, type ReportCommand, type Results } from '../../src/report/index.js';
import { invoiceJson } from '../../src/report/invoice.js';
import { Decimal } from '../../src/util/decimal.js';
import { TimeZone } from '../../src/util/time.js';

/**
 * Rendering is linear in the lines rendered (issue 14): an invoice table of 60,000 lines took 26
 * minutes through cli-table3's layout, its markdown asked for every line whether any line had a
 * tier, and 130,000 values spread into one call overflow the stack. Results here are synthetic:
 * a fixture's result with its lines repeated under new names.
 */

const plain = new Chalk({ level: 0 });
const card = loadCard('assemblyai');
const options = { card, zone: card.timezone, inputZone: TimeZone.of('UTC'), period: periodFromFlags({}, card.timezone), map: new Map(), skipInvalid: false, allowUnpriced: false };

/** fixtures/quickstart.csv by customer (7 lines in 3 products), its lines repeated to `n`, each for a customer of its own. */
async function bigInvoice(n: number): Promise<Invoice> {
  const invoice = await computeInvoice(['fixtures/quickstart.csv'], { ...options, groupBy: ['customer'], daily: true });
  return grow(invoice, (lines) => ({ ...invoice, lines }), 'lines', n, (line, i) => ({ ...line, dims: [`cust-${i}`] }));
}

/** A copy of `result` whose list `key` has `n` items: its own, repeated, each changed by `name`. */
function grow<R, T>(result: R, make: (items: T[]) => R, key: keyof R, n: number, name: (item: T, i: number) => T): R {
  const items = result[key] as T[];
  return make(Array.from({ length: n }, (_, i) => name(items[i % items.length]!, i)));
}

async function bigBalance(n: number): Promise<BalanceResult> {
  const result = await runBalance(['fixtures/ledger/prepaid.csv'], { ...options, groupBy: [], account: await resolveAccount({ balance: '30', autopay: '25:50', addon: [] }, card), projectionDays: 30, dailySpend: undefined });
  const events = result.ledger.events.filter((e) => !e.projected);
  const start = events[0]!.at;
  return { ...result, ledger: { ...result.ledger, events: Array.from({ length: n }, (_, i) => ({ ...events[i % events.length]!, at: start + i * 60_000 })) } };
}

async function bigAudit(n: number): Promise<AuditResult> {
  const result = await runAudit(['fixtures/audit/streams.csv'], { ...options, groupBy: [], tier: 'paid', idleRatio: 2, limits: {}, keepPerCode: 1000 });
  return grow(result, (findings) => ({ ...result, findings }), 'findings', n, (f, i) => ({ ...f, id: `stream-${i}` }));
}

async function bigReconcile(n: number): Promise<ReconcileResult> {
  const result = await reconcile(['fixtures/quickstart.csv'], 'fixtures/reconcile/statement.csv', { ...options, groupBy: [] }, new Decimal('0.01'));
  return grow(result, (lines) => ({ ...result, lines }), 'lines', n, (l, i) => ({ ...l, model: `${l.model}-${i}` }));
}

/** Two invoices of `n` lines each whose every line changed by a cent. */
async function bigDiff(n: number): Promise<DiffResult> {
  const before = invoiceJson(await bigInvoice(n)) as { lines: { amount: string }[] };
  const after = { ...before, lines: before.lines.map((l) => ({ ...l, amount: new Decimal(l.amount).plus('0.01').toFixed(2) })) };
  return diffDocuments(before, 'before.json', after, 'after.json', undefined);
}

async function render<C extends ReportCommand>(command: C, format: string, result: Results[C]): Promise<string> {
  return (await renderer(command, format))(result, plain);
}

/** A rendering and the CPU seconds it took (CPU, not wall time: the machine may be shared). */
async function timed<C extends ReportCommand>(command: C, format: string, result: Results[C]): Promise<{ text: string; seconds: number }> {
  const draw = await renderer(command, format);
  const start = process.cpuUsage();
  const text = draw(result, plain);
  const used = process.cpuUsage(start);
  return { text, seconds: (used.user + used.system) / 1e6 };
}

/** CPU seconds of the fastest of `runs` renderings. */
async function cpuSeconds<C extends ReportCommand>(command: C, format: string, result: Results[C], runs = 1): Promise<number> {
  let best = Infinity;
  for (let r = 0; r < runs; r++) best = Math.min(best, (await timed(command, format, result)).seconds);
  return best;
}

/** What a ratio bound allows beyond twice the JSON's time: a collection of the heap, a busy moment. */
const FLOOR = 0.1;

const lineCount = (text: string) => text.split('\n').length;

describe('rendering large results', () => {
  it('draws an invoice of 200,000 lines as a table, markdown and HTML, a line of text for each, each within twice the time of its JSON', async () => {
    const small = await bigInvoice(7);
    const big = await bigInvoice(200_000);
    const json = await cpuSeconds('invoice', 'json', big);
    for (const format of ['table', 'markdown', 'html']) {
      const { text, seconds } = await timed('invoice', format, big);
      // Every invoice line is one line of text; the rest of the page is that of the 7-line invoice.
      expect(lineCount(text) - lineCount(await render('invoice', format, small)), format).toBe(200_000 - 7);
      expect(text, format).toContain('cust-199999');
      expect(seconds, `${format}: ${seconds.toFixed(2)} s, JSON ${json.toFixed(2)} s`).toBeLessThanOrEqual(2 * json + FLOOR);
    }
  }, 90_000); // about 16 s alone; the limit leaves room for a machine shared with other work

  it('renders the long lists of the other commands within twice the time of their JSON (5,000 lines)', async () => {
    const n = 5_000;
    const cases: { command: ReportCommand; result: Results[ReportCommand]; formats: string[] }[] = [
      { command: 'balance', result: await bigBalance(n), formats: ['table', 'markdown', 'html'] },
      { command: 'audit', result: await bigAudit(n), formats: ['html'] },
      { command: 'reconcile', result: await bigReconcile(n), formats: ['table', 'markdown'] },
      { command: 'diff', result: await bigDiff(n), formats: ['table', 'markdown'] },
    ];
    for (const { command, result, formats } of cases) {
      const json = await cpuSeconds(command, 'json', result, 2);
      for (const format of formats) {
        const seconds = await cpuSeconds(command, format, result, 2);
        expect(seconds, `${command} ${format}: ${seconds.toFixed(2)} s, JSON ${json.toFixed(2)} s`).toBeLessThanOrEqual(2 * json + FLOOR);
      }
    }
  });
});
