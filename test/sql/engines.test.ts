import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { session } from '../../src/engine/duckdb-session.js';
import { DIALECT } from '../../src/sql/dialect.js';
import { ROOT } from '../cli/binary.js';
import { duckdbJson, jsJson, logUsageJson, ndjsonOf, parquetOf, postgresJson, tempDir, typedParquet, withoutReferences, writeLog, type Flags, type PgClient } from './engines.js';

/**
 * Proof that every engine agrees (docs/sql.md): the in-process invoice, the statement run by
 * DuckDB (--engine duckdb) and the postgres statement run on a real PostgreSQL, each priced through
 * the bucket table, give byte-identical invoice JSON, but for the references a table cannot hold.
 */

const PG = process.env.TALLYMAN_TEST_PG;
let client: (PgClient & { end(): Promise<void> }) | undefined;

beforeAll(async () => {
  if (!PG) {
    if (process.env.CI === 'true') throw new Error('TALLYMAN_TEST_PG is not set under CI: .ci/run starts PostgreSQL for test/sql');
    console.warn('test/sql: TALLYMAN_TEST_PG is not set: the PostgreSQL comparisons are skipped (source .ci/postgres.sh to run them)');
    return;
  }
  const { default: pg } = await import('pg');
  client = new pg.Client({ connectionString: PG });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
});

// The assemblyai card's statement (ten versions) takes PostgreSQL seconds to plan: a few of its logs, every other card's.
const FIXTURES: [string, Flags][] = [
  ['quickstart.csv', { groupBy: 'project,api_key,customer,day,month', tz: 'Asia/Kathmandu' }],
  ['month.csv', { month: '2026-05', groupBy: 'day' }],
  ['tencent-month.csv', { rates: 'tencent-asr', groupBy: 'project,day' }],
  ['tencent-month.csv', { rates: 'tencent-asr', groupBy: 'month', tz: 'America/Los_Angeles' }],
  ['ledger/credits.csv', { rates: 'credits-example' }],
  ['bad/unknown-model.csv', { allowUnpriced: true }],
  // Issue 17's shapes: per request, flat fees per tier, a package, a minimum; free quotas and a pack (used by the usage's day).
  ['api-calls.csv', { rates: 'fixtures/cards/api-calls.yaml' }],
  ['api-calls.csv', { rates: 'fixtures/cards/api-calls.yaml', groupBy: 'day' }],
  ['tencent-month.csv', { rates: 'fixtures/cards/tencent-quota.yaml' }],
  ['tencent-month.csv', { rates: 'fixtures/cards/tencent-quota.yaml', groupBy: 'project,day', tz: 'UTC' }],
];

describe('every canonical fixture', () => {
  for (const [name, flags] of FIXTURES) {
    it(`${name} ${JSON.stringify(flags)}: in-process, DuckDB and PostgreSQL agree`, async () => {
      const file = join(ROOT, 'fixtures', name);
      // (timeout below: PostgreSQL plans the assemblyai statement in seconds)
      const js = withoutReferences(await jsJson([file], flags));
      expect(await duckdbJson([file], flags)).toBe(js);
      if (client) expect(await postgresJson(client, file, readFileSync(file, 'utf8'), flags)).toBe(js);
      // estimate --from-log --engine duckdb: the usage it scales is the default engine's (on the smaller
      // cards: the built-in assemblyai's statement costs DuckDB seconds to plan, and the fuzz covers the rest).
      if (flags.rates !== undefined) expect(await logUsageJson([file], flags, true)).toBe(await logUsageJson([file], flags, false));
    }, 60_000);
  }
});

