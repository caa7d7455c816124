import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decimal, parseDecimal, roundMoney, formatMoney } from '../../src/util/decimal.js';
import { secondsToMs, parseCount } from '../../src/util/quantity.js';
import { TimeZone, parseInstant, utcMs } from '../../src/util/time.js';

describe('time zones, independent of the process TZ', () => {
  it('cuts days in the named zone', () => {
    const at = Date.UTC(2026, 4, 4, 16, 30); // 2026-05-04T16:30Z
    expect(TimeZone.of('UTC').dayKey(at)).toBe('2026-05-04');
    expect(TimeZone.of('Asia/Shanghai').dayKey(at)).toBe('2026-05-05');
    expect(TimeZone.of('America/Los_Angeles').dayKey(at)).toBe('2026-05-04');
    expect(TimeZone.of('Pacific/Chatham').monthKey(Date.UTC(2026, 4, 31, 12))).toBe('2026-06');
  });

  it('finds the start of a local day across a DST change', () => {
    // Berlin switched to summer time on 2026-03-29 at 02:00 local.
    expect(new Date(TimeZone.of('Europe/Berlin').startOfDay('2026-03-29')).toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(new Date(TimeZone.of('Europe/Berlin').startOfDay('2026-03-30')).toISOString()).toBe('2026-03-29T22:00:00.000Z');
  });

  it('parses instants strictly, reading offset-less values in the given zone', () => {
    const ny = TimeZone.of('America/New_York');
    expect(parseInstant('2026-05-01T10:00:00Z', ny)).toBe(Date.UTC(2026, 4, 1, 10));
    expect(parseInstant('2026-05-01T10:00:00+02:00', ny)).toBe(Date.UTC(2026, 4, 1, 8));
    expect(parseInstant('2026-05-01 10:00:00', ny)).toBe(Date.UTC(2026, 4, 1, 14));
    expect(parseInstant('2024-03-11T21:29:59.936851', TimeZone.of('UTC'))).toBe(Date.UTC(2024, 2, 11, 21, 29, 59, 936));
    for (const bad of ['2026-13-01', '2026-02-29T00:00:00Z', '2026-05-01T24:00:00Z', 'yesterday', '1715000000', '']) {
      expect(parseInstant(bad, ny)).toBeUndefined();
    }
  });

  it('refuses unknown zones', () => {
    expect(() => TimeZone.of('Mars/Olympus')).toThrow(/unknown time zone/);
  });
});

describe('strict numbers', () => {
  it('parses decimal strings only', () => {
    for (const bad of ['0x1f', '0b11', '1_000', 'NaN', 'Infinity', '1e500', '', ' 1', '1.']) expect(parseDecimal(bad)).toBeUndefined();
    expect(parseDecimal('0.10')!.toString()).toBe('0.1');
  });

  it('turns seconds into whole milliseconds, a fraction of a ms rounded up', () => {
    expect(secondsToMs('12.5')).toBe(12_500);
    expect(secondsToMs('0.0004')).toBe(1);
    expect(secondsToMs('0.0010')).toBe(1);
    expect(secondsToMs('-1')).toBeUndefined();
    expect(parseCount('007')).toBe(7);
    expect(parseCount('1.0')).toBeUndefined();
  });

  it('rounds at one point with a named mode and never prints -0.00', () => {
    expect(formatMoney(roundMoney(new Decimal('-0.001'), 2, 'half-up'), 2)).toBe('0.00');
    expect(roundMoney(new Decimal('0.125'), 2, 'half-even').toString()).toBe('0.12');
    expect(roundMoney(new Decimal('0.125'), 2, 'half-up').toString()).toBe('0.13');
    // 40 significant digits: large sums keep their cents
    expect(new Decimal('12345678901234567890.01').plus('0.01').toString()).toBe('12345678901234567890.02');
  });
});

describe('the fast timestamp path', () => {
  it('reads every YYYY-MM-DDTHH:MM:SS[.fff]Z exactly as Date.parse does', async () => {
    const fc = (await import('fast-check')).default;
    const utc = TimeZone.of('UTC');
    fc.assert(
      fc.property(fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2199-12-31T23:59:59Z'), noInvalidDate: true }), fc.boolean(), (date, withMs) => {
        const iso = withMs ? date.toISOString() : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
        expect(parseInstant(iso, utc)).toBe(Date.parse(iso));
      }),
      { numRuns: 2000 },
    );
    for (const bad of ['2026-02-29T00:00:00Z', '2026-04-31T10:00:00Z', '2026-05-01T10:60:00Z', '2026-05-01T10:00:00.5Z']) {
      expect(parseInstant(bad, utc), bad).toBe(bad.endsWith('.5Z') ? Date.UTC(2026, 4, 1, 10, 0, 0, 500) : undefined);
    }
  });
});

