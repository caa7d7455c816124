import { casts, type Dialect } from './dialect.js';

/**
 * Step 7 of the statement of `tallyman sql` (compile.ts): the duplicate check. A repeated (kind, id)
 * bills its earliest row (an undated one last); rows tied at their id's first instant (rare) are
 * sorted again alone by what they bill (only rows that bill alike can tie, and then either may be
 * kept). Their order: one text that sorts as the tuple of the carried columns does, byte by byte
 * with NULL first; each column NULL as \1\1, else \2, its text with \1 written \1\2, then \1\1 (no
 * text holds \0 in PostgreSQL).
 *
 * Two shapes of the one rule, chosen by the dialect. An engine that computes a step read twice only
 * once (`Dialect.materializes`: DuckDB, PostgreSQL) sorts only the rows of the ids seen more than
 * once: `rp` finds them, the other rows (nearly every row of a real log) are kept as they come. An
 * engine that computes such a step again for each reader (BigQuery, Snowflake, Spark, ClickHouse)
 * would run the whole reading of the log three times for that: it sorts every row instead, once.
 */
export interface DuplicateCheck {
  /** The columns carried past the check (a narrow row is quicker to sort), read from CTE `from`. */
  carried: readonly string[];
  /** The CTE the rows come from. */
  from: string;
  /** The text a tied row is ordered by (its billed content, encoded as above). */
  content: (encode: (e: string) => string) => string;
  /** `rank every row`: the window over every row whatever the dialect (the tests hold both shapes to one answer). */
  rankEveryRow?: boolean | undefined;
}

/** The CTEs of the check, `n` and `m` (and `nc`, `rp` where only repeated ids are sorted): `m` holds every row with `place`, 1 for the row an id keeps. */
export function duplicateSteps(d: Dialect, check: DuplicateCheck): string {
  const { int } = casts(d);
  const one = d.chr(1);
  const encode = (e: string): string => `CASE WHEN ${e} IS NULL THEN CONCAT(${one}, ${one}) ELSE CONCAT(${d.chr(2)}, REPLACE(${e}, ${one}, CONCAT(${one}, ${d.chr(2)})), ${one}, ${one}) END`;
  const byId = 'PARTITION BY valid, kind, id ORDER BY at_key';
  const tied = `(valid AND id IS NOT NULL AND rank_at = 1 AND peered)`;
  const ranked = (from: string, columns: string): string =>
    `SELECT ${columns}, RANK() OVER (${byId}) AS rank_at, (${d.neighbour('lag', 'at_key', byId)} = at_key OR ${d.neighbour('lead', 'at_key', byId)} = at_key) AS peered\n  FROM ${from}`;
  const rest = `SELECT ${check.carried.join(', ')}, CASE WHEN rank_at > 1 THEN ${int('2')} ELSE ${int('1')} END AS place FROM n WHERE NOT COALESCE(${tied}, FALSE)
  UNION ALL
  SELECT ${check.carried.join(', ')}, ${int(`ROW_NUMBER() OVER (${byId}, ${d.bytewise('tie_key')})`)} AS place
  FROM (SELECT *, ${check.content(encode)} AS tie_key FROM n WHERE ${tied}) AS tk`;
  if (check.rankEveryRow ?? !d.materializes) {
    return `n ${d.cteAs} (
  ${ranked(check.from, check.carried.join(', '))}
),
m ${d.cteAs} (
  ${rest}
)`;
  }
  const qualified = check.carried.map((c) => `nc.${c}`).join(', ');
  // The ids seen more than once: by their (kind, id) where the dialect hashes it (`idh`, NULL for a row the check passes by:
  // a hash shared by two pairs only sends both to `n`, whose window ranks each pair alone), else by the texts.
  const idHash = d.idHash;
  const hashed = idHash !== undefined;
  const key = hashed ? `, CASE WHEN valid AND id IS NOT NULL THEN ${idHash('kind', 'id')} END AS idh` : '';
  const repeated = hashed
    ? 'SELECT idh AS rh, 1 AS rep FROM nc WHERE idh IS NOT NULL GROUP BY idh HAVING COUNT(*) > 1'
    : 'SELECT valid AS rv, kind AS rk, id AS ri, 1 AS rep FROM nc WHERE valid AND id IS NOT NULL GROUP BY valid, kind, id HAVING COUNT(*) > 1';
  // An unmatched row's `rep` is NULL, or 0 in ClickHouse (join_use_nulls = 0 gives a column's default): COALESCE reads both alike.
  const repeatedOn = hashed ? 'rp.rh = nc.idh' : 'rp.rv = nc.valid AND rp.rk = nc.kind AND rp.ri = nc.id';
  return `nc ${d.cteAs} (
  SELECT ${check.carried.join(', ')}${key} FROM ${check.from}
),
rp ${d.cteAs} (
  ${repeated}
),
n ${d.cteAs} (
  ${ranked(`nc JOIN rp ON ${repeatedOn}`, qualified)}
),
m ${d.cteAs} (
  SELECT ${qualified}, ${int('1')} AS place FROM nc LEFT JOIN rp ON ${repeatedOn} WHERE COALESCE(rp.rep, 0) = 0
  UNION ALL
  ${rest}
)`;
}
