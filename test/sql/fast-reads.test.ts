import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DIALECT, type Dialect } from '../../src/sql/dialect.js';
import { recordSteps } from '../../src/sql/fields.js';
import { parseCount, secondsToMs } from '../../src/util/quantity.js';
import { parseInstant, TimeZone } from '../../src/util/time.js';

/**
 * DuckDB reads the commonest instants, durations and counts itself from the untrimmed text
 * (`fastInstant`, `fastSeconds` and `fastCount` of src/sql/dialect.ts: a UTC instant to the second
 * or the millisecond, seconds with at most three decimals, digits; each checked character by
 * character, then DuckDB's own cast), and trims and matches only the rest. This holds the two readings of the statement to each other, and to the
 * in-process parser, on every date and time of those shapes around the edges (month 13, 30 February,
 * hour 24, second 60, the years 999 and 9000), on durations around theirs (13 digits, 4 decimals,
 * signs, exponents), and on texts of nearly those shapes.
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

const secondsText = fc
  .tuple(
    fc.oneof({ arbitrary: fc.stringMatching(/^[0-9]{1,4}$/), weight: 4 }, { arbitrary: fc.constantFrom('0', '00', '999999999999', '1000000000000', '9999999999999'), weight: 1 }),
    fc.constantFrom('', '', '.0', '.5', '.05', '.999', '.1234', '.0001', '.0000', '.', ',5', 'e3'),
    fc.constantFrom('', '', '', '+', '-', ' '),
  )
  .map(([whole, fraction, sign]) => `${sign}${whole}${fraction}`);

/** Each text's (valid, ms) as the statement's first steps read field `field` of a transcript with dialect `d` (and how many DuckDB's own reading gave). */
async function read(d: Dialect, field: Field, texts: readonly string[]): Promise<{ read: string[]; fast: number }> {
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  const values = texts.map((t, i) => `('${i}', 'transcript', ${d.quote(t)})`).join(', ');
  const steps = recordSteps(d, { map: new Map(), columns: ['id', 'kind', field], inputZone: TimeZone.of('UTC') }, `(SELECT * FROM (VALUES ${values}) AS v(id, kind, ${field}))`);
  const rows = (await connection.runAndReadAll(`WITH ${steps} SELECT parsed_ok, ${field}_${field === 'input_tokens' ? 'n' : 'ms'} FROM p ORDER BY CAST(id AS INTEGER)`)).getRows();
  const fast = d.fastInstant === undefined ? 0 : Number((await connection.runAndReadAll(`WITH ${steps} SELECT COUNT(*) FROM gm WHERE ${field}_fast IS NOT NULL`)).getRows()[0]![0]);
  return { read: rows.map(([valid, ms]) => `${String(valid)} ${ms === null ? '' : String(ms)}`), fast };
}

/** The fields read here: an instant, a duration, a count. */
type Field = 'timestamp' | 'audio_duration' | 'input_tokens';

/** A field as the engines read it: without the spaces, tabs and line ends at either end (docs/sql.md, "Trimming"). */
const trimmed = (t: string): string => t.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');

/** The texts on which DuckDB's own reading, the regular expression and the in-process parser do not all agree. */
async function disagreements(field: Field, texts: readonly string[], inProcess: (text: string) => number | null | undefined): Promise<{ differ: string[]; fast: string[]; taken: number }> {
  const { read: fast, fast: taken } = await read(DIALECT.duckdb, field, texts);
  const { read: slow } = await read({ ...DIALECT.duckdb, fastInstant: undefined, fastSeconds: undefined, fastCount: undefined }, field, texts);
  const expected = texts.map((t) => {
    const ms = inProcess(t);
    return ms === undefined ? 'false ' : `true ${ms ?? ''}`;
  });
  return { differ: texts.flatMap((t, i) => (fast[i] === slow[i] && fast[i] === expected[i] ? [] : [`${t}: fast ${fast[i]}, text ${slow[i]}, in-process ${expected[i]}`])), fast, taken };
}

