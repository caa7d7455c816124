import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveAccount, type AccountFlags } from '../../src/ledger/account.js';
import { runBalance, type BalanceResult } from '../../src/ledger/index.js';
import { periodFromFlags } from '../../src/pricing/period.js';
import { loadCard } from '../../src/rates/load.js';
import { balanceJson } from '../../src/report/balance.js';
import { Decimal } from '../../src/util/decimal.js';
import { CardError } from '../../src/util/errors.js';
import { TimeZone } from '../../src/util/time.js';

const dir = mkdtempSync(join(tmpdir(), 'tallyman-ledger-'));
let n = 0;
function csv(lines: string[]): string {
  const path = join(dir, `log-${n++}.csv`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

async function balance(paths: string[], flags: AccountFlags, cardName = 'assemblyai', extra: { days?: number; dailySpend?: string; from?: string } = {}): Promise<BalanceResult> {
  const card = loadCard(cardName);
  return runBalance(paths, {
    card, zone: card.timezone, inputZone: TimeZone.of('UTC'), period: periodFromFlags({ from: extra.from }, card.timezone), groupBy: [], map: new Map(),
    skipInvalid: false, allowUnpriced: false, account: await resolveAccount(flags, card), projectionDays: extra.days ?? 0,
    dailySpend: extra.dailySpend === undefined ? undefined : new Decimal(extra.dailySpend),
  });
}

/** Nothing is created or lost: every event moves the balance by its amount, and the totals balance. */
function expectConserved(result: BalanceResult): void {
  const l = result.ledger;
  let previous = l.startBalance;
  for (const e of l.events) {
    expect(e.balance.minus(previous).toString()).toBe(e.amount.toString());
    previous = e.balance;
  }
  const sum = (type: string) => l.events.filter((e) => !e.projected && e.type === type).reduce((s, e) => s.plus(e.amount), new Decimal(0));
  // start + grants + top-ups + autopay = usage + add-ons + expired + end   (usage, add-ons, expired are negative amounts)
  const inflow = l.startBalance.plus(sum('grant')).plus(sum('topup')).plus(sum('autopay'));
  const outflow = sum('usage').negated().plus(sum('addon').negated()).plus(sum('expire').negated()).plus(l.endBalance);
  expect(inflow.toString()).toBe(outflow.toString());
}

// 1 h of universal-2 costs 0.15; 5.00 is 120000 s (33.3 h).
const hour = (id: string, day: string, seconds: number) => `transcript,${id},${day}T09:00:00Z,universal-2,${seconds}`;
const HEAD = 'kind,id,timestamp,model,audio_duration';

describe('prepaid balance and autopay', () => {
  it('the published example: 26 → 21 after a 5.00 charge; below 25 refill to 50 adds 29', async () => {
    const r = await balance([csv([HEAD, hour('a', '2026-05-01', 120000)])], { balance: '26', autopay: '25:50' });
    expect(r.ledger.events.map((e) => [e.type, e.amount.toString(), e.balance.toString()])).toEqual([
      ['usage', '-5', '21'],
      ['autopay', '29', '50'],
    ]);
    expectConserved(r);
  });

  it('autopay is strictly below by default; --autopay-inclusive also fires at the threshold', async () => {
    // 26 − 0.15 × 6⅔ h = 25 exactly: 24000 s × 0.15 / 3600 = 1.00
    const log = csv([HEAD, hour('a', '2026-05-01', 24000)]);
    expect((await balance([log], { balance: '26', autopay: '25:50' })).ledger.events.map((e) => e.type)).toEqual(['usage']);
    expect((await balance([log], { balance: '26', autopay: '25:50', autopayInclusive: true })).ledger.events.map((e) => e.type)).toEqual(['usage', 'autopay']);
  });

  it('without autopay the API blocks at the first instant the balance is 0 or below; later usage is refused', async () => {
    // 2.00 − 1.50 (10 h) = 0.50; − 1.50 = −1.00 → blocked at 2 May 09:00; 3 May's 1.50 is refused
    const r = await balance([csv([HEAD, hour('a', '2026-05-01', 36000), hour('b', '2026-05-02', 36000), hour('c', '2026-05-03', 36000)])], { balance: '2' });
    expect(new Date(r.ledger.blocked!.at).toISOString()).toBe('2026-05-02T09:00:00.000Z');
    expect(r.ledger.blocked!.ref!.line).toBe(3);
    expect([r.ledger.refused.count, r.ledger.refused.amount.toString()]).toEqual([1, '1.5']);
    expect(r.ledger.endBalance.toString()).toBe('-1');
    expectConserved(r);
  });

  it('the projection finds the block date by hand: 2.00 left at 1.50/day blocks on the second day at 08:00', async () => {
    // log: 5.00 − 1.50 − 1.50 = 2.00 on 2 May. Day 1 (3 May): 0.50. Day 2 (4 May): 0.50 of 1.50 is a third of the day → 08:00.
    const r = await balance([csv([HEAD, hour('a', '2026-05-01', 36000), hour('b', '2026-05-02', 36000)])], { balance: '5' }, 'assemblyai', { days: 4 });
    expect(r.ledger.projection.dailySpend.toString()).toBe('1.5');
    expect(r.ledger.projection.entries.map((p) => [p.date, p.balance.toString()])).toEqual([
      ['2026-05-03', '0.5'], ['2026-05-04', '-1'], ['2026-05-05', '-1'], ['2026-05-06', '-1'],
    ]);
    expect(new Date(r.ledger.blocked!.at).toISOString()).toBe('2026-05-04T08:00:00.000Z');
    expect(r.ledger.blocked!.projected).toBe(true);
  });

  it('--daily-spend replaces the log average; the projection shows the next autopay', async () => {
    const r = await balance([csv([HEAD, hour('a', '2026-05-01', 36000)])], { balance: '30', autopay: '25:50' }, 'assemblyai', { days: 3, dailySpend: '2' });
    // 30 − 1.50 = 28.50; 26.50; 24.50 → autopay +25.50 on 3 May
    const json = balanceJson(r);
    expect(json.projection_summary.next_autopay).toEqual({ at: '2026-05-03T00:00:00Z', amount: '25.50' });
  });

  it('the free tier starts with its 50.00 credit and refuses the LLM gateway, reporting it', async () => {
    const r = await balance(['fixtures/quickstart.csv'], { tier: 'free' });
    expect(r.ledger.events[0]).toMatchObject({ type: 'grant' });
    expect(r.ledger.events[0]!.amount.toString()).toBe('50');
    // the LLM call costs 0.36 + 0.12 = 0.48: refused, not charged
    expect([r.ledger.refusedByTier.count, r.ledger.refusedByTier.amount.toString()]).toEqual([1, '0.48']);
    expectConserved(r);
  });
});

describe('monthly credits (credits-example: 1 credit a minute)', () => {
  it('rollover, oldest first, and expiry, by hand (fixtures/ledger/credits.csv)', async () => {
    // May: +600 (until Aug 1) −100 add-on −300 usage → May lot 200
    // Jun: +600 (until Sep 1) −100 add-on (from May) −100 usage (from May) → May 0, Jun 600
    // Jul: +600 −100 (from Jun) → Jun 500;  Aug: May lot expires empty, +600 −100 (Jun 400) −50 usage (Jun 350)
    // Sep 1: Jun lot's 350 expire; +600 −100 (from Jul); Sep 2: −10 → end 490 + 600 + 600 = 1690
    const r = await balance(['fixtures/ledger/credits.csv'], { account: 'fixtures/ledger/account.yaml' }, 'credits-example');
    const json = balanceJson(r);
    expect(json.totals).toEqual({ usage: '-460', grants: '3000', addons: '-500', autopay: '0', topups: '0', expired: '-350' });
    expect(json.end_balance).toBe('1690');
    expect(json.expired_total).toBe('350');
    expectConserved(r);
  });

  it('tops up 10 USD × credits_per_usd when credits run out, as often as it takes', async () => {
    // 100 credits a month; 150 minutes on 10 May → one top-up of 10 × 6 = 60 is not enough (100 + 60 − 150 = 10 > 0, enough)
    const log = csv([HEAD, 'transcript,a,2026-05-10T10:00:00Z,standard,9000']);
    const r = await balance([log], { monthlyCredits: '100', creditsPerUsd: '6' }, 'credits-example');
    expect(r.ledger.events.map((e) => [e.type, e.amount.toString(), e.balance.toString()])).toEqual([
      ['grant', '100', '100'],
      ['topup', '60', '160'],
      ['usage', '-150', '10'],
    ]);
    expectConserved(r);
  });

  it('without top-ups the plan blocks when credits run out', async () => {
    const log = csv([HEAD, 'transcript,a,2026-05-10T10:00:00Z,standard,9000', 'transcript,b,2026-05-11T10:00:00Z,standard,60']);
    const r = await balance([log], { monthlyCredits: '100', topup: '0' }, 'credits-example');
    expect(new Date(r.ledger.blocked!.at).toISOString()).toBe('2026-05-10T10:00:00.000Z');
    expect(r.ledger.refused.count).toBe(1);
  });

  it('a card priced in credits needs credits_per_usd for a top-up, and says so', async () => {
    await expect(balance(['fixtures/ledger/credits.csv'], { monthlyCredits: '100' }, 'credits-example')).rejects.toThrow(/give credits_per_usd/);
  });
});

describe('conservation, as a property', () => {
  it('start + grants + top-ups + autopay = usage + add-ons + expired + end, for any log and account', async () => {
    const row = fc.record({ day: fc.integer({ min: 1, max: 90 }), seconds: fc.integer({ min: 1, max: 40000 }) });
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { minLength: 1, maxLength: 25 }),
        fc.oneof(
          fc.record({ balance: fc.integer({ min: -5, max: 40 }).map(String), autopay: fc.constantFrom(undefined, '5:20', '10:30') }),
          fc.record({ monthlyCredits: fc.integer({ min: 0, max: 500 }).map(String), rollover: fc.constantFrom('0', '1', '2'), creditsPerUsd: fc.constant('6'), topup: fc.constantFrom('0', '10'), addon: fc.constantFrom([], ['x=40']) }),
        ),
        async (rows, flags) => {
          const credits = 'monthlyCredits' in flags;
          const lines = rows.map((r, i) => {
            const date = new Date(Date.UTC(2026, 2, r.day, 12)).toISOString(); // from March: universal-2 is priced from 2026-02-03
            return credits ? `transcript,t${i},${date},standard,${r.seconds}` : `transcript,t${i},${date},universal-2,${r.seconds}`;
          });
          const result = await balance([csv([HEAD, ...lines])], flags as AccountFlags, credits ? 'credits-example' : 'assemblyai', { days: 10 });
          expectConserved(result);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('account files', () => {
  it('are validated like cards, with path and line', async () => {
    const path = join(dir, 'bad-account.yaml');
    writeFileSync(path, 'balance: 20\nautopay:\n  below: -5\n  to: 50\ncolour: red\n');
    const error = await resolveAccount({ account: path }, loadCard('assemblyai')).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(CardError);
    expect((error as Error).message.split('\n').map((l) => l.replace(dir + '/', ''))).toEqual([
      'bad-account.yaml:3: autopay.below: must be a non-negative decimal such as "25"',
      'bad-account.yaml:5: colour: is not a known key (check its spelling)',
    ]);
  });

  it('flags override the file', async () => {
    const account = await resolveAccount({ account: 'fixtures/ledger/account.yaml', monthlyCredits: '700', addon: ['voice-cloning=50', 'kb=10'] }, loadCard('credits-example'));
    expect(account.monthlyCredits!.toString()).toBe('700');
    expect(account.addons.map((a) => `${a.name}=${a.credits}`)).toEqual(['voice-cloning=50', 'kb=10']);
    expect(account.rolloverMonths).toBe(2);
  });
});