describe('years before 1000', () => {
  it('are refused: a typo, never usage (the byte reader and the text reader alike)', async () => {
    const { parseInstant, TimeZone, parseDay } = await import('../../src/util/time.js');
    const { utcInstant } = await import('../../src/ingest/fields.js');
    const { normalizeRecord } = await import('../../src/ingest/normalize.js');
    const text = '0050-06-15T00:00:00Z';
    expect(parseInstant(text, TimeZone.of('UTC'))).toBeUndefined();
    expect(parseInstant('0999-06-15T00:00:00+01:00', TimeZone.of('UTC'))).toBeUndefined();
    expect(Number.isNaN(utcInstant(Buffer.from(text), 0, text.length))).toBe(true);
    expect(Number.isNaN(parseDay('0050-06-15'))).toBe(true);
    expect(parseInstant('1000-01-01T00:00:00Z', TimeZone.of('UTC'))).toBe(Date.UTC(1000, 0, 1));
    expect(() => normalizeRecord({ kind: 'llm', timestamp: text, input_tokens: '1' }, { file: 'log.csv', line: 2 }, TimeZone.of('UTC')))
      .toThrow('log.csv:2: field "timestamp": "0050-06-15T00:00:00Z" is a date before the year 1000 (check the year)');
  });
});

describe('years after 8999', () => {
  it('are refused where read, so that the days after them (a ten-year projection) keep four digits', async () => {
    const { parseInstant, TimeZone, readDay, nextDay } = await import('../../src/util/time.js');
    const { utcInstant } = await import('../../src/ingest/fields.js');
    const { normalizeRecord } = await import('../../src/ingest/normalize.js');
    const text = '9999-12-31T23:59:59Z';
    expect(parseInstant(text, TimeZone.of('UTC'))).toBeUndefined();
    expect(Number.isNaN(utcInstant(Buffer.from(text), 0, text.length))).toBe(true);
    expect(Number.isNaN(readDay('9000-01-01'))).toBe(true);
    expect(parseInstant('8999-12-31T23:59:59Z', TimeZone.of('UTC'))).toBe(Date.UTC(8999, 11, 31, 23, 59, 59));
    expect(nextDay('9009-12-31')).toBe('9010-01-01');
    expect(() => normalizeRecord({ kind: 'llm', timestamp: text, input_tokens: '1' }, { file: 'log.csv', line: 2 }, TimeZone.of('UTC')))
      .toThrow('log.csv:2: field "timestamp": "9999-12-31T23:59:59Z" is a date after the year 8999 (check the year)');
  });
});

describe('utcMs: dates by integer arithmetic', () => {
  it('gives what Date.UTC gives for any date and time of years 0 to 9999 (years below 100 as themselves)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 }),
      fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 999 }),
      (y, mo, d, h, mi, s, ms) => {
        const date = new Date(0);
        date.setUTCFullYear(y, mo - 1, d); // a day past the month's end runs on, as Date.UTC does
        date.setUTCHours(h, mi, s, ms);
        expect(utcMs(y, mo, d, h, mi, s, ms)).toBe(date.getTime());
      },
    ), { numRuns: 5000 });
  });
});