describe('a repeated id', () => {
  // Rows of one (kind, id): the earliest bills. At one instant, the row whose billed content sorts first (docs/sql.md): here the
  // 30 s transcript ('30000' sorts before '60000' as text) and the 30-token call; and the 08:00 transcript over the 09:00 one. The
  // in-process engine keeps the first in file order, so the same rows with the kept ones first give its invoice, byte for byte.
  const HEAD = 'kind,id,timestamp,model,audio_duration,features,input_tokens,output_tokens';
  // A repeated id's rows of another kind are not its duplicates: the stream t-1 and the call t-2 bill (DuckDB and PostgreSQL find
  // repeated ids by id alone, and rank every row of them by kind).
  const KEPT = ['transcript,t-1,2026-05-12T10:00:00Z,fast,30,labels,,', 'transcript,t-2,2026-05-12T08:00:00Z,fast,7,,,', 'llm,l-1,2026-05-12T10:00:00Z,m1,,,30,5', 'stream,t-1,2026-05-12T07:00:00Z,rt,90,,,', 'llm,t-2,2026-05-12T06:00:00Z,m1,,,10,1'];
  const LOST = ['transcript,t-1,2026-05-12T10:00:00Z,fast,60,labels,,', 'transcript,t-2,2026-05-12T09:00:00Z,fast,100,,,', 'llm,l-1,2026-05-12T10:00:00Z,m1,,,400,5'];
  it('keeps the same row on DuckDB and PostgreSQL: the earliest, and at one instant the one whose billed content sorts first', async () => {
    const dir = tempDir();
    const flags: Flags = { rates: 'fixtures/sql/fuzz-card.yaml', groupBy: 'day' };
    const lostFirst = `${[HEAD, ...LOST, ...KEPT].join('\n')}\n`;
    const file = writeLog(dir, 'lost-first.csv', lostFirst);
    const expected = withoutReferences(await jsJson([writeLog(dir, 'kept-first.csv', `${[HEAD, ...KEPT, ...LOST].join('\n')}\n`)], flags));
    expect(await duckdbJson([file], flags)).toBe(expected);
    if (client) expect(await postgresJson(client, file, lostFirst, flags)).toBe(expected);
    // The window over every row (BigQuery's, Snowflake's, Spark's and ClickHouse's shape) keeps the same rows.
    if (client) expect(await postgresJson(client, file, lostFirst, flags, true)).toBe(expected);
  }, 60_000);

  it("keeps the same rows on DuckDB when every (kind, id) shares one hash: a hash's collision only sends rows to the window", async () => {
    const dir = tempDir();
    const flags: Flags = { rates: 'fixtures/sql/fuzz-card.yaml', groupBy: 'day' };
    const file = writeLog(dir, 'lost-first.csv', `${[HEAD, ...LOST, ...KEPT, 'transcript,u-1,2026-05-12T11:00:00Z,fast,5,,,'].join('\n')}\n`);
    const expected = withoutReferences(await jsJson([writeLog(dir, 'kept-first.csv', `${[HEAD, ...KEPT, ...LOST, 'transcript,u-1,2026-05-12T11:00:00Z,fast,5,,,'].join('\n')}\n`)], flags));
    const collide = vi.spyOn(DIALECT.duckdb, 'idHash').mockImplementation(() => '42');
    try {
      expect(await duckdbJson([file], flags)).toBe(expected);
      expect(collide).toHaveBeenCalled();
    } finally {
      collide.mockRestore();
    }
  }, 60_000);
});

