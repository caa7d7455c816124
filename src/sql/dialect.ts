/**
 * What differs between the SQL engines tallyman compiles for: type names, regular expressions,
 * integer division, time zones, and how a list of add-ons is turned into rows. Everything else in
 * the statement is plain SQL that every dialect reads the same way.
 */
export interface Dialect {
  name: DialectName;
  /**
   * Whether the engine computes a step read more than once only once (DuckDB materialises such a CTE; PostgreSQL's is written
   * `AS MATERIALIZED`). BigQuery, Snowflake, Spark and ClickHouse may compute it again for each reader (duplicates.ts).
   */
  materializes: boolean;
  /** The text and 64-bit integer type names. */
  text: string;
  int: string;
  /** Whether `expr` matches the (anchored) regular expression. */
  matches(expr: string, pattern: string): string;
  /** Group `n` (1-based) of the match of `pattern` on `expr`, or NULL (or '') when there is none. */
  group(expr: string, pattern: string, n: number): string;
  /** Integer division of non-negative integers, rounded down. */
  div(a: string, b: string): string;
  /** The local calendar day (`YYYY-MM-DD` text) of the instant `ms` (epoch milliseconds) in `zone`. */
  localDay(ms: string, zone: string): string;
  /** The instant (epoch ms) of the local wall-clock time `localMs` (ms since 1970-01-01T00:00 local) in `zone`. */
  localToUtc(localMs: string, zone: string): string;
  /** The FROM-clause tail that gives each row of `alias` once per distinct trimmed name in `list` (`;`-separated), as column `addon`. */
  explode(alias: string, list: string): string;
  /** A text expression as an ORDER BY key in byte order, whatever the database's collation. */
  bytewise(expr: string): string;
  /** A string literal. */
  quote(text: string): string;
  /** `AS` of a common table expression: PostgreSQL's planner is told to compute each step once, not to inline it into the next. */
  cteAs: string;
  /** A quoted identifier (a column name). */
  ident(name: string): string;
  /** A constant table of `rows` (each a list of SQL literals) with the columns `columns`. */
  table(columns: readonly string[], rows: readonly (readonly string[])[]): string;
  /** Where the engine's column types are known (`--engine duckdb`): the epoch ms of a TIMESTAMP (local) or TIMESTAMPTZ value. */
  epochMs?(expr: string): string;
  /** The value of `expr` on the row before (`lag`) or after (`lead`) in the window `over` (PARTITION BY … ORDER BY …), NULL at its ends. */
  neighbour(kind: 'lag' | 'lead', expr: string, over: string): string;
  /** The one-character text of code point `n`. */
  chr(n: number): string;
  /** Text without the spaces, tabs, carriage returns and line feeds at either end (those inside kept). */
  trim(expr: string): string;
  /** Where the engine gives every group of one match at once: a struct of groups 1 … `count` as `g1` … (empty text when there is no match), read as `column.gN`. */
  groupsOf?(expr: string, pattern: string, count: number): string;
  /**
   * Where the engine reads the commonest instants itself: the epoch ms of the text `expr` when it is a UTC instant of one
   * of a few fixed shapes (`2026-05-01T10:00:00Z`, with `.123`) and the engine reads it, else NULL (the regular
   * expression then decides). Must never give a value the text path would not (test/sql/fast-reads.test.ts).
   */
  fastInstant?(expr: string): string;
  /** Where the engine reads plain decimals itself: the whole milliseconds of a text of seconds with at most three decimals (`30`, `31.1`), else NULL (the regular expression then decides). */
  fastSeconds?(expr: string): string;
  /** Where the engine reads plain counts itself: the integer of a text of 1 to 15 digits, else NULL (the regular expression then decides). */
  fastCount?(expr: string): string;
  /**
   * Where the engine has a fast 64-bit hash of several values: the hash of a (kind, id), by which the duplicate check finds
   * the ids seen more than once (one integer hashed and compared instead of two texts). Two pairs may share a hash: the
   * check's window then ranks each pair alone, as it would (duplicates.ts).
   */
  idHash?(kind: string, id: string): string;
}

/** LAG and LEAD, as most engines name them (ClickHouse: lagInFrame and leadInFrame over the whole partition, since version 25.6 only LAG and LEAD). */
const standardNeighbour = (kind: 'lag' | 'lead', e: string, over: string): string => `${kind.toUpperCase()}(${e}) OVER (${over})`;

/** A constant table as SELECTs joined by UNION ALL (the first names the columns): every dialect reads it. */
function selectsTable(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  return rows.map((row, i) => `SELECT ${row.map((v, j) => (i === 0 ? `${v} AS ${columns[j]}` : v)).join(', ')}`).join('\n  UNION ALL ');
}

