import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import type { CommandName } from './commands.js';
import type { CardName } from './logs.js';

/**
 * The five commands that read a log, each with random flags of its own: periods cut by `--month`
 * or `--from`/`--to` in a `--tz` zone, `--group-by` dimensions, limits low enough for the audit's
 * time-window findings, prepaid accounts with autopay or the free tier and monthly-credit plans
 * (flags or an account file), projections, and a provider's statement made from the log's own
 * invoice, then disturbed (lines dropped, repeated, changed, one for usage the log does not have).
 */
export interface Run {
  command: CommandName;
  flags: string[];
  /** Files the run reads besides the log, written into the case's folder before it runs. */
  account?: object;
  statement?: StatementSpec;
}

export interface StatementSpec {
  /** Chooses per product and model a date, month or whole-period line, and whether add-ons are itemised. */
  seed: number;
  drop: number[];
  bump: number[];
  repeat: number[];
  ghost: boolean;
  json: boolean;
  tolerance: string;
}

const pick = <T>(...values: T[]): fc.Arbitrary<T> => fc.constantFrom(...values);
const flat = (parts: string[][]) => parts.flat();
const opt = (flag: string, value: fc.Arbitrary<string | undefined>) => value.map((v) => (v === undefined ? [] : [flag, v]));
const ZONES = pick(undefined, 'Asia/Kathmandu', 'America/St_Johns', 'Pacific/Kiritimati', 'Asia/Shanghai', 'UTC');
/** How timestamps written without an offset are read (`--input-tz`), and the zone of periods (`--tz`). */
const zones = fc.tuple(opt('--tz', ZONES), opt('--input-tz', pick(undefined, undefined, 'Asia/Kathmandu', 'America/St_Johns'))).map(flat);
const period = fc.oneof(
  fc.constant<string[]>([]),
  pick('2026-07', '2026-08', '2026-09').map((m) => ['--month', m]),
  pick(['--from', '2026-08-01'], ['--to', '2026-08-20'], ['--from', '2026-07-20T18:15:00Z', '--to', '2026-09-02']),
);

const USD: fc.Arbitrary<Pick<Run, 'flags' | 'account'>> = fc.record({
  balance: pick('0.5', '3', '12.25', '40'),
  autopay: pick(undefined, '2:5', '10:30.5'),
  free: fc.boolean(),
  file: fc.boolean(),
}).map(({ balance, autopay, free, file }) => {
  if (file) return { flags: [], account: { balance, ...(autopay ? { autopay: { below: autopay.split(':')[0], to: autopay.split(':')[1] } } : {}), ...(free ? { tier: 'free' } : {}) } };
  return { flags: ['--balance', balance, ...(autopay ? ['--autopay', autopay] : []), ...(free ? ['--tier', 'free'] : [])] };
});

const CREDITS: fc.Arbitrary<Pick<Run, 'flags' | 'account'>> = fc.record({
  monthly: pick('60', '600', '6000'),
  addon: pick(undefined, '25', '100'),
  topup: pick('0', '1', '10'),
  rollover: pick(0, 1, 2),
  file: fc.boolean(),
}).map(({ monthly, addon, topup, rollover, file }) => {
  if (file) return { flags: [], account: { monthly_credits: monthly, ...(addon ? { addons: { 'voice-cloning': addon } } : {}), topup, credits_per_usd: '60', rollover_months: rollover } };
  return { flags: ['--monthly-credits', monthly, ...(addon ? ['--addon', `voice-cloning=${addon}`] : []), '--topup', topup, '--credits-per-usd', '60', '--rollover', String(rollover)] };
});