describe('columns as warehouses type them, and odd cells', () => {
  const rates = 'fixtures/sql/fuzz-card.yaml';
  const row = (cells: string): string => `SELECT 'transcript' AS kind, 't-1' AS id, TIMESTAMPTZ '2026-05-12 10:00:00+00' AS timestamp, 'fast' AS model, ${cells}`;
  it('an INTEGER duration past 24 days, a DECIMAL(18,6) of 10^10 s, DOUBLE tokens, an instant before 1970 with a part of a ms: one invoice', async () => {
    const dir = tempDir();
    const cases: [string, string, Flags][] = [
      ['int-duration', row('CAST(2200000 AS INTEGER) AS audio_duration'), { rates }],
      ['huge-decimal', row('CAST(10000000000 AS DECIMAL(18,6)) AS audio_duration'), { rates }],
      ['double-tokens', "SELECT 'llm' AS kind, 'l-1' AS id, TIMESTAMPTZ '2026-05-12 10:00:00+00' AS timestamp, 'm1' AS model, CAST(30 AS DOUBLE) AS input_tokens, CAST(5 AS DOUBLE) AS output_tokens", { rates }],
      ['before-1970', "SELECT 'transcript' AS kind, 't-1' AS id, TIMESTAMPTZ '1969-12-31 23:59:59.9995+00' AS timestamp, 'fast' AS model, CAST(60 AS DECIMAL(9,3)) AS audio_duration", { rates, groupBy: 'day', tz: 'UTC' }],
    ];
    // A local TIMESTAMP in --input-tz, read alike whether a row takes the typed path or its text (a model padded with a space).
    const local = "SELECT 'transcript' AS kind, 't-' || i AS id, TIMESTAMP '2026-05-12 02:00:00' AS timestamp, CASE WHEN i = 1 THEN 'fast' ELSE ' fast' END AS model, CAST(60 AS DECIMAL(9,3)) AS audio_duration FROM range(1, 3) AS r(i)";
    cases.push(['local-time', local, { rates, groupBy: 'day', tz: 'UTC', inputTz: 'America/New_York' }]);
    for (const [name, select, flags] of cases) {
      const file = await parquetOf(select, join(dir, `${name}.parquet`));
      expect(await duckdbJson([file], flags), name).toBe(withoutReferences(await jsJson([file], flags)));
    }
  }, 60_000);
  it('durations of every width and scale up to three decimals (read in 64 bits) and past them (128): one invoice', async () => {
    const dir = tempDir();
    const cases: [string, string][] = [
      ['decimal-4-1', 'CAST(12.5 AS DECIMAL(4,1))'],
      ['decimal-18-3-top', 'CAST(999999999999.999 AS DECIMAL(18,3))'],
      ['decimal-38-3', 'CAST(86400.001 AS DECIMAL(38,3))'],
      ['decimal-18-0', 'CAST(999999999999 AS DECIMAL(18,0))'],
      ['ubigint', 'CAST(3600 AS UBIGINT)'],
      ['smallint', 'CAST(30 AS SMALLINT)'],
      ['decimal-10-4', 'CAST(1.0001 AS DECIMAL(10,4))'],
    ];
    for (const [name, duration] of cases) {
      const file = await parquetOf(row(`${duration} AS audio_duration`), join(dir, `${name}.parquet`));
      expect(await duckdbJson([file], { rates }), name).toBe(withoutReferences(await jsJson([file], { rates })));
    }
  }, 60_000);
  it('refuses what the in-process engine refuses: a DECIMAL count with a fraction, a row without a kind', async () => {
    const dir = tempDir();
    const tokens = await parquetOf("SELECT 'llm' AS kind, 'l-1' AS id, TIMESTAMPTZ '2026-05-12 10:00:00+00' AS timestamp, 'm1' AS model, CAST(30.5 AS DECIMAL(10,2)) AS input_tokens, 5 AS output_tokens", join(dir, 'tokens.parquet'));
    const kindless = writeLog(dir, 'kindless.csv', 'kind,id,timestamp,model,audio_duration\n,t-1,2026-05-12T10:00:00Z,fast,60\n');
    for (const file of [tokens, kindless]) {
      await expect(jsJson([file], { rates }), file).rejects.toThrow(/field "(input_tokens|kind)"/);
      await expect(duckdbJson([file], { rates }), file).rejects.toThrow(/1 record\(s\) of the usage table are invalid/);
    }
  }, 60_000);
  it("a row DuckDB's CSV reader cannot read: said as the in-process reader says it, at the file's line (not DuckDB's record)", async () => {
    const dir = tempDir();
    const head = 'kind,id,timestamp,model,audio_duration\n';
    const good = 'transcript,t-1,2026-05-12T10:00:00Z,fast,60\n';
    const cases: [string, string, RegExp][] = [
      // A field too many: DuckDB's sniffer once took such a row for a reason to name columns of its own (the log read as none).
      ['extra.csv', `${head}${good}transcript,t-2,2026-05-12T10:00:00Z,fast,60,9\n`, /extra\.csv:3: has a different number of fields than the header/],
      // After a quoted field over two lines, DuckDB counts records (3), the file has lines (4).
      ['lines.csv', `${head}transcript,"t\n1",2026-05-12T10:00:00Z,fast,60\ntranscript,t-2\n`, /lines\.csv:4: has a different number of fields than the header/],
      ['quote.csv', `${head}${good}transcript,t-2,2026-05-12T10:00:00Z,fast,"60\n`, /quote\.csv:3: opens a quoted field that is never closed/],
    ];
    for (const [name, csv, message] of cases) {
      const file = writeLog(dir, name, csv);
      await expect(jsJson([file], { rates }), name).rejects.toThrow(message);
      await expect(duckdbJson([file], { rates }), name).rejects.toThrow(message);
    }
    // Through a glob: its files asked of DuckDB, then read as files are (their header named, nothing sniffed: a sniffer took
    // this row for a reason to name columns of its own, and refused the log for having no kind), and re-read in process.
    mkdirSync(join(dir, 'g'));
    writeLog(join(dir, 'g'), 'a.csv', cases[0]![1]);
    await expect(duckdbJson([join(dir, 'g', '*.csv')], { rates })).rejects.toThrow(/g\/a\.csv:3: has a different number of fields than the header/);
    await expect(duckdbJson([join(dir, 'g', 'none-*.csv')], { rates })).rejects.toThrow(/^--engine duckdb: no file matches .*none-\*\.csv$/);
    // A line past DuckDB's 2 MB, in a column the engine ignores: the default engine reads it, and says so.
    const long = writeLog(dir, 'long.csv', `kind,id,timestamp,model,audio_duration,note\ntranscript,t-1,2026-05-12T10:00:00Z,fast,60,${'x'.repeat(2_100_000)}\n`);
    await expect(jsJson([long], { rates })).resolves.toContain('"total"');
    await expect(duckdbJson([long], { rates })).rejects.toThrow(/^DuckDB's CSV reader cannot read record 2 of .*long\.csv \(Maximum line size of \d+ bytes exceeded\), which the default engine reads: run tallyman invoice without --engine duckdb$/);
  }, 60_000);
  it('gzip data known by its first bytes whatever its name (DuckDB goes by the name): one invoice; both kinds together only by their names', async () => {
    const dir = tempDir();
    const csv = 'kind,id,timestamp,model,audio_duration\ntranscript,t-1,2026-05-12T10:00:00Z,fast,60\nstream,s-1,2026-05-12T11:00:00Z,rt,90\n';
    const plain = writeLog(dir, 'plain.csv', csv);
    const js = withoutReferences(await jsJson([plain], { rates }));
    // Read as raw bytes, these were a log of no rows (0.00, exit 0).
    for (const name of ['upper.CSV.GZ', 'gzip-named.csv', 'lower.csv.gz']) {
      const file = join(dir, name);
      writeFileSync(file, gzipSync(csv));
      expect(await duckdbJson([file], { rates }), name).toBe(js);
    }
    const both = withoutReferences(await jsJson([join(dir, 'lower.csv.gz'), writeLog(dir, 'other.csv', csv.replaceAll('-1', '-2'))], { rates }));
    expect(await duckdbJson([join(dir, 'lower.csv.gz'), join(dir, 'other.csv')], { rates })).toBe(both);
    await expect(duckdbJson([join(dir, 'gzip-named.csv'), join(dir, 'other.csv')], { rates })).rejects.toThrow(/gzip-named\.csv is gzip data without a name ending in \.gz: rename it/);
    // NDJSON alike (DuckDB read the raw bytes as malformed JSON).
    const ndjson = ndjsonOf(csv);
    const fromNdjson = withoutReferences(await jsJson([writeLog(dir, 'plain.ndjson', ndjson)], { rates }));
    for (const name of ['gzip-named.ndjson', 'upper.NDJSON.GZ']) {
      writeFileSync(join(dir, name), gzipSync(ndjson));
      expect(await duckdbJson([join(dir, name)], { rates }), name).toBe(fromNdjson);
    }
  }, 60_000);
  it("the session reads DuckDB's cells from its vectors as text: strings in place and by pointer, UTF-8, NULLs, every integer width, past 2,048 rows", async () => {
    const duck = await session({ memory: undefined, spill: join(tempDir(), 'spill') });
    const result = await duck.query(`SELECT * FROM (VALUES
      ('twelve bytes', 'thirteen byte', 'größer als zwölf Bytes: 🧾', NULL, CAST(-128 AS TINYINT), CAST(-32768 AS SMALLINT), CAST(-2147483648 AS INTEGER), CAST(-9223372036854775808 AS BIGINT), CAST(-170141183460469231731687303715884105728 AS HUGEINT), CAST(255 AS UTINYINT), CAST(65535 AS USMALLINT), CAST(4294967295 AS UINTEGER), CAST(18446744073709551615 AS UBIGINT), CAST(340282366920938463463374607431768211455 AS UHUGEINT), TRUE),
      ('', NULL, 'x', 'y', NULL, 7, NULL, 9, 1, NULL, 0, 1, NULL, 2, FALSE)
    ) AS t(a, b, c, d, i8, i16, i32, i64, i128, u8, u16, u32, u64, u128, flag)`);
    expect(result.columns).toEqual(['a', 'b', 'c', 'd', 'i8', 'i16', 'i32', 'i64', 'i128', 'u8', 'u16', 'u32', 'u64', 'u128', 'flag']);
    expect(result.rows).toEqual([
      ['twelve bytes', 'thirteen byte', 'größer als zwölf Bytes: 🧾', null, '-128', '-32768', '-2147483648', '-9223372036854775808', '-170141183460469231731687303715884105728', '255', '65535', '4294967295', '18446744073709551615', '340282366920938463463374607431768211455', 'true'],
      ['', null, 'x', 'y', null, '7', null, '9', '1', null, '0', '1', null, '2', 'false'],
    ]);
    // Several chunks (DuckDB's are 2,048 rows), a NULL in each 64-row word of the validity mask.
    const many = await duck.query('SELECT i, CASE WHEN i % 64 = 63 THEN NULL ELSE repeat(chr(CAST(65 + i % 26 AS INTEGER)), CAST(i % 20 AS INTEGER)) END AS s FROM range(5000) AS r(i) ORDER BY i');
    expect(many.rows).toHaveLength(5000);
    expect(many.rows.every(([i, s], n) => i === String(n) && s === (n % 64 === 63 ? null : String.fromCharCode(65 + (n % 26)).repeat(n % 20)))).toBe(true);
    // A cell's bytes as DuckDB has them: a leading U+FEFF kept (a decoder's default drops it).
    expect((await duck.query("SELECT chr(65279) || 'x' AS b")).rows).toEqual([['\uFEFFx']]);
    // A type the engine's statements never answer is refused, not guessed at.
    await expect(duck.query('SELECT 1.5::DOUBLE AS x')).rejects.toThrow(/column x as type 11/);
  });

  it('a CSV with a plain header and an NDJSON log whose first record names the kind are not described by DuckDB (nor sniffed)', async () => {
    const dir = tempDir();
    const csv = 'kind,id,timestamp,model,audio_duration\ntranscript,t-1,2026-05-12T10:00:00Z,fast,60\n';
    // The session the engine uses on this thread (one per memory limit), watched.
    const asked = vi.spyOn(await session({ memory: undefined, spill: join(dir, 'spill') }), 'query');
    try {
      for (const file of [writeLog(dir, 'plain.csv', csv), writeLog(dir, 'plain.ndjson', ndjsonOf(csv))]) {
        asked.mockClear();
        expect(await duckdbJson([file], { rates }), file).toBe(withoutReferences(await jsJson([file], { rates })));
        const statements = asked.mock.calls.map(([sql]) => sql);
        expect(statements.some((sql) => /^DESCRIBE/.test(sql)), file).toBe(false);
        if (file.endsWith('.csv')) expect(statements.some((sql) => sql.includes('auto_detect = false')), file).toBe(true);
      }
      // A native shape is described (then refused): the watch sees what it should.
      asked.mockClear();
      await expect(duckdbJson([join(ROOT, 'fixtures/provider/streaming-universal.ndjson')], { rates })).rejects.toThrow(/has no "kind" column/);
      expect(asked.mock.calls.some(([sql]) => /^DESCRIBE/.test(sql))).toBe(true);
    } finally {
      asked.mockRestore();
    }
  }, 60_000);
  it("a glob's files are names, as the shell gives them: a [, * or ? in one is not a pattern again, a dot file is not matched; a directory is refused", async () => {
    const dir = tempDir();
    const rows = (tag: string): string => `kind,id,timestamp,model,audio_duration\ntranscript,${tag}-1,2026-05-12T10:00:00Z,fast,60\nstream,${tag}-2,2026-05-12T11:00:00Z,rt,90\n`;
    const logs = [writeLog(dir, 'a[1].csv', rows('x')), writeLog(dir, 'a1.csv', rows('y')), writeLog(dir, 'a*b.csv', rows('z'))];
    // A macOS AppleDouble file beside them: not a log, and not matched by *.csv.
    writeFileSync(join(dir, '._a1.csv'), Buffer.from([0, 5, 22, 7, 0, 2, 0, 0]));
    const expected = withoutReferences(await jsJson(logs, { rates }));
    // DuckDB read `a[1].csv` as the pattern matching `a1.csv`: a1.csv twice, a[1].csv never.
    expect(await duckdbJson([join(dir, '*.csv')], { rates })).toBe(expected);
    expect(await duckdbJson(logs, { rates })).toBe(expected);
    mkdirSync(join(dir, 'folder.csv'));
    await expect(duckdbJson([join(dir, 'folder.csv')], { rates })).rejects.toThrow(/folder\.csv is a directory; give the log files in it/);
  }, 60_000);
  it('an add-on after a tab, and NDJSON with two fields read from one column (--map): one invoice on every engine', async () => {
    const dir = tempDir();
    const csv = 'kind,id,timestamp,model,audio_duration,features\ntranscript,t-1,2026-05-12T10:00:00Z,fast,60,"labels;\tentities"\n';
    const file = writeLog(dir, 'tab.csv', csv);
    const js = withoutReferences(await jsJson([file], { rates }));
    expect(js).not.toContain('UNPRICED');
    expect(await duckdbJson([file], { rates })).toBe(js);
    if (client) expect(await postgresJson(client, file, csv, { rates })).toBe(js);
    const mapped = writeLog(dir, 'mapped.ndjson', '{"kind":"stream","id":"s-1","at":"2026-05-12T10:00:00Z","model":"rt","session_duration":60}\n');
    const flags: Flags = { rates, map: { timestamp: 'at', started_at: 'at' } };
    expect(await duckdbJson([mapped], flags)).toBe(withoutReferences(await jsJson([mapped], flags)));
  }, 60_000);
  it('a header DuckDB names itself (quoted, a byte-order mark, a name repeated in another case, other columns across files): one invoice', async () => {
    const dir = tempDir();
    const rows = 'transcript,t-1,2026-05-12T10:00:00Z,fast,60\nstream,s-1,2026-05-12T11:00:00Z,rt,90\n';
    const plain = writeLog(dir, 'plain.csv', `kind,id,timestamp,model,audio_duration\n${rows}`);
    const js = withoutReferences(await jsJson([plain], { rates }));
    expect(await duckdbJson([plain], { rates })).toBe(js);
    expect(await duckdbJson([writeLog(dir, 'quoted.csv', `"kind","id","timestamp","model","audio_duration"\n${rows}`)], { rates })).toBe(js);
    expect(await duckdbJson([writeLog(dir, 'bom.csv', `\uFEFFkind,id,timestamp,model,audio_duration\n${rows}`)], { rates })).toBe(js);
    // A column of the same name in another case (DuckDB renames the second, ID_1): not the id.
    const cased = writeLog(dir, 'cased.csv', 'ID,kind,id,timestamp,model,audio_duration\nX,transcript,t-1,2026-05-12T10:00:00Z,fast,60\nX,transcript,t-2,2026-05-12T11:00:00Z,fast,60\n');
    expect(await duckdbJson([cased], { rates })).toBe(withoutReferences(await jsJson([cased], { rates })));
    // Files with other columns (the second without model, in another order): matched by name.
    const first = writeLog(dir, 'first.csv', 'kind,id,timestamp,model,audio_duration\ntranscript,t-1,2026-05-12T10:00:00Z,fast,60\n');
    const second = writeLog(dir, 'second.csv', 'id,kind,timestamp,audio_duration,model\ns-1,stream,2026-05-12T11:00:00Z,90,rt\n');
    const third = writeLog(dir, 'third.csv', 'id,kind,timestamp,audio_duration\nt-3,transcript,2026-05-12T12:00:00Z,30\n');
    expect(await duckdbJson([first, second, third], { rates })).toBe(withoutReferences(await jsJson([first, second, third], { rates })));
  }, 60_000);
});

const FEATURES = ['labels', 'entities', 'zzz', ' labels ', ''];
const csvCell = (v: string): string => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
const HEAD = ['kind', 'id', 'timestamp', 'project', 'model', 'audio_duration', 'channels', 'features', 'status', 'session_duration', 'terminated', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'region'];

/** A canonical row of the fuzz card's products: transcripts (tiers per day and month, add-ons, channels, failures), streams (closed or not, at the cap or not), LLM calls (bands, regions). */
const instant = fc.integer({ min: Date.UTC(2026, 4, 10), max: Date.UTC(2026, 4, 20) }).chain((ms) =>
  fc.constantFrom('Z', '+05:30', '-04:00', '').map((zone) => {
    const offset = zone === '' || zone === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4))) * 60_000;
    return new Date(ms + offset).toISOString().replace(/\.\d+Z$/, '').replace(/:\d\d$/, (s) => (ms % 7 === 0 ? `${s}.${String(ms % 1000).padStart(3, '0')}` : s)) + zone;
  }),
);
const row = fc.record({
  kind: fc.constantFrom('transcript', 'transcript', 'stream', 'llm'),
  timestamp: instant,
  project: fc.constantFrom('a', 'b', ''),
  model: fc.constantFrom('fast', 'slow', '', 'rt', 'm1', 'nope'),
  audio: fc.integer({ min: 0, max: 5_000_000 }).map((ms) => (ms % 3 === 0 ? String(ms / 1000) : `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}4`)),
  channels: fc.constantFrom('', '1', '2', '3'),
  features: fc.subarray(FEATURES).map((f) => f.join(';')),
  status: fc.constantFrom('', 'completed', 'error'),
  session: fc.integer({ min: 0, max: 5000 }),
  terminated: fc.constantFrom('true', 'false', '', 'TRUE'),
  input: fc.integer({ min: 0, max: 1500 }),
  output: fc.integer({ min: 0, max: 500 }),
  cacheRead: fc.constantFrom('', '0', '300'),
  region: fc.constantFrom('', 'global', 'us', 'eu', 'US'),
  copies: fc.constantFrom(1, 1, 1, 2),
});
type Row = typeof row extends fc.Arbitrary<infer T> ? T : never;