/** A constant table as one VALUES list: far quicker to plan than a thousand SELECTs where the engine reads it. */
function valuesTable(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  return `SELECT * FROM (VALUES\n    ${rows.map((row) => `(${row.join(', ')})`).join(',\n    ')}\n  ) AS v(${columns.join(', ')})`;
}

/** The characters trimmed from every field, as text escapes understood by the backslash-quoting dialects. */
const TRIMMED_ESCAPED = "' \\t\\n\\r'";

// Text without the spaces, tabs, carriage returns and line feeds at either end, per dialect (the fields and the add-ons of a list).
/**
 * DuckDB: trimmed only where it changes something (trim() is slow there). The start in one comparison: text sorts before '!'
 * (DuckDB compares bytes) only when it is empty or starts with a byte up to a space, and trim() leaves the other control bytes
 * as they are. The end in four suffix tests (35 ms less than eight tests of a 1M-row log's six fields).
 */
const duckdbTrim = (e: string): string =>
  `CASE WHEN ${e} < '!' OR ${["' '", 'chr(9)', 'chr(10)', 'chr(13)'].map((c) => `suffix(${e}, ${c})`).join(' OR ')} THEN trim(${e}, ' ' || chr(9) || chr(10) || chr(13)) ELSE ${e} END`;
const postgresTrim = (e: string): string => `btrim(${e}, ' ' || chr(9) || chr(10) || chr(13))`;
const commaTrim = (e: string): string => `TRIM(${e}, ${TRIMMED_ESCAPED})`;
const bothTrim = (e: string): string => `trim(BOTH ${TRIMMED_ESCAPED} FROM ${e})`;

export const DIALECTS = ['duckdb', 'postgres', 'bigquery', 'snowflake', 'spark', 'clickhouse'] as const;
export type DialectName = (typeof DIALECTS)[number];

/** A string literal in standard SQL: single quotes doubled. */
function standardQuote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A string literal where backslashes escape (BigQuery, Spark, ClickHouse, Snowflake): both quotes and backslashes escaped. */
function backslashQuote(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** `pattern` with every capturing group but the `n`-th made non-capturing (for engines that return the first group only). */
export function onlyGroup(pattern: string, n: number): string {
  let count = 0;
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      out += c + pattern[i + 1]!;
      i++;
      continue;
    }
    if (c === '(' && pattern[i + 1] !== '?') {
      count++;
      out += count === n ? '(' : '(?:';
      continue;
    }
    out += c;
  }
  return out;
}

/** A UTC instant to the second as a GLOB pattern (digits where the shape has digits; anchored at both ends as a GLOB is). */
const INSTANT_GLOB = `${'[0-9]'.repeat(4)}-[0-9][0-9]-[0-9][0-9][T ][0-9][0-9]:[0-9][0-9]:[0-9][0-9]`;

const duckdb: Dialect = {
  name: 'duckdb',
  materializes: true,
  neighbour: standardNeighbour,
  // Floored to the millisecond (epoch_ms() truncates toward zero: an instant before 1970 with a part of a millisecond would move up).
  epochMs: (e) => `((epoch_us(${e}) - ((epoch_us(${e}) % 1000) + 1000) % 1000) // 1000)`,
  chr: (n) => `chr(${n})`,
  table: valuesTable,
  // Trimmed only where it changes something (one of the four at either end): trim() is slow here.
  trim: duckdbTrim,
  // Digits where the shape has digits, then DuckDB's own reading (which alone takes `2026-05-01T 0:20:30Z`); it takes an
  // hour of 24 (the next day), which normalize.ts refuses. The shape as two GLOB patterns (the match's language exactly, at a
  // third of a regular expression's cost), one tried a text by its length, called by the operator's function name, `~~~`:
  // sqlparser-rs's DuckDB grammar, which the dialect test parses with, does not know `GLOB`.
  fastInstant: (e) => `CASE WHEN CASE length(${e}) WHEN 20 THEN "~~~"(${e}, '${INSTANT_GLOB}Z') WHEN 24 THEN "~~~"(${e}, '${INSTANT_GLOB}.${'[0-9]'.repeat(3)}Z') ELSE FALSE END AND substr(${e}, 12, 2) <> '24' THEN epoch_ms(TRY_CAST(${e} AS TIMESTAMP)) END`,
  // 12 digits and a DECIMAL(15, 3) hold every such text exactly; times 1000 it is whole.
  fastSeconds: (e) => `CASE WHEN regexp_full_match(${e}, '[0-9]{1,12}([.][0-9]{1,3})?') THEN CAST(CAST(${e} AS DECIMAL(15, 3)) * 1000 AS BIGINT) END`,
  fastCount: (e) => `CASE WHEN regexp_full_match(${e}, '[0-9]{1,15}') THEN CAST(${e} AS BIGINT) END`,
  idHash: (kind, id) => `hash(${kind}, ${id})`,
  groupsOf: (e, p, count) => `regexp_extract(${e}, ${standardQuote(p)}, [${Array.from({ length: count }, (_, i) => `'g${i + 1}'`).join(', ')}])`,
  cteAs: 'AS',
  text: 'VARCHAR',
  int: 'BIGINT',
  matches: (e, p) => `regexp_full_match(${e}, ${standardQuote(p)})`,
  group: (e, p, n) => `NULLIF(regexp_extract(${e}, ${standardQuote(onlyGroup(p, n))}, 1), '')`,
  div: (a, b) => `((${a}) // (${b}))`,
  localDay: (ms, zone) => `strftime(timezone(${standardQuote(zone)}, timezone('UTC', epoch_ms(${ms}))), '%Y-%m-%d')`,
  localToUtc: (ms, zone) => `epoch_ms(timezone(${standardQuote(zone)}, epoch_ms(${ms})))`,
  explode: (alias, list) => `CROSS JOIN LATERAL (SELECT DISTINCT ${duckdbTrim('f')} AS addon FROM (SELECT unnest(string_split(${alias}.${list}, ';')) AS f)) AS a`,
  bytewise: (e) => e,
  quote: standardQuote,
  ident: (n) => `"${n.replaceAll('"', '""')}"`,
};

