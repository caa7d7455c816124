import { CANONICAL_FIELDS, REGIONS, type CanonicalField } from '../ingest/record.js';
import { casts, type Dialect } from './dialect.js';

/**
 * The first steps of the statement of `tallyman sql`: the canonical fields of any table (typed or
 * all text) parsed as the in-process engine parses them (src/ingest/normalize.ts), in integers
 * only, up to one row per record with its instant, session, closure and whether it is valid. The
 * plans, charges and the bucket table follow in compile.ts.
 */

const ISO = '^([0-9]{4})-([0-9]{2})-([0-9]{2})([Tt ]([0-9]{2}):([0-9]{2})(:([0-9]{2})([.,]([0-9]{1,9}))?)?)?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?$';
const SECONDS = '^([0-9]{1,12})([.]([0-9]+))?$';
const COUNT = '^[0-9]{1,15}$';
const FEATURES = '^[ \t]*([A-Za-z0-9_.-]*[ \t]*;[ \t]*)*[A-Za-z0-9_.-]*[ \t]*$';
const NONZERO = '^[0-9]*[1-9][0-9]*$';
const INSTANTS = ['timestamp', 'started_at', 'ended_at', 'completed_at'] as const;
const DURATIONS = ['audio_duration', 'session_duration'] as const;
const COUNTS = ['channels', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'cache_write_1h_tokens', 'reasoning_tokens'] as const;
export const TOKENS: Record<string, string> = { input: 'input_tokens', output: 'output_tokens', cache_read: 'cache_read_tokens', cache_write: 'cache_write_tokens', cache_write_1h: 'cache_write_1h_tokens', reasoning: 'reasoning_tokens' };

/** What the steps read: the table's columns (undefined: every canonical field), `--map`, and the zone of timestamps without an offset. */
export interface FieldOptions {
  map: ReadonlyMap<CanonicalField, string>;
  columns?: readonly string[] | undefined;
  inputZone: { name: string };
  /** The columns' types as the engine reports them (DuckDB's names), where known: typed instants, decimals and integers are read as they are, not as text. */
  types?: ReadonlyMap<string, string> | undefined;
}

/** Whether the table has the column field `f` is read from (no list of columns: every canonical field). */
export function hasField(options: Pick<FieldOptions, 'map' | 'columns'>, f: CanonicalField): boolean {
  return options.columns === undefined || options.columns.includes(options.map.get(f) ?? f);
}

/** The largest duration in seconds and count the text path reads (12 and 15 digits). */
const DURATION_LIMIT = '1000000000000';
const COUNT_LIMIT = '1000000000000000';
/** Epoch ms of 1000-01-01T00:00Z and of 9000-01-01T00:00Z: the years an instant may have. */
const FIRST_MS = '-30610224000000';
const END_MS = '221845392000000';