function csvOf(rows: Row[]): string {
  const lines = [HEAD.join(',')];
  // Ids are unique but for retries: duplicates of conflicting content are billed from another row by design (docs/sql.md).
  for (const [index, r] of rows.entries()) {
    const model = r.kind === 'transcript' ? (['rt', 'm1'].includes(r.model) ? 'fast' : r.model) : r.kind === 'stream' ? (r.model === 'nope' ? 'nope' : 'rt') : r.model === 'nope' ? 'nope' : 'm1';
    const audio = r.kind === 'llm' ? '' : r.kind === 'stream' ? String(Math.min(Number(r.audio), r.session)) : r.audio;
    const cells = [
      r.kind, `${r.kind[0]}-${index}`, r.timestamp, r.project, model, audio,
      r.kind === 'transcript' ? r.channels : '', r.kind === 'transcript' ? r.features : '', r.kind === 'transcript' ? r.status : '',
      r.kind === 'stream' && r.terminated !== 'false' ? String(r.session) : '', r.kind === 'stream' ? r.terminated : '',
      r.kind === 'llm' ? String(r.input) : '', r.kind === 'llm' ? String(r.output) : '', r.kind === 'llm' ? r.cacheRead : '', r.kind === 'llm' ? r.region : '',
    ];
    // A retry repeats the row as it was (identical content): every engine keeps one.
    for (let i = 0; i < r.copies; i++) lines.push(cells.map(csvCell).join(','));
  }
  return `${lines.join('\n')}\n`;
}

