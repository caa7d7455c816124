import { describe, expect, it } from 'vitest';
import { LedgerCollector } from '../../src/ledger/collector.js';
import { replay } from '../../src/ledger/replay.js';
import type { Account } from '../../src/ledger/account.js';
import { loadCard } from '../../src/rates/load.js';
import { Decimal } from '../../src/util/decimal.js';
import { TimeZone } from '../../src/util/time.js';

/** A collector holding `n` records of one item each, `quantity` of rate 0, completing a millisecond apart from `start`. */
function records(n: number, quantity: number, start: number): LedgerCollector {
  const c = new LedgerCollector('paid');
  c.rates.of('0\u0000prerecorded\u0000universal-2\u0000usage');
  c.fileNames.of('log.csv');
  for (let i = 0; i < n; i++) {
    c.completed.push(start + i);
    c.firstItem.push(i);
    c.shape.push(1); // one item, not refused
    c.files.push(0);
    c.lines.push(i + 2);
    c.itemRate.push(0);
    c.itemQuantity.push(quantity);
  }
  c.first = start;
  c.last = start + n - 1;
  return c;
}

const account = (balance: string): Account => ({
  balance: new Decimal(balance), tier: 'paid', freeCredits: new Decimal(0), autopay: undefined, monthlyCredits: undefined,
  rolloverMonths: 2, addons: [], topupUsd: new Decimal(10), creditsPerUsd: undefined,
});

describe('each record costs an exact integer of 10^-12, rounded half-even once', () => {
  it('1 s at 0.15/h, a million times: 0.000041666667 each (0.0000416666… rounded up), 41.666667 in all', () => {
    // 0.15 / 3 600 000 ms × 1000 ms = 0.0000416666…: the 13th decimal is 6, so each record rounds up to
    // 0.000041666667, and a million of them are 41.666667 exactly. Unrounded, the sum would be
    // 41.666666666666…; rounded down (or in floats), 41.666666 or thereabouts.
    const c = records(1_000_000, 1000, Date.UTC(2026, 4, 1, 9));
    const ledger = replay(c, {
      card: loadCard('assemblyai'), zone: TimeZone.of('UTC'), account: account('50'),
      rates: [{ numerator: new Decimal('0.15'), denominator: new Decimal(3_600_000) }],
      from: undefined, projectionDays: 1, dailySpend: undefined,
    });
    expect(ledger.demand.toString()).toBe('41.666667');
    expect(ledger.endBalance.toString()).toBe('8.333333');
    expect(ledger.events.map((e) => [e.type, e.amount.toString(), e.balance.toString(), e.projected])).toEqual([
      ['usage', '-41.666667', '8.333333', false],
      ['usage', '-41.666667', '-33.333334', true],
    ]);
    // The projected day blocks when 8.333333 of its 41.666667 is spent: at ⌈8.333333 / 41.666667 × 86 400 000⌉ ms
    // = ⌈17 279 999.17056…⌉ = 17 280 000 ms after midnight (04:48:00).
    expect(ledger.blocked).toEqual({ at: Date.UTC(2026, 4, 2, 4, 48), ref: undefined, projected: true });
  });

  it('a record past 2^53 units (9,007 USD) costs as exactly as a small one, and rounds half to even', () => {
    // 10^12 tokens at 3 USD per 10^6 tokens: 3,000,000 USD = 3·10^18 units, past 2^53, by BigInt.
    // 1 token at 0.0000000000005 USD (half a unit): 0.5 units, half to even: 0. 3 tokens: 1.5 units: 2.
    const cost = (quantity: number, price: string, per: number) => {
      const c = records(1, quantity, Date.UTC(2026, 4, 1, 9));
      const ledger = replay(c, {
        card: loadCard('assemblyai'), zone: TimeZone.of('UTC'), account: account('10000000'),
        rates: [{ numerator: new Decimal(price), denominator: new Decimal(per) }],
        from: undefined, projectionDays: 0, dailySpend: undefined,
      });
      return ledger.demand.toFixed(12);
    };
    expect(cost(1e12, '3', 1e6)).toBe('3000000.000000000000');
    expect(cost(1e12 + 1, '3', 1e6)).toBe('3000000.000003000000');
    expect(cost(1, '0.0000000000005', 1)).toBe('0.000000000000');
    expect(cost(3, '0.0000000000005', 1)).toBe('0.000000000002');
    expect(cost(5, '0.0000000000005', 1)).toBe('0.000000000002');
  });
});