/** The common table expressions `src` … `r` (the last: one row per record, the fields the later steps read and the derived columns), for FROM item `table`. */
export function recordSteps(d: Dialect, options: FieldOptions, table: string): string {
  const { int, txt } = casts(d);
  const NULLT = txt('NULL');
  const NULLI = int('NULL');
  const has = (f: CanonicalField): boolean => hasField(options, f);

  // 0. A typed column the engine reads exactly (an instant with or without its zone, a decimal or an integer) is taken as it
  // is (`f_raw`; its text stays NULL): no text to write and parse again. Others, and every column where types are unknown, as text.
  const typeOf = (f: CanonicalField): string => (d.epochMs !== undefined && has(f) ? (options.types?.get(options.map.get(f) ?? f) ?? '').toUpperCase() : '');
  const typed = (f: CanonicalField): 'instant' | 'local' | 'integer' | 'decimal' | 'float' | undefined => {
    const type = typeOf(f);
    if ((INSTANTS as readonly string[]).includes(f) && type.startsWith('TIMESTAMP')) return type === 'TIMESTAMPTZ' || type.includes('TIME ZONE') ? 'instant' : 'local';
    const integer = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$/.test(type) || /^DECIMAL\(\d+,\s*0\)$/.test(type);
    // A count is a whole number: a decimal with a scale is read as text (30.50 refused, as in process).
    // A count as a DOUBLE (pandas writes whole numbers with gaps so): whole values only, as the in-process engine reads its shortest text.
    if ((COUNTS as readonly string[]).includes(f)) return integer ? 'integer' : type === 'DOUBLE' || type === 'FLOAT' ? 'float' : undefined;
    if ((DURATIONS as readonly string[]).includes(f)) return integer ? 'integer' : /^DECIMAL\(\d+,\s*\d+\)$/.test(type) ? 'decimal' : undefined;
    return undefined;
  };
  /**
   * A typed duration of less than 10^12 s in whole ms, a part of a millisecond rounded up. With at most three decimals (or
   * none) it is whole, and 64 bits hold it: a DECIMAL(15, 3) holds every such value exactly (a 128-bit DECIMAL(38, 3) with
   * CEIL costs DuckDB 25 times as much). More decimals: in 128 bits (a DECIMAL(18, 6)'s value times 1000 overflows 64).
   */
  const typedMs = (f: CanonicalField): string => {
    const scale = Number(/,\s*(\d+)\)$/.exec(typeOf(f))?.[1] ?? '0');
    return typed(f) === 'decimal' && scale > 3 ? int(`CEIL(CAST(${f}_raw AS DECIMAL(38, ${scale})) * 1000)`) : int(`CAST(${f}_raw AS DECIMAL(15, 3)) * 1000`);
  };
  const raws = CANONICAL_FIELDS.filter((f) => typed(f) !== undefined);
  // 1. The fields as text trimmed of spaces, tabs and line ends (empty: not given), whatever their types in the table.
  const src = [
    ...CANONICAL_FIELDS.map((f) => (has(f) && typed(f) === undefined ? `${txt(d.ident(options.map.get(f) ?? f))} AS ${f}` : `${NULLT} AS ${f}`)),
    ...raws.map((f) => `${d.ident(options.map.get(f) ?? f)} AS ${f}_raw`),
  ].join(',\n    ');
  // A field the table lacks is NULL on every row: nothing is computed from it (its checks pass, its values are NULL), so the
  // engine carries constants instead of evaluating the text path on a column of NULLs.
  const absent = (f: CanonicalField): boolean => !has(f);
  // An instant, a duration or a count the dialect reads itself from the untrimmed text (`fastInstant` in range, `fastSeconds`,
  // `fastCount`: shapes without spaces) is neither trimmed nor matched again: its text goes on as NULL, its value as `f_fast`.
  const fastInstants = d.fastInstant === undefined ? [] : INSTANTS.filter((f) => typed(f) === undefined && has(f));
  const fastDurations = d.fastSeconds === undefined ? [] : DURATIONS.filter((f) => typed(f) === undefined && has(f));
  const fastCounts = d.fastCount === undefined ? [] : COUNTS.filter((f) => typed(f) === undefined && has(f));
  const fast: readonly string[] = [...fastInstants, ...fastDurations, ...fastCounts];
  const isFast = (f: string): boolean => fast.includes(f);
  /** The start of a check a field read by its fast shape passes (nothing for other fields). */
  const fastOk = (f: string): string => (isFast(f) ? `${f}_fast IS NOT NULL OR ` : '');
  /** The first branch of a CASE giving a field's value: its fast reading, where it has one. */
  const fastValue = (f: string): string => (isFast(f) ? `WHEN ${f}_fast IS NOT NULL THEN ${f}_fast ` : '');
  const readColumns = [
    ...fastInstants.map((f) => `${d.fastInstant!(f)} AS ${f}_read`),
    ...fastDurations.map((f) => `${d.fastSeconds!(f)} AS ${f}_read`),
    ...fastCounts.map((f) => `${d.fastCount!(f)} AS ${f}_read`),
  ];
  // Outside the years 1000 to 8999 the text path decides (and refuses).
  const fastColumns = fast.map((f) => ((INSTANTS as readonly string[]).includes(f) ? `CASE WHEN ${f}_read BETWEEN ${FIRST_MS} AND ${END_MS} - 1 THEN ${f}_read END AS ${f}_fast` : `${f}_read AS ${f}_fast`));
  const trimmed = [
    ...CANONICAL_FIELDS.map((f) => {
      if (absent(f)) return `${NULLT} AS ${f}`;
      const e = `NULLIF(${d.trim(f)}, '')`;
      // A field of a fast shape is trimmed only where it is given and not read so (most rows of a log lack most such fields).
      return `${f === 'region' ? `LOWER(${e})` : isFast(f) ? `CASE WHEN ${f}_fast IS NULL AND ${f} IS NOT NULL THEN ${e} END` : e} AS ${f}`;
    }),
    ...raws.map((f) => `${f}_raw`),
    ...fast.map((f) => `${f}_fast`),
  ].join(',\n    ');
  // 2. Regular-expression groups of instants and durations: one match a field where the dialect gives every group at once.
  const parsedBy = (f: string, pattern: string, count: number): { column?: string; matched: string; group(n: number): string } =>
    d.groupsOf === undefined
      ? { matched: d.matches(f, pattern), group: (n) => d.group(f, pattern, n) }
      // Every pattern here is anchored and its first group is not optional: the first group is not empty exactly when the field matches.
      : { column: `${d.groupsOf(f, pattern, count)} AS ${f}_rx`, matched: `(${f}_rx.g1 <> '')`, group: (n) => `NULLIF(${f}_rx.g${n}, '')` };
  const instantParts = INSTANTS.filter((f) => !absent(f)).map((f) => ({ f, ...parsedBy(f, ISO, 12) }));
  const durationParts = DURATIONS.filter((f) => !absent(f)).map((f) => ({ f, ...parsedBy(f, SECONDS, 3) }));
  const matchColumns = [...instantParts, ...durationParts].flatMap((m) => (m.column === undefined ? [] : [m.column]));
  const groups = [
    ...instantParts.flatMap((m) => [`${m.matched} AS ${m.f}_m`, ...[1, 2, 3, 5, 6, 8, 10, 11].map((n) => `${m.group(n)} AS ${m.f}_${n}`)]),
    ...durationParts.flatMap((m) => [`${m.matched} AS ${m.f}_m`, `${m.group(1)} AS ${m.f}_w`, `${m.group(3)} AS ${m.f}_f`]),
    ...COUNTS.filter((f) => !absent(f)).map((f) => `${d.matches(f, COUNT)} AS ${f}_m`),
    ...(absent('features') ? [] : [`${d.matches('features', FEATURES)} AS features_m`]),
  ];
  // 3. Instants as epoch ms (NULL: not given), and whether each given one is valid: integers first, then checks and days.
  // The integers only of a text that matched (NULL otherwise, as every later step reads them only then): a field read by its
  // fast shape is NULL here, and a default part ('0', '000') would else be made and read on every row.
  const instantInts = INSTANTS.filter((f) => !absent(f)).flatMap((f) => {
    const digits = `REPLACE(SUBSTR(${f}_11, 2), ':', '')`;
    const matched = (e: string): string => `CASE WHEN ${f}_m THEN ${int(e)} END`;
    return [
      ...[['y', 1], ['mo', 2], ['d', 3]].map(([name, n]) => `${matched(`${f}_${n}`)} AS ${f}_${name}`),
      ...[['h', 5], ['mi', 6], ['s', 8]].map(([name, n]) => `${matched(`COALESCE(${f}_${n}, '0')`)} AS ${f}_${name}`),
      `${matched(`SUBSTR(CONCAT(COALESCE(${f}_10, ''), '000'), 1, 3)`)} AS ${f}_ms3`,
      `${matched(`NULLIF(SUBSTR(${digits}, 1, 2), '')`)} AS ${f}_oh`,
      `${matched(`COALESCE(NULLIF(SUBSTR(${digits}, 3), ''), '0')`)} AS ${f}_om`,
    ];
  });
  /** More columns after `*` (none: a table without the fields they are made of). */
  const more = (columns: readonly string[]): string => (columns.length === 0 ? '' : `,\n    ${columns.join(',\n    ')}`);
  const instantOk = (f: CanonicalField): string => {
    if (absent(f)) return 'TRUE';
    if (typed(f) !== undefined) return `(${f}_raw IS NULL OR ${d.epochMs!(`${f}_raw`)} BETWEEN ${FIRST_MS} AND ${END_MS} - 1)`;
    const y = `${f}_y`, mo = `${f}_mo`, day = `${f}_d`, tz = `${f}_11`;
    const leap = `((${y} - ${d.div(y, '4')} * 4 = 0 AND ${y} - ${d.div(y, '100')} * 100 <> 0) OR ${y} - ${d.div(y, '400')} * 400 = 0)`;
    const dim = `CASE WHEN ${mo} = 2 THEN CASE WHEN ${leap} THEN 29 ELSE 28 END WHEN ${mo} IN (4, 6, 9, 11) THEN 30 ELSE 31 END`;
    return `(${fastOk(f)}${f} IS NULL OR (${f}_m AND ${y} BETWEEN 1000 AND 8999 AND ${mo} BETWEEN 1 AND 12 AND ${day} BETWEEN 1 AND (${dim}) AND ${f}_h <= 23 AND ${f}_mi <= 59 AND ${f}_s <= 59 AND (${tz} IS NULL OR ${tz} IN ('Z', 'z') OR (${f}_oh <= 23 AND ${f}_om <= 59))))`;
  };
  const instantLocal = (f: string): string => {
    const y = `${f}_y`, mo = `${f}_mo`;
    // Days from 1970-01-01 of a proleptic Gregorian date, in integers only (years 1000 to 8999 are positive).
    const yy = `(${y} - CASE WHEN ${mo} <= 2 THEN 1 ELSE 0 END)`;
    const era = d.div(yy, '400');
    const yoe = `(${yy} - ${era} * 400)`;
    const doy = `(${d.div(`153 * (CASE WHEN ${mo} > 2 THEN ${mo} - 3 ELSE ${mo} + 9 END) + 2`, '5')} + ${f}_d - 1)`;
    const doe = `(${yoe} * 365 + ${d.div(yoe, '4')} - ${d.div(yoe, '100')} + ${doy})`;
    return `((${era} * 146097 + ${doe} - 719468) * 86400000 + ${f}_h * 3600000 + ${f}_mi * 60000 + ${f}_s * 1000 + ${f}_ms3)`;
  };
  const instantMs = (f: CanonicalField): string => {
    if (absent(f)) return NULLI;
    const tz = `${f}_11`, local = `${f}_local`;
    const zoned = (localMs: string): string => (options.inputZone.name === 'UTC' ? localMs : d.localToUtc(localMs, options.inputZone.name));
    // A typed instant: its epoch ms; one without a zone (a local date and time) in --input-tz, as text without an offset.
    if (typed(f) !== undefined) return `CASE WHEN ${f}_raw IS NULL OR NOT ${f}_ok THEN ${NULLI} ELSE ${typed(f) === 'instant' ? d.epochMs!(`${f}_raw`) : zoned(d.epochMs!(`${f}_raw`))} END`;
    const unzoned = zoned(local);
    return `CASE ${fastValue(f)}WHEN ${f} IS NULL OR NOT ${f}_ok THEN ${NULLI} WHEN ${tz} IS NULL THEN ${unzoned} WHEN ${tz} IN ('Z', 'z') THEN ${local} ELSE ${local} - (CASE WHEN SUBSTR(${tz}, 1, 1) = '-' THEN -1 ELSE 1 END) * (${f}_oh * 60 + ${f}_om) * 60000 END`;
  };
  const instant = (f: string): { ok: string; ms: string } => ({ ok: `${f}_ok`, ms: `${f}_ms` });
  // A typed duration: whole ms, a part of a millisecond rounded up, as from text.
  const duration = (f: CanonicalField): { ok: string; ms: string } =>
    absent(f)
      ? { ok: 'TRUE', ms: NULLI }
      : typed(f) !== undefined
      ? {
          ok: `(${f}_raw IS NULL OR (${f}_raw >= 0 AND ${f}_raw < ${DURATION_LIMIT}))`,
          ms: `CASE WHEN ${f}_raw >= 0 AND ${f}_raw < ${DURATION_LIMIT} THEN ${typedMs(f)} ELSE ${NULLI} END`,
        }
      : {
          ok: `(${fastOk(f)}${f} IS NULL OR ${f}_m)`,
          ms: `CASE ${fastValue(f)}WHEN ${f}_m THEN ${int(`${f}_w`)} * 1000 + ${int(`SUBSTR(CONCAT(COALESCE(${f}_f, ''), '000'), 1, 3)`)} + CASE WHEN ${d.matches(`SUBSTR(${f}_f, 4)`, NONZERO)} THEN 1 ELSE 0 END ELSE ${NULLI} END`,
        };
  /** A typed count is read: not negative, at most 15 digits, and whole (a DOUBLE's NaN fails the second test). */
  const countOk = (f: CanonicalField): string => `(${f}_raw >= 0 AND ${f}_raw < ${COUNT_LIMIT}${typed(f) === 'float' ? ` AND ${f}_raw = FLOOR(${f}_raw)` : ''})`;
  const parsed = [
    ...CANONICAL_FIELDS,
    ...INSTANTS.map((f) => `${f}_ms`),
    ...DURATIONS.map((f) => `${duration(f).ms} AS ${f}_ms`),
    ...COUNTS.map((f) => (absent(f) ? `${NULLI} AS ${f}_n` : typed(f) !== undefined ? `CASE WHEN ${countOk(f)} THEN ${int(`${f}_raw`)} ELSE ${NULLI} END AS ${f}_n` : `CASE ${fastValue(f)}WHEN ${f}_m THEN ${int(f)} ELSE ${NULLI} END AS ${f}_n`)),
    `(${[
      "kind IN ('transcript', 'stream', 'llm')",
      ...INSTANTS.filter((f) => !absent(f)).map((f) => instant(f).ok),
      ...DURATIONS.filter((f) => !absent(f)).map((f) => duration(f).ok),
      ...COUNTS.filter((f) => !absent(f)).map((f) => (typed(f) !== undefined ? `(${f}_raw IS NULL OR ${countOk(f)})` : `(${fastOk(f)}${f} IS NULL OR ${f}_m)`)),
      ...(absent('status') ? [] : ["(status IS NULL OR status IN ('completed', 'error'))"]),
      ...(absent('terminated') ? [] : ["(terminated IS NULL OR LOWER(terminated) IN ('true', '1', 'false', '0'))"]),
      ...(absent('region') ? [] : [`(region IS NULL OR region IN (${REGIONS.filter((region) => region !== undefined).map((region) => d.quote(region!)).join(', ')}))`]),
      ...(absent('features') ? [] : ['(features IS NULL OR features_m)']),
    ].join('\n      AND ')}) AS parsed_ok`,
  ].join(',\n    ');

  // 4. The record: its instant, session, closure and the checks across fields (normalize.ts).
  const started = 'COALESCE(started_at_ms, timestamp_ms)';
  const span = `(ended_at_ms - ${started})`;
  const sessionMs = `COALESCE(session_duration_ms, ${span})`;
  const closed = `COALESCE(LOWER(terminated) IN ('true', '1'), ended_at_ms IS NOT NULL OR session_duration_ms IS NOT NULL)`;
  // Only what the later steps read: a narrow row is cheaper to sort for the duplicate check.
  const record = [
    ...CANONICAL_FIELDS,
    'audio_duration_ms',
    ...COUNTS.filter((c) => c !== 'channels').map((c) => `${c}_n`),
    `CASE WHEN kind = 'stream' THEN COALESCE(timestamp_ms, started_at_ms) ELSE timestamp_ms END AS at_ms`,
    `${sessionMs} AS session_ms`,
    `${closed} AS closed`,
    `COALESCE(channels_n, 1) AS channels_v`,
    `COALESCE(status, 'completed') = 'error' AS failed`,
    `${absent('webhook_url') ? 'customer_id' : `COALESCE(customer_id, ${d.group('webhook_url', '[?&]customer_id=([^&#]*)', 1)})`} AS customer`,
    // Every test on a missing field is NULL, not false: a record that fails one is not valid (never counted nowhere).
    `COALESCE(parsed_ok${[
      ` AND NOT (${started} IS NOT NULL AND ended_at_ms IS NOT NULL AND ended_at_ms < ${started})`,
      ` AND COALESCE(channels_n, 1) >= 1`,
      ` AND NOT (kind = 'transcript' AND audio_duration_ms IS NULL AND COALESCE(status, 'completed') = 'completed')`,
      ` AND NOT (session_duration_ms IS NOT NULL AND ended_at_ms IS NOT NULL AND ${started} IS NOT NULL AND ABS(session_duration_ms - ${span}) > 1000)`,
      ` AND NOT (kind = 'stream' AND ${sessionMs} IS NOT NULL AND audio_duration_ms IS NOT NULL AND audio_duration_ms - ${sessionMs} > 1000)`,
      ` AND NOT (kind = 'llm' AND ${COUNTS.filter((c) => c !== 'channels').map((c) => `${c}_n IS NULL`).join(' AND ')})`,
    ].join('\n      ')}, FALSE) AS record_ok`,
  ].join(',\n    ');

  return `src ${d.cteAs} (
  SELECT
    ${src}
  FROM ${table}
),
${fast.length === 0 ? '' : `tr ${d.cteAs} (
  SELECT *,
    ${readColumns.join(',\n    ')}
  FROM src
),
tf ${d.cteAs} (
  SELECT *,
    ${fastColumns.join(',\n    ')}
  FROM tr
),
`}t ${d.cteAs} (
  SELECT
    ${trimmed}
  FROM ${fast.length === 0 ? 'src' : 'tf'}
),
${matchColumns.length === 0 ? '' : `gx ${d.cteAs} (
  SELECT *,
    ${matchColumns.join(',\n    ')}
  FROM t
),
`}g ${d.cteAs} (
  SELECT *${more(groups)}
  FROM ${matchColumns.length === 0 ? 't' : 'gx'}
),
gi ${d.cteAs} (
  SELECT *${more(instantInts)}
  FROM g
),
gk ${d.cteAs} (
  SELECT *,
    ${INSTANTS.map((f) => `${instantOk(f)} AS ${f}_ok`).join(',\n    ')}
  FROM gi
),
gl ${d.cteAs} (
  SELECT *,
    ${INSTANTS.map((f) => `${absent(f) ? NULLI : `CASE WHEN ${f}_ok AND ${f} IS NOT NULL${isFast(f) ? ` AND ${f}_fast IS NULL` : ''} THEN ${instantLocal(f)} END`} AS ${f}_local`).join(',\n    ')}
  FROM gk
),
gm ${d.cteAs} (
  SELECT *,
    ${INSTANTS.map((f) => `${instantMs(f)} AS ${f}_ms`).join(',\n    ')}
  FROM gl
),
p ${d.cteAs} (
  SELECT
    ${parsed}
  FROM gm
),
r ${d.cteAs} (
  SELECT
    ${record}
  FROM p
)`;
}