describe('instants and durations DuckDB reads itself', () => {
  it('instants: read as the regular expression and the in-process parser read them, edges included', async () => {
    const texts = fc.sample(instantText, { numRuns: 10_000, seed: 16 });
    texts.push('2026-05-01T24:00:00Z', '2025-02-29T00:00:00Z', '2024-02-29T23:59:59.999Z', '0999-12-31T23:59:59Z', '9000-01-01T00:00:00Z', '1969-12-31T23:59:59.999Z', '2026-05-01T10:00:00');
    // Every character of the fast shapes replaced by each of these: DuckDB's cast alone reads '2026-05-01T 0:20:30Z' and
    // '2026-05-01T10:20:3.Z', which the text path refuses (why the shape is matched first, digit by digit).
    for (const base of ['2026-05-01T10:20:30Z', '2024-02-29 23:59:59Z', '1999-12-31T00:00:00.123Z']) {
      for (let i = 0; i < base.length; i++) for (const c of [' ', '\t', '+', '-', '.', ':', 'T', 'Z', 'a', '\u00a0', '\u0663', '0', '9']) texts.push(base.slice(0, i) + c + base.slice(i + 1));
    }
    const { differ, fast, taken } = await disagreements('timestamp', texts, (t) => parseInstant(trimmed(t), TimeZone.of('UTC')));
    expect(differ).toEqual([]);
    // Not vacuous: many texts were read by DuckDB itself, many were refused.
    expect(taken).toBeGreaterThan(100);
    expect(fast.filter((r) => r.startsWith('false')).length).toBeGreaterThan(500);
  }, 60_000);

  it('durations: read as the regular expression and the in-process parser read them, edges included', async () => {
    const texts = fc.sample(secondsText, { numRuns: 3_000, seed: 16 });
    texts.push('0.001', '0.0001', '999999999999.999', '999999999999.9991', '1000000000000', '00012.5');
    // A transcript needs its duration: a refused one makes the record invalid (parsed_ok false), as in process.
    // A text of spaces alone is no duration (valid, no milliseconds). Past 12 digits the statement refuses what the in-process
    // engine reads (NOT_EXPRESSIBLE in src/sql/compile.ts): both readings must refuse it.
    const beyond = (t: string): boolean => /^[0-9]{13,}/.test(trimmed(t));
    const { differ, fast, taken } = await disagreements('audio_duration', texts, (t) => (trimmed(t) === '' ? null : beyond(t) ? undefined : secondsToMs(trimmed(t))));
    expect(differ).toEqual([]);
    expect(taken).toBeGreaterThan(500);
    expect(fast.filter((r) => r.startsWith('false')).length).toBeGreaterThan(300);
  }, 60_000);

  it('counts: read as the regular expression and the in-process parser read them, edges included', async () => {
    // The same texts as seconds (signs, decimals, exponents, spaces), and 15 and 16 digits: past 15 the statement refuses
    // what the in-process engine reads up to 2^53 (NOT_EXPRESSIBLE in src/sql/compile.ts).
    const texts = [...fc.sample(secondsText, { numRuns: 3_000, seed: 17 }), '999999999999999', '1000000000000000', '0', '007', ' 7 ', '\t7', '7\n'];
    const { differ, fast, taken } = await disagreements('input_tokens', texts, (t) => (trimmed(t) === '' ? null : /^[0-9]{16,}$/.test(trimmed(t)) ? undefined : parseCount(trimmed(t))));
    expect(differ).toEqual([]);
    expect(taken).toBeGreaterThan(200);
    expect(fast.filter((r) => r.startsWith('false')).length).toBeGreaterThan(300);
  }, 60_000);
});

describe("DuckDB's trimming", () => {
  it('takes the spaces, tabs and line ends off either end, as the engines do, and leaves every other byte (a control byte, a letter past ASCII)', async () => {
    // The check before trim() compares the text with '!' (bytes): texts at that edge, empty, and of one character.
    const alphabet = fc.constantFrom(' ', '\t', '\n', '\r', '\u0000', '\u0001', '\u001f', '!', '"', 'a', 'Z', '~', '\u007f', 'é', '€', '🧾');
    const texts = [...fc.sample(fc.array(alphabet, { maxLength: 6 }).map((cs) => cs.join('')), { numRuns: 4_000, seed: 18 }), '', ' ', '!', ' !', '! ', '\u0000', 'a\u0000'];
    const connection = await (await DuckDBInstance.create(':memory:')).connect();
    // Each text built of its characters' codes (a NUL byte ends a literal).
    const values = texts.map((t, i) => `(${i}, ${['\'\'', ...[...t].map((c) => `chr(${c.codePointAt(0)})`)].join(' || ')})`).join(', ');
    const rows = (await connection.runAndReadAll(`SELECT ${DIALECT.duckdb.trim('t')} FROM (VALUES ${values}) AS v(i, t) ORDER BY i`)).getRows();
    const differ = texts.flatMap((t, i) => (rows[i]![0] === trimmed(t) ? [] : [`${JSON.stringify(t)}: ${JSON.stringify(rows[i]![0])}`]));
    expect(differ).toEqual([]);
  });
});
