import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { init, parse } from '@guanmingchiu/sqlparser-ts';
import { Parser } from 'node-sql-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, type DialectName } from '../../src/sql/dialect.js';
import { ROOT, runBinary } from '../cli/binary.js';

/**
 * The dialects no test runs on a live engine (docs/sql.md "Other dialects"): the statement of a small
 * fixed card is compared byte for byte with its golden text under fixtures/sql/, and parsed by
 * sqlparser-rs (Apache DataFusion's parser, as @guanmingchiu/sqlparser-ts) in the dialect's own
 * grammar, and by node-sql-parser where it has one. Regenerate the golden text after a deliberate
 * change with `TALLYMAN_UPDATE_GOLDEN=1 npx vitest run test/sql/dialects.test.ts`, and read the diff.
 */

/** The fixed card and flags of the golden statements: per request, a minimum, quotas and packs (so `usage_day`), add-ons. */
const ARGS = ['--rates', 'fixtures/sql/shapes-card.yaml', '--table', 'billing.usage', '--month', '2026-05', '--group-by', 'project'];
const UPDATE = process.env.TALLYMAN_UPDATE_GOLDEN === '1';

/** sqlparser-rs's name of each dialect's grammar. */
const SQLPARSER: Record<DialectName, string> = { duckdb: 'duckdb', postgres: 'postgresql', bigquery: 'bigquery', snowflake: 'snowflake', spark: 'spark', clickhouse: 'clickhouse' };
/**
 * node-sql-parser's grammar of a dialect, where it has one that reads our SQL. It has none for
 * Spark (its Hive grammar reserves `timestamp`, a canonical column that Spark accepts), ClickHouse
 * or DuckDB; its PostgreSQL grammar does not know `AS MATERIALIZED` (PostgreSQL 12), taken out for it.
 */
const NODE_SQL_PARSER: Partial<Record<DialectName, string>> = { bigquery: 'BigQuery', snowflake: 'Snowflake', postgres: 'PostgresQL' };

const statements = new Map<DialectName, string>();

beforeAll(async () => {
  await init();
  for (const dialect of DIALECTS) {
    const result = runBinary(['sql', '--dialect', dialect, ...ARGS]);
    expect(result.status, result.stderr).toBe(0);
    statements.set(dialect, result.stdout);
  }
});

describe.each([...DIALECTS])('tallyman sql --dialect %s', (dialect) => {
  it('is the golden statement, byte for byte', () => {
    const golden = join(ROOT, 'fixtures', 'sql', `golden-${dialect}.sql`);
    if (UPDATE) writeFileSync(golden, statements.get(dialect)!);
    expect(existsSync(golden), `${golden} is missing: TALLYMAN_UPDATE_GOLDEN=1 writes it`).toBe(true);
    expect(statements.get(dialect)).toBe(readFileSync(golden, 'utf8'));
  });

  it(`parses as one statement in sqlparser-rs's ${SQLPARSER[dialect]} grammar`, () => {
    expect(parse(statements.get(dialect)!, SQLPARSER[dialect])).toHaveLength(1);
  });

  it.runIf(NODE_SQL_PARSER[dialect] !== undefined)(`parses in node-sql-parser's ${NODE_SQL_PARSER[dialect]} grammar`, () => {
    const sql = statements.get(dialect)!.replaceAll(' AS MATERIALIZED (', ' AS (');
    const ast = new Parser().astify(sql, { database: NODE_SQL_PARSER[dialect]! });
    expect(Array.isArray(ast) ? ast.length : 1).toBe(1);
  });
});

describe('the parse checks can fail', () => {
  it('sqlparser-rs refuses a statement cut short, and a ClickHouse ARRAY JOIN in Spark', () => {
    const sql = statements.get('spark')!;
    expect(() => parse(sql.slice(0, sql.length / 2), 'spark')).toThrow();
    expect(() => parse('SELECT a FROM t ARRAY JOIN x AS addon', 'spark')).toThrow();
  });
});
