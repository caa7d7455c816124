import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Account } from '../../src/ledger/account.js';
import { LedgerCollector } from '../../src/ledger/collector.js';
import { replay, type Ledger } from '../../src/ledger/replay.js';
import { loadCard } from '../../src/rates/load.js';
import { Decimal } from '../../src/util/decimal.js';
import { TimeZone } from '../../src/util/time.js';

const T0 = Date.UTC(2026, 4, 30, 20);
const HOUR = 3_600_000;

/** A collector of records (cents of rate 0, a gap in hours after the one before, refused by the free tier or not). */
function collector(records: { cents: number; gap: number; refused: boolean }[]): LedgerCollector {
  const c = new LedgerCollector('free');
  c.rates.of('0\u0000prerecorded\u0000universal-2\u0000usage');
  c.fileNames.of('log.csv');
  let at = T0;
  for (const [i, r] of records.entries()) {
    at += r.gap * HOUR;
    c.completed.push(at);
    c.firstItem.push(i);
    c.shape.push(1 | (r.refused ? 0x8000 : 0));
    c.files.push(0);
    c.lines.push(i + 2);
    c.itemRate.push(0);
    c.itemQuantity.push(r.cents);
  }
  c.first = T0 + records[0]!.gap * HOUR;
  c.last = at;
  return c;
}

const plain = (l: Ledger) => JSON.parse(JSON.stringify(l)) as unknown;

describe('usage between rules is summed, and the ledger is the one of record by record', () => {
  it('for any records, prepaid (with or without autopay) or monthly credits (top-ups, add-ons), records tied at an instant', () => {
    const card = loadCard('assemblyai');
    const record = fc.record({
      // Mostly cents; now and then a record past 2^53 ledger units (over 9,007.20), which the book takes in BigInt.
      cents: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 0, max: 900 }) }, { weight: 1, arbitrary: fc.constant(1_000_000) }),
      gap: fc.constantFrom(0, 0, 1, 5, 30, 200),
      refused: fc.boolean(),
    });
    const prepaid = fc.record({
      balance: fc.integer({ min: -5, max: 400 }),
      autopay: fc.option(fc.record({ below: fc.integer({ min: 0, max: 50 }), more: fc.integer({ min: 0, max: 100 }), inclusive: fc.boolean() }), { nil: undefined }),
    }).map(({ balance, autopay }): Account => ({
      balance: new Decimal(balance), tier: 'free', freeCredits: new Decimal(0), rolloverMonths: 0, addons: [], topupUsd: new Decimal(0), creditsPerUsd: undefined, monthlyCredits: undefined,
      autopay: autopay && { below: new Decimal(autopay.below), to: new Decimal(autopay.below + autopay.more), inclusive: autopay.inclusive },
    }));
    const credits = fc.record({ monthly: fc.integer({ min: 0, max: 300 }), rollover: fc.integer({ min: 0, max: 2 }), topup: fc.constantFrom(0, 10), addon: fc.constantFrom(0, 40) })
      .map(({ monthly, rollover, topup, addon }): Account => ({
        balance: new Decimal(0), tier: 'free', freeCredits: new Decimal(0), autopay: undefined, monthlyCredits: new Decimal(monthly), rolloverMonths: rollover,
        addons: addon ? [{ name: 'x', credits: new Decimal(addon) }] : [], topupUsd: new Decimal(topup), creditsPerUsd: new Decimal(1),
      }));
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 60 }), fc.oneof(prepaid, credits), (records, account) => {
        const options = {
          card, zone: TimeZone.of('Europe/Berlin'), account, rates: [{ numerator: new Decimal('0.01'), denominator: new Decimal(1) }],
          from: undefined, projectionDays: 3, dailySpend: undefined,
        };
        expect(plain(replay(collector(records), options))).toEqual(plain(replay(collector(records), { ...options, recordByRecord: true })));
      }),
      { numRuns: 150 },
    );
  });

  it('a record that takes the balance exactly to a threshold is seen by the rule: 0 blocks, an inclusive autopay fires', () => {
    const card = loadCard('assemblyai');
    const account = (autopay: Account['autopay']): Account => ({
      balance: new Decimal(10), tier: 'free', freeCredits: new Decimal(0), rolloverMonths: 0, addons: [], topupUsd: new Decimal(0), creditsPerUsd: undefined, monthlyCredits: undefined, autopay,
    });
    // 1.00 then 4.00 then 5.00 on one day: the third leaves exactly 0.00 (or exactly the autopay's 5.00 after the second).
    const c = () => collector([{ cents: 100, gap: 1, refused: false }, { cents: 400, gap: 1, refused: false }, { cents: 500, gap: 1, refused: false }]);
    const run = (a: Account) => replay(c(), { card, zone: TimeZone.of('UTC'), account: a, rates: [{ numerator: new Decimal('0.01'), denominator: new Decimal(1) }], from: undefined, projectionDays: 0, dailySpend: undefined });
    expect(run(account(undefined)).blocked).toEqual({ at: T0 + 3 * HOUR, ref: { file: 'log.csv', line: 4 }, projected: false });
    const autopay = run(account({ below: new Decimal(5), to: new Decimal(20), inclusive: true })).events.map((e) => [e.type, e.amount.toString()]);
    expect(autopay).toEqual([['usage', '-5'], ['autopay', '15'], ['usage', '-5']]);
  });
});