/** One run of each command on a log priced on `card`. */
export function runsOf(card: CardName): fc.Arbitrary<Run[]> {
  const rates = ['--rates', card];
  const account = card === 'credits-example' ? CREDITS : USD;
  const invoice = fc.tuple(zones, period, fc.subarray(['project', 'api_key', 'customer', 'day', 'month']))
    .map(([tz, p, dims]): Run => ({ command: 'invoice', flags: [...rates, ...tz, ...p, ...(dims.length > 0 ? ['--group-by', dims.join(',')] : [])] }));
  const audit = fc.record({
    tz: zones,
    tier: opt('--tier', pick(undefined, 'free', 'paid')),
    limits: fc.tuple(
      opt('--rate-limit', pick(undefined, '1', '3')),
      opt('--stream-rate', pick(undefined, '1', '2')),
      opt('--concurrency', pick(undefined, '1', '2')),
      opt('--llm-rate-limit', pick(undefined, '1', '2')),
      opt('--idle-ratio', pick(undefined, '1.5', '4')),
      opt('--max-findings', pick(undefined, undefined, '1', '2')),
    ).map(flat),
    account: fc.option(account),
  }).map(({ tz, tier, limits, account: a }): Run => {
    // --tier is the audit's own flag: an account's tier is said by its file alone.
    const accountFlags = a ? a.flags.filter((f, i, all) => f !== '--tier' && all[i - 1] !== '--tier') : [];
    return { command: 'audit', flags: [...rates, ...tz, ...tier, ...limits, ...accountFlags], account: a?.account };
  });
  const balance = fc.tuple(zones, period, account, opt('--days', pick(undefined, '0', '3')), opt('--daily-spend', pick(undefined, '1.5')))
    .map(([tz, p, a, days, spend]): Run => ({ command: 'balance', flags: [...rates, ...tz, ...p, ...a.flags, ...days, ...spend], account: a.account }));
  const reconcile = fc.tuple(zones, period, fc.record({
    seed: fc.nat(),
    drop: fc.array(fc.nat(), { maxLength: 2 }),
    bump: fc.array(fc.nat(), { maxLength: 2 }),
    repeat: fc.array(fc.nat(), { maxLength: 1 }),
    ghost: fc.boolean(),
    json: fc.boolean(),
    tolerance: pick('0.01', '0'),
  })).map(([tz, p, statement]): Run => ({ command: 'reconcile', flags: [...rates, ...tz, ...p, '--tolerance', statement.tolerance], statement }));
  const others = card === 'assemblyai' ? 'tencent-asr' : 'assemblyai';
  const estimate = fc.tuple(zones, pick([card], [card, others]), opt('--period', pick(undefined, 'day', 'month')))
    .map(([tz, cards, p]): Run => ({ command: 'estimate', flags: ['--rates', cards.join(','), ...tz, ...p] }));
  return fc.tuple(invoice, audit, balance, reconcile, estimate);
}

/** The flags a run needs for the files it reads besides the log (an account, a statement), written into `dir`. */
export async function filesOf(run: Run, dir: string, invoiceByDay: () => Promise<string>): Promise<string[]> {
  const flags = [...run.flags];
  if (run.account) {
    const path = join(dir, `${run.command}-account.json`);
    writeFileSync(path, JSON.stringify(run.account));
    flags.push('--account', path);
  }
  if (run.statement) {
    const path = join(dir, `statement.${run.statement.json ? 'json' : 'csv'}`);
    // The invoice by day fails where the run fails alike (an undated record): any statement will do.
    const invoice = await invoiceByDay();
    writeFileSync(path, statementOf(invoice.startsWith('{') ? JSON.parse(invoice) : { lines: [], currency: 'USD' }, run.statement));
    flags.push('--statement', path);
  }
  return flags;
}

interface InvoiceLineJson { product: string; model: string; addon: string | null; token_type: string | null; day: string; amount: string }

/** A provider's statement of the invoice's lines (grouped by day), at the granularity the seed chooses, then disturbed. */
function statementOf(invoice: { lines: InvoiceLineJson[]; currency: string }, spec: StatementSpec): string {
  const choice = (text: string, n: number) => [...text].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, spec.seed) % n;
  const grouped = new Map<string, Record<string, string>>();
  for (const l of invoice.lines) {
    const model = `${l.product}/${l.model}`;
    const when = ['date', 'month', 'period'][choice(model, 3)]!;
    const addon = choice(`${model}+`, 2) === 0 ? (l.addon ?? l.token_type ?? '') : '';
    const line = { product: l.product, model: l.model, addon, ...(when === 'date' ? { date: l.day } : when === 'month' ? { month: l.day.slice(0, 7) } : {}) };
    const key = JSON.stringify(line);
    const entry = grouped.get(key) ?? { ...line, amount: '0' };
    entry.amount = new Decimal(entry.amount!).plus(l.amount).toString();
    grouped.set(key, entry);
  }
  let lines = [...grouped.values()];
  const at = (i: number) => i % Math.max(lines.length, 1);
  lines = lines.filter((_, i) => !spec.drop.some((d) => at(d) === i));
  for (const b of spec.bump) if (lines.length > 0) lines[at(b)]!.amount = new Decimal(lines[at(b)]!.amount!).plus('0.07').toString();
  for (const r of spec.repeat) if (lines.length > 0) lines.push({ ...lines[at(r)]! });
  if (spec.ghost || lines.length === 0) lines.push({ product: invoice.lines[0]?.product ?? 'prerecorded', model: 'ghost-model', addon: '', amount: '1.00' });
  if (spec.json) return JSON.stringify({ lines: lines.map((l) => ({ ...l, currency: invoice.currency })) }, null, 1);
  const columns = ['product', 'model', 'addon', 'date', 'month', 'amount'];
  return `${columns.join(',')}\n${lines.map((l) => columns.map((c) => l[c] ?? '').join(',')).join('\n')}\n`;
}