const flags = fc.record({
  groupBy: fc.constantFrom(undefined, 'day', 'month', 'project,day'),
  tz: fc.constantFrom(undefined, 'UTC', 'Asia/Kathmandu'),
  period: fc.constantFrom(undefined, { from: '2026-05-12', to: '2026-05-18' }, { month: '2026-05' }),
});

// Fuzzed runs per card: 8 by default (the suite's time), more with TALLYMAN_SQL_RUNS=200.
const RUNS = Number(process.env.TALLYMAN_SQL_RUNS ?? 8);
const CARDS: [string, string][] = [
  ['fixtures/sql/fuzz-card.yaml', 'a card with versions, tiers per day and month, add-ons, sessions, bands and regions'],
  ['fixtures/sql/shapes-card.yaml', 'a card priced per request, with flat fees per tier, a package, a minimum, a daily free quota and packs'],
];

for (const [rates, what] of CARDS) {
  describe(`fuzzed canonical logs on ${what}`, () => {
    it('gives the same invoice on every engine', async () => {
      const dir = tempDir();
      let n = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 30 }), flags, async (rows, f) => {
          const csv = csvOf(rows);
          const file = writeLog(dir, `log-${n++}.csv`, csv);
          const given: Flags = { rates, allowUnpriced: true, ...(f.groupBy ? { groupBy: f.groupBy } : {}), ...(f.tz ? { tz: f.tz } : {}), ...(f.period ?? {}) };
          const js = withoutReferences(await jsJson([file], given));
          expect(await duckdbJson([file], given)).toBe(js);
          if (client) expect(await postgresJson(client, file, csv, given)).toBe(js);
          // The duplicate check as the dialects that compute a CTE again for each reader write it: the same invoice.
          if (client) expect(await postgresJson(client, file, csv, given, true)).toBe(js);
          expect(await logUsageJson([file], { rates }, true)).toBe(await logUsageJson([file], { rates }, false));
          // The same rows as typed Parquet (instants with their zone, or as local times): DuckDB reads the typed columns as
          // they are, the in-process engine through hyparquet; both give one invoice.
          const parquet = file.replace(/\.csv$/, '.parquet');
          await typedParquet(file, parquet, n % 2 === 0);
          expect(await duckdbJson([parquet], given)).toBe(withoutReferences(await jsJson([parquet], given)));
          // And as NDJSON (counts as JSON numbers): DuckDB reads every canonical field as text, as the in-process engine does.
          const ndjson = writeLog(dir, `log-${n}.ndjson`, ndjsonOf(csv));
          expect(await duckdbJson([ndjson], given)).toBe(withoutReferences(await jsJson([ndjson], given)));
        }),
        { numRuns: RUNS },
      );
    }, 150_000);
  });
}
