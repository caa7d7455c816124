import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DIALECT, type Dialect } from '../../src/sql/dialect.js';
import { recordSteps } from '../../src/sql/fields.js';
import { parseInstant, TimeZone } from '../../src/util/time.js';

/**
 * DuckDB reads the commonest instants itself (`fastInstant` of src/sql/dialect.ts: a UTC instant to
 * the second or the millisecond, checked digit by digit, then DuckDB's own cast), and the regular
 * expression only the rest. This holds the two readings of the statement to each other, and to the
 * in-process parser, on every date and time of those shapes around the edges (month 13, 30 February,
 * hour 24, second 60, the years 999 and 9000) and on texts of nearly those shapes.
 */

/** Two digits: mostly the values given (edges and ordinary ones), else any. */
const two = (values: number[]): fc.Arbitrary<string> => fc.oneof({ arbitrary: fc.constantFrom(...values), weight: 5 }, { arbitrary: fc.integer({ min: 0, max: 99 }), weight: 1 }).map((n) => String(n).padStart(2, '0'));
const instantText = fc
  .record({
    y: fc.oneof(fc.constantFrom(0, 999, 1000, 1600, 1900, 1969, 1970, 2000, 2024, 2025, 2026, 8999, 9000, 9999), fc.integer({ min: 0, max: 9999 })).map((n) => String(n).padStart(4, '0')),
    mo: two([0, 1, 2, 2, 4, 5, 12, 13]),
    d: two([0, 1, 9, 15, 28, 29, 30, 31, 32]),
    h: two([0, 9, 12, 23, 24, 25]),
    mi: two([0, 30, 59, 60]),
    s: two([0, 30, 59, 60]),
    sep: fc.constantFrom('T', ' ', 't'),
    ms: fc.constantFrom('', '', '.000', '.999', '.5', '.123456', ',123'),
    zone: fc.constantFrom('Z', 'Z', 'Z', 'Z', 'Z', 'z', '+00:00', '-05:30', ''),
  })
  .map(({ y, mo, d, h, mi, s, sep, ms, zone }) => `${y}-${mo}-${d}${sep}${h}:${mi}:${s}${ms}${zone}`);

/** Each text's (valid, epoch ms) as the statement's first steps read it with dialect `d` (and whether DuckDB's own reading gave it). */
async function read(d: Dialect, texts: readonly string[]): Promise<{ read: string[]; fast: number }> {
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  const values = texts.map((t, i) => `(${i}, ${d.quote(t)})`).join(', ');
  const steps = recordSteps(d, { map: new Map(), columns: ['id', 'timestamp'], inputZone: TimeZone.of('UTC') }, `(SELECT * FROM (VALUES ${values}) AS v(id, timestamp))`);
  const fast = d.fastInstant === undefined ? 'FALSE' : 'timestamp_fast IS NOT NULL';
  const reader = await connection.runAndReadAll(`WITH ${steps} SELECT timestamp_ok, timestamp_ms, ${fast} FROM gm ORDER BY CAST(id AS INTEGER)`);
  const rows = reader.getRows();
  return { read: rows.map(([ok, ms]) => `${String(ok)} ${ms === null ? '' : String(ms)}`), fast: rows.filter((row) => row[2] === true).length };
}

describe('instants DuckDB reads itself', () => {
  it('read as the regular expression and the in-process parser read them, edges included', async () => {
    const texts = fc.sample(instantText, { numRuns: 10_000, seed: 16 });
    texts.push('2026-05-01T24:00:00Z', '2025-02-29T00:00:00Z', '2024-02-29T23:59:59.999Z', '0999-12-31T23:59:59Z', '9000-01-01T00:00:00Z', '1969-12-31T23:59:59.999Z', '2026-05-01T10:00:00');
    const { read: fast, fast: taken } = await read(DIALECT.duckdb, texts);
    const { read: slow } = await read({ ...DIALECT.duckdb, fastInstant: undefined }, texts);
    const inProcess = texts.map((t) => {
      const ms = parseInstant(t, TimeZone.of('UTC'));
      return ms === undefined ? 'false ' : `true ${ms}`;
    });
    const differ = texts.flatMap((t, i) => (fast[i] === slow[i] && fast[i] === inProcess[i] ? [] : [`${t}: fast ${fast[i]}, text ${slow[i]}, in-process ${inProcess[i]}`]));
    expect(differ).toEqual([]);
    // Not vacuous: many texts were read by DuckDB itself, many were refused.
    expect(taken).toBeGreaterThan(100);
    expect(fast.filter((r) => r.startsWith('false')).length).toBeGreaterThan(500);
  }, 60_000);
});