const postgres: Dialect = {
  name: 'postgres',
  materializes: true,
  neighbour: standardNeighbour,
  chr: (n) => `chr(${n})`,
  table: valuesTable,
  trim: postgresTrim,
  cteAs: 'AS MATERIALIZED',
  text: 'TEXT',
  int: 'BIGINT',
  matches: (e, p) => `(${e} ~ ${standardQuote(p)})`,
  group: (e, p, n) => `(regexp_match(${e}, ${standardQuote(p)}))[${n}]`,
  div: (a, b) => `((${a}) / (${b}))`,
  // timezone(zone, t) is AT TIME ZONE written as a function (which more parsers read).
  localDay: (ms, zone) => `to_char(timezone(${standardQuote(zone)}, CAST('1970-01-01 00:00:00+00' AS TIMESTAMPTZ) + (${ms}) * INTERVAL '1 millisecond'), 'YYYY-MM-DD')`,
  localToUtc: (ms, zone) => `CAST(EXTRACT(EPOCH FROM timezone(${standardQuote(zone)}, TIMESTAMP 'epoch' + (${ms}) * INTERVAL '1 millisecond')) * 1000 AS BIGINT)`,
  explode: (alias, list) => `CROSS JOIN LATERAL (SELECT DISTINCT ${postgresTrim('f')} AS addon FROM unnest(string_to_array(${alias}.${list}, ';')) AS f) AS a`,
  bytewise: (e) => `${e} COLLATE "C"`,
  quote: standardQuote,
  ident: (n) => `"${n.replaceAll('"', '""')}"`,
};

const bigquery: Dialect = {
  name: 'bigquery',
  materializes: false,
  neighbour: standardNeighbour,
  chr: (n) => `CODE_POINTS_TO_STRING([${n}])`,
  table: selectsTable,
  trim: commaTrim,
  cteAs: 'AS',
  text: 'STRING',
  int: 'INT64',
  matches: (e, p) => `REGEXP_CONTAINS(${e}, ${backslashQuote(p)})`,
  group: (e, p, n) => `NULLIF(REGEXP_EXTRACT(${e}, ${backslashQuote(onlyGroup(p, n))}), '')`,
  div: (a, b) => `DIV(${a}, ${b})`,
  localDay: (ms, zone) => `FORMAT_TIMESTAMP('%Y-%m-%d', TIMESTAMP_MILLIS(${ms}), ${backslashQuote(zone)})`,
  localToUtc: (ms, zone) => `UNIX_MILLIS(TIMESTAMP(DATETIME(TIMESTAMP_MILLIS(${ms})), ${backslashQuote(zone)}))`,
  explode: (alias, list) => `CROSS JOIN UNNEST(ARRAY(SELECT DISTINCT ${commaTrim('f')} FROM UNNEST(SPLIT(${alias}.${list}, ';')) AS f)) AS addon`,
  bytewise: (e) => e,
  quote: backslashQuote,
  ident: (n) => `\`${n.replaceAll('`', '\\`')}\``,
};

const snowflake: Dialect = {
  name: 'snowflake',
  materializes: false,
  neighbour: standardNeighbour,
  chr: (n) => `CHR(${n})`,
  table: selectsTable,
  trim: commaTrim,
  cteAs: 'AS',
  text: 'VARCHAR',
  int: 'BIGINT',
  matches: (e, p) => `REGEXP_LIKE(${e}, ${backslashQuote(p)})`,
  group: (e, p, n) => `NULLIF(REGEXP_SUBSTR(${e}, ${backslashQuote(p)}, 1, 1, 'e', ${n}), '')`,
  div: (a, b) => `FLOOR((${a}) / (${b}))`,
  localDay: (ms, zone) => `TO_CHAR(CONVERT_TIMEZONE('UTC', ${backslashQuote(zone)}, TO_TIMESTAMP_NTZ(${ms}, 3)), 'YYYY-MM-DD')`,
  localToUtc: (ms, zone) => `DATE_PART(EPOCH_MILLISECOND, CONVERT_TIMEZONE(${backslashQuote(zone)}, 'UTC', TO_TIMESTAMP_NTZ(${ms}, 3)))`,
  explode: (alias, list) => `CROSS JOIN LATERAL (SELECT DISTINCT ${commaTrim('f.value::VARCHAR')} AS addon FROM TABLE(FLATTEN(SPLIT(${alias}.${list}, ';'))) AS f) AS a`,
  bytewise: (e) => `COLLATE(${e}, 'utf8')`,
  quote: backslashQuote,
  ident: (n) => `"${n.replaceAll('"', '""')}"`,
};

const spark: Dialect = {
  name: 'spark',
  materializes: false,
  neighbour: standardNeighbour,
  chr: (n) => `chr(${n})`,
  table: selectsTable,
  trim: bothTrim,
  cteAs: 'AS',
  text: 'STRING',
  int: 'BIGINT',
  matches: (e, p) => `(${e} RLIKE ${backslashQuote(p)})`,
  group: (e, p, n) => `NULLIF(regexp_extract(${e}, ${backslashQuote(p)}, ${n}), '')`,
  div: (a, b) => `((${a}) DIV (${b}))`,
  localDay: (ms, zone) => `date_format(from_utc_timestamp(timestamp_millis(${ms}), ${backslashQuote(zone)}), 'yyyy-MM-dd')`,
  localToUtc: (ms, zone) => `unix_millis(to_utc_timestamp(timestamp_millis(${ms}), ${backslashQuote(zone)}))`,
  explode: (alias, list) => `LATERAL VIEW explode(array_distinct(transform(split(${alias}.${list}, ';'), f -> ${bothTrim('f')}))) AS addon`,
  bytewise: (e) => e,
  quote: backslashQuote,
  ident: (n) => `\`${n.replaceAll('`', '\\`')}\``,
};

const clickhouse: Dialect = {
  name: 'clickhouse',
  materializes: false,
  neighbour: (kind, e, over) => `${kind}InFrame(toNullable(${e}), 1) OVER (${over} ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)`,
  chr: (n) => `char(${n})`,
  table: selectsTable,
  trim: bothTrim,
  cteAs: 'AS',
  text: 'String',
  int: 'Int64',
  matches: (e, p) => `match(${e}, ${backslashQuote(p)})`,
  group: (e, p, n) => `NULLIF(extract(${e}, ${backslashQuote(onlyGroup(p, n))}), '')`,
  div: (a, b) => `intDiv(${a}, ${b})`,
  localDay: (ms, zone) => `formatDateTime(fromUnixTimestamp64Milli(toInt64(${ms}), ${backslashQuote(zone)}), '%Y-%m-%d', ${backslashQuote(zone)})`,
  localToUtc: (ms, zone) => `toUnixTimestamp64Milli(toDateTime64(formatDateTime(fromUnixTimestamp64Milli(toInt64(${ms}), 'UTC'), '%Y-%m-%d %H:%i:%S', 'UTC'), 3, ${backslashQuote(zone)})) + (${ms}) % 1000`,
  explode: (alias, list) => `ARRAY JOIN arrayDistinct(arrayMap(f -> ${bothTrim('f')}, splitByChar(';', ${alias}.${list}))) AS addon`,
  bytewise: (e) => e,
  quote: backslashQuote,
  ident: (n) => `\`${n.replaceAll('`', '\\`')}\``,
};

/** Casts to the dialect's 64-bit integer and text types, as every step of the statement writes them. */
export function casts(d: Dialect): { int: (e: string) => string; txt: (e: string) => string } {
  return { int: (e) => `CAST(${e} AS ${d.int})`, txt: (e) => `CAST(${e} AS ${d.text})` };
}

export const DIALECT: Record<DialectName, Dialect> = { duckdb, postgres, bigquery, snowflake, spark, clickhouse };
