import { CANONICAL_FIELDS, type CanonicalField } from '../ingest/record.js';
import { COUNT_COLUMNS, hasUsageDay, tableColumns, USAGE_DAY } from '../pricing/bucket-table.js';
import type { Dimension } from '../pricing/dimensions.js';
import { hasPeriodTiers } from '../pricing/fold.js';
import { isBounded, type Period } from '../pricing/period.js';
import { Cut } from '../pricing/plan.js';
import type { RateCard } from '../rates/card.js';
import { UsageError } from '../util/errors.js';
import type { TimeZone } from '../util/time.js';
import { casts, DIALECT, type Dialect, type DialectName } from './dialect.js';
import { duplicateSteps } from './duplicates.js';
import { hasField, recordSteps, TOKENS } from './fields.js';
import { planTables, TOKEN_BASES } from './plans.js';
import { constantTables, type Cell, type ConstantTable } from './tables.js';

/** What a statement is compiled from. */
export interface SqlOptions {
  card: RateCard;
  dialect: DialectName;
  /** A table name or any FROM item (`read_csv('may.csv', all_varchar = true)`). */
  table: string;
  map: ReadonlyMap<CanonicalField, string>;
  /** The columns the table has (undefined: every canonical field): the others are read as not given. */
  columns?: readonly string[] | undefined;
  /** Their types as the engine reports them, where known (src/sql/fields.ts). */
  types?: ReadonlyMap<string, string> | undefined;
  period: Period;
  zone: TimeZone;
  inputZone: TimeZone;
  groupBy: readonly Dimension[];
  /** What the statement ends with: the bucket table (default), or the raw usage per model that `estimate --from-log` scales (`USAGE_COLUMNS`). */
  output?: 'buckets' | 'usage';
  /** Tables already holding the constant tables (`constantTables`), by name, read instead of VALUES lists (`--engine duckdb`). */
  tables?: Readonly<Partial<Record<ConstantTable['name'], string>>> | undefined;
  /** The duplicate check's window over every row whatever the dialect (duplicates.ts; for the tests). */
  rankEveryRow?: boolean | undefined;
}

/**
 * The columns of the usage statement (`output: 'usage'`, for `estimate --from-log --engine duckdb`):
 * per state (`counted`, `duplicate`, `invalid`), kind, model as written, channels and add-ons of a
 * transcript, the records, the transcripts not failed, the streams never closed, the milliseconds
 * (a transcript's audio; a stream's session time when closed, else its audio), the tokens, and the
 * first and last instants, as `LogUsage` (src/estimate/index.ts) sums them.
 */
export const USAGE_COLUMNS = ['state', 'kind', 'model', 'channels', 'features', 'records', 'used', 'unclosed', 'ms', 'input', 'output', 'first_at', 'last_at'] as const;

/** What the statement cannot do as the in-process engine does: printed by `--explain` and at the top of the statement. */
export const NOT_EXPRESSIBLE = [
  'native provider shapes (transcript objects, list pages, streaming events, gateway responses) are read by tallyman invoice only: load the canonical schema (tallyman normalize)',
  'a repeated (kind, id) keeps the row with the earliest timestamp (ties: the row whose billed content sorts first, docs/sql.md), not the first in file order: the same for retries of identical content',
  'no file lines: duplicate and unpriced examples are counted, not located; invalid records are counted (run tallyman invoice on the log to see each)',
  'text is trimmed of spaces, tabs and line ends only, not of every Unicode space',
  'customer_id from a webhook_url query parameter is taken as written, without decoding %-escapes',
  'a timestamp without an offset that falls in a daylight-saving gap of --input-tz is placed as the engine places it',
  'durations past 10^12 s, counts past 15 digits, and fields past 8 KiB are not refused as the in-process engine refuses them',
];


/** The one statement that turns a canonical usage table into the bucket table (docs/sql.md). */
export function compileSql(options: SqlOptions): string {
  return compileStatement(options).sql;
}

/** The statement and its constant tables (src/sql/tables.ts): with `options.tables`, the ones it reads by name and the caller fills. */
export function compileStatement(options: SqlOptions): { sql: string; tables: ConstantTable[] } {
  const d = DIALECT[options.dialect];
  const { card, zone, period, groupBy } = options;
  const { plans, addons, reasons, noVersion } = planTables(card);
  if (plans.length === 0) throw new UsageError(`card ${card.name} prices no model: there is nothing to compile`);
  const q = d.quote;
  const { int, txt } = casts(d);
  const NULLT = txt('NULL');
  const NULLI = int('NULL');

  const tokens = (f: string): string => `COALESCE(${f}_n, 0)`;

  // 5. The version in force at the record's instant (undated: the latest), then its plan.
  const last = card.versions.length - 1;
  const versionCase = `CASE WHEN at_ms IS NULL THEN ${last}${card.versions.map((v, i) => ({ v, i })).reverse().map(({ v, i }) => (v.effectiveFrom === undefined ? ` ELSE ${i}` : ` WHEN at_ms >= ${v.effectiveFrom} THEN ${i}`)).join('')}${card.versions[0]!.effectiveFrom === undefined ? '' : ' ELSE -1'} END`;
  // The plan tables (src/sql/tables.ts): VALUES lists, or the temporary tables `--engine duckdb` fills (`tables`).
  const constant = (t: ConstantTable): string => {
    const literal = (v: Cell, j: number): string => (v === null ? (t.columns[j]!.type === 'text' ? NULLT : NULLI) : typeof v === 'number' ? String(v) : q(v));
    return options.tables?.[t.name] !== undefined ? `SELECT * FROM ${options.tables[t.name]}` : d.table(t.columns.map((c) => c.name), t.rows.map((row) => row.map(literal)));
  };
  const tables = constantTables(card, plans, addons);
  const [plTable, pdTable, adTable] = tables.map(constant) as [string, string, string];
  const unpricedReason = `CASE WHEN ver = -1 THEN ${q(noVersion)}${reasons.map((r) => ` WHEN ver = ${r.version} AND kind = ${q(r.kind)} THEN ${r.none === '' ? `CONCAT(${q(r.around[0])}, model, ${q(r.around[1])})` : `CASE WHEN model IS NULL THEN ${q(r.none)} ELSE CONCAT(${q(r.around[0])}, model, ${q(r.around[1])}) END`}`).join('')} END`;

  // 6. Charged as charge.ts charges: free failures, session time capped (the cap when never closed), else audio; invalid when it cannot be billed.
  const undatedBad = isBounded(period) || hasPeriodTiers(card) || groupBy.includes('day') || groupBy.includes('month');
  const billedMs = `CASE WHEN by_session = 1 THEN CASE WHEN closed THEN CASE WHEN cap_ms < 0 THEN session_ms ELSE LEAST(session_ms, cap_ms) END ELSE cap_ms END ELSE audio_duration_ms END`;
  // A product priced per request bills 0 ms (one unit a row); a duration under the minimum is billed the minimum (NULL stays NULL).
  const atLeast = `CASE WHEN per_request = 1 THEN 0 WHEN (${billedMs}) < minimum_ms THEN minimum_ms ELSE ${billedMs} END`;
  const planned = [
    'x.*',
    'pl.*',
    `(pl.pid IS NOT NULL AND retired_at IS NOT NULL AND (at_ms IS NULL OR at_ms >= retired_at)) AS retired`,
    `(pl.pid IS NOT NULL AND NOT (retired_at IS NOT NULL AND (at_ms IS NULL OR at_ms >= retired_at))) AS priced`,
  ].join(', ');
  const charged = [
    '*',
    `(priced AND llm = 0 AND failed AND charge_failed = 0) AS free`,
    `CASE WHEN priced AND llm = 0 THEN ${atLeast} END AS billed_ms`,
    `COALESCE(record_ok AND NOT (priced AND llm = 0 AND NOT (failed AND charge_failed = 0) AND per_request = 0 AND (${billedMs} IS NULL OR ${billedMs} < 0))${undatedBad ? ' AND at_ms IS NOT NULL' : ''}, FALSE) AS valid`,
    // The order of a repeated id's rows: by instant (undated last).
    `COALESCE(at_ms, ${int(MAX_INT)}) AS at_key`,
  ].join(',\n    ');
  const within = [period.from === undefined ? '' : `at_ms >= ${period.from}`, period.to === undefined ? '' : `at_ms < ${period.to}`].filter((s) => s !== '').join(' AND ');
  const classified = [
    '*',
    // place: 1 for the row an id keeps, more for the others.
    `(valid AND id IS NOT NULL AND place > 1) AS duplicate`,
    `(at_ms IS NULL${within === '' ? ' OR TRUE' : ` OR (${within})`}) AS within`,
  ].join(', ');
  const counted = `valid AND NOT duplicate AND within`;
  const billed = `${counted} AND priced AND NOT free`;
  // The local day only where something is cut or grouped by it.
  const usageDay = hasUsageDay(card, groupBy);
  const needsDay = usageDay || groupBy.includes('day') || groupBy.includes('month') || plans.some((r) => r.usageCut !== Cut.None) || addons.some((a) => a.cut !== Cut.None);
  const day = needsDay ? `CASE WHEN at_ms IS NULL THEN ${NULLT} ELSE ${d.localDay('at_ms', zone.name)} END` : NULLT;
  const roundedMs = `${d.div(`billed_ms + increment_ms - 1`, 'increment_ms')} * increment_ms`;
  const long = `(band_above >= 0 AND ${['input', 'cache_read', 'cache_write', 'cache_write_1h'].map((c) => tokens(TOKENS[c]!)).join(' + ')} > band_above)`;
  const beyond = `billed_ms - LEAST(CASE WHEN COALESCE(audio_duration_ms, 0) > 0 THEN audio_duration_ms ELSE 0 END, billed_ms)`;
  const unpricedQuantity = `CASE WHEN kind = 'llm' THEN ${Object.values(TOKENS).map(tokens).join(' + ')} ELSE COALESCE(audio_duration_ms, CASE WHEN session_ms > 0 THEN session_ms ELSE 0 END, 0) END`;
  const quantities = [
    '*',
    `CASE WHEN llm = 0 THEN ${roundedMs} END AS ms`,
    // What a billed row adds to each item: one request, or its milliseconds (times its channels where the item says).
    `CASE WHEN per_request = 1 THEN 1 WHEN usage_multiply = 1 THEN ${roundedMs} * channels_v ELSE ${roundedMs} END AS usage_quantity`,
    `COALESCE(${long}, FALSE) AS long_band`,
    `(by_session = 1 AND NOT closed) AS open_session`,
    `COALESCE(by_session = 1 AND closed AND cap_ms >= 0 AND session_ms >= cap_ms, FALSE) AS at_cap`,
    `${beyond} AS beyond_ms`,
    `${unpricedQuantity} AS unpriced_quantity`,
  ].join(',\n    ');
  // What the duplicate check carries past its sorts: a narrow row (texts, then numbers, then flags) is quicker to sort.
  const dimColumns = groupBy.filter((g) => g !== 'day' && g !== 'month');
  // A column made only of fields the table lacks is NULL on every row: not carried through the sorts, and NULL again after them.
  const madeOf: Record<string, readonly CanonicalField[]> = { customer: ['customer_id', 'webhook_url'], ...Object.fromEntries(Object.values(TOKENS).map((f) => [`${f}_n`, [f as CanonicalField]])) };
  const sources = (c: string): readonly CanonicalField[] => madeOf[c] ?? (CANONICAL_FIELDS.includes(c as CanonicalField) ? [c as CanonicalField] : []);
  const alwaysNull = (c: string): boolean => sources(c).length > 0 && sources(c).every((f) => !hasField(options, f));
  const [texts, nullTexts] = split(['model', 'region', 'features', ...dimColumns], alwaysNull);
  const [numbers, nullNumbers] = split(['pid', 'channels_v', ...Object.values(TOKENS).map((f) => `${f}_n`), 'billed_ms', 'ms', 'usage_quantity', 'beyond_ms', 'unpriced_quantity', ...(options.output === 'usage' ? ['session_ms', 'audio_duration_ms'] : [])], alwaysNull);
  const flags = ['priced', 'retired', 'free', 'long_band', 'open_session', 'at_cap', ...(options.output === 'usage' ? ['failed', 'closed'] : [])];
  const carried = ['kind', 'id', 'ver', 'at_ms', 'at_key', 'valid', ...texts, ...numbers, ...flags];
  // 7. The duplicate check (duplicates.ts): `m`, every row with its place among its id's.
  const duplicates = duplicateSteps(d, {
    carried, from: 'cq', rankEveryRow: options.rankEveryRow,
    content: (encode) => `CONCAT(${[...texts.map(encode), ...numbers.map((c) => encode(txt(c))), ...flags.map((c) => encode(`CASE WHEN ${c} THEN '1' WHEN NOT ${c} THEN '0' END`))].join(', ')})`,
  });
  // 8. The rows summed by everything the bucket table or its counts tell apart: the 1M rows of a log become a few hundred.
  // Each as [expression, name]: the columns kept as they are, and two flags made of them.
  const sumKey: [string, string][] = [
    ...['pid', 'ver', 'kind', 'model', 'features', 'local_day', ...dimColumns, 'valid', 'duplicate', 'within', 'priced', 'retired', 'free', 'long_band', 'open_session', 'at_cap'].map((c): [string, string] => [c, c]),
    ['(region IS NULL)', 'no_region'], ['(at_ms IS NULL)', 'undated'],
  ];
  const sums = [
    'COUNT(*) AS rows_n', 'SUM(usage_quantity) AS usage_q', 'SUM(ms) AS ms_q', 'SUM(ms * channels_v) AS ms_channels_q',
    ...Object.entries(TOKENS).map(([name, f]) => `SUM(${tokens(f)}) AS ${name}_q`),
    'SUM(billed_ms) AS billed_q', 'SUM(beyond_ms) AS beyond_q', 'SUM(unpriced_quantity) AS unpriced_q', 'MIN(at_ms) AS first_q', 'MAX(at_ms) AS last_q',
  ];

  // 9. The rows of the bucket table, every column in order, typed.
  // A card with free quotas or packs: usage rows carry their local day, which quotas and packs are used by.
  const columns = tableColumns(groupBy, usageDay);
  const countColumns = new Set<string>(COUNT_COLUMNS);
  const out = (values: Record<string, string>): string => `SELECT ${columns.map((c) => `${values[c] ?? (countColumns.has(c) ? NULLI : NULLT)} AS ${c}`).join(', ')}`;
  const dims: Record<string, string> = Object.fromEntries(groupBy.map((g) => [g, g === 'day' ? 'local_day' : g === 'month' ? 'SUBSTR(local_day, 1, 7)' : g === 'customer' ? 'customer' : g]));
  const periodOf = (cut: string): string => `CASE WHEN ${cut} = 'day' THEN local_day WHEN ${cut} = 'month' THEN SUBSTR(local_day, 1, 7) ELSE ${NULLT} END`;
  const key = (component: string, cut: string): Record<string, string> => ({ card_version: 'label', card_hash: 'hash', product: 'product', model: 'pmodel', component, period: periodOf(cut), ...dims, ...(usageDay ? { [USAGE_DAY]: 'local_day' } : {}) });
  const tokenItem = (base: (typeof TOKEN_BASES)[number]): string => {
    const isLong = base.endsWith(':long');
    const field = `${base.replace(':long', '')}_q`;
    const quantity = base === 'input' || base === 'output' ? `CASE WHEN long_band THEN 0 ELSE ${field} END` : isLong ? `CASE WHEN long_band THEN ${field} ELSE 0 END` : field;
    const keep = base === 'input' ? `(in_opt = 0 OR ${quantity} <> 0)` : base === 'output' ? `(out_opt = 0 OR ${quantity} <> 0)` : isLong ? `band_above >= 0 AND ${quantity} <> 0` : `${quantity} <> 0`;
    return `${out({ entry: "'usage'", ...key(`CONCAT(${q(base)}, suffix)`, "''"), quantity })} FROM sn WHERE ${billed} AND llm = 1 AND ${keep}`;
  };
  const items = [
    `${out({ entry: "'usage'", ...key("'usage'", 'usage_cut'), quantity: 'usage_q' })} FROM sn WHERE ${billed} AND llm = 0`,
    `${out({ entry: "'usage'", ...key("CONCAT('addon:', addon)", 'acut'), quantity: 'CASE WHEN per_request = 1 THEN rows_n WHEN amultiply = 1 THEN ms_channels_q ELSE ms_q END' })} FROM f WHERE aname IS NOT NULL`,
    ...TOKEN_BASES.map(tokenItem),
  ];
  const grouped = (from: string, summed: readonly string[]): string =>
    `SELECT ${columns.map((c) => (summed.includes(c) ? `SUM(${c}) AS ${c}` : c)).join(', ')}\nFROM (\n  ${from}\n) AS u\nGROUP BY ${columns.filter((c) => !summed.includes(c)).join(', ')}`;
  const unpriced = [
    `${out({ entry: "'unpriced'", kind: 'kind', product: `CASE WHEN retired THEN product ELSE ${NULLT} END`, model: `CASE WHEN retired THEN pmodel ELSE COALESCE(model, '(none)') END`, reason: `CASE WHEN retired THEN retired_reason ELSE ${unpricedReason} END`, records: 'rows_n', quantity: 'unpriced_q' })} FROM sn WHERE ${counted} AND NOT priced`,
    `${out({ entry: "'unpriced'", kind: 'kind', product: 'product', model: 'pmodel', component: "CONCAT('addon:', addon)", reason: 'CONCAT(addon_pre, addon, addon_post)', records: 'rows_n', quantity: 'ms_q' })} FROM f WHERE aname IS NULL`,
  ];
  const unclosed = `${billed} AND open_session`;
  const unclosedRow = `${out({ entry: "'unclosed'", card_version: 'label', card_hash: 'hash', product: 'product', model: 'pmodel', quantity: 'beyond_q' })} FROM sn WHERE ${unclosed}`;
  const sumIf = (cond: string, value = 'rows_n'): string => `SUM(CASE WHEN ${cond} THEN ${value} ELSE 0 END)`;
  const total = out({
    entry: "'total'",
    records: sumIf(counted), billed: sumIf(billed), free: sumIf(`${counted} AND priced AND free`),
    default_model: sumIf(`${billed} AND model IS NULL`), no_region: sumIf(`${billed} AND regional = 1 AND no_region`),
    unclosed: sumIf(unclosed), unclosed_billed_ms: sumIf(unclosed, 'billed_q'), unclosed_audio_ms: sumIf(unclosed, 'billed_q - beyond_q'),
    at_cap: sumIf(`${billed} AND at_cap`),
    undated: sumIf(`${counted} AND undated`),
    first_at: `MIN(CASE WHEN ${counted} THEN first_q END)`, last_at: `MAX(CASE WHEN ${counted} THEN last_q END)`,
    duplicates: sumIf('valid AND duplicate'), excluded: sumIf('valid AND NOT duplicate AND NOT within'), invalid: sumIf('NOT valid'),
    zone: q(zone.name), period_from: period.fromText === undefined ? NULLT : q(period.fromText), period_to: period.toText === undefined ? NULLT : q(period.toText),
  });

  const header = [
    `-- tallyman sql: the bucket table (docs/sql.md) of card ${card.name} (${card.versions.map((v) => `${v.label} #${v.hash}`).join(', ')}), ${d.name} dialect`,
    `-- periods cut in ${zone.name}; timestamps without an offset read in ${options.inputZone.name}; period ${period.fromText ?? 'open'} to ${period.toText ?? 'open'}; group by ${groupBy.join(', ') || 'nothing'}`,
    '-- Integer arithmetic only: price the result with tallyman invoice --buckets FILE.',
    '-- Not expressible here, as tallyman invoice does it:',
    ...NOT_EXPRESSIBLE.map((n) => `--   ${n}`),
  ].join('\n');
  const state = `CASE WHEN NOT valid THEN 'invalid' WHEN duplicate THEN 'duplicate' ELSE 'counted' END`;
  const transcriptOnly = (e: string): string => `CASE WHEN kind = 'transcript' THEN ${e} END`;
  const usageTail = `SELECT ${[
    `${state} AS state`, 'kind', 'model', `${transcriptOnly('channels_v')} AS channels`, `${transcriptOnly('features')} AS features`,
    'COUNT(*) AS records', sumIf("NOT (kind = 'transcript' AND failed)", '1') + ' AS used', sumIf("kind = 'stream' AND NOT closed", '1') + ' AS unclosed',
    `SUM(CASE WHEN kind = 'transcript' AND NOT failed THEN COALESCE(audio_duration_ms, 0) WHEN kind = 'stream' THEN CASE WHEN closed AND session_ms IS NOT NULL THEN session_ms ELSE COALESCE(audio_duration_ms, 0) END ELSE 0 END) AS ms`,
    `SUM(${tokens('input_tokens')}) AS input`, `SUM(${tokens('output_tokens')}) AS output`, 'MIN(at_ms) AS first_at', 'MAX(at_ms) AS last_at',
  ].join(', ')}
FROM k
GROUP BY ${state}, kind, model, ${transcriptOnly('channels_v')}, ${transcriptOnly('features')}
`;
  const bucketTail = `${grouped(items.join('\n  UNION ALL\n  '), ['quantity'])}
UNION ALL
${grouped(unpriced.join('\n  UNION ALL\n  '), ['quantity', 'records'])}
UNION ALL
${grouped(unclosedRow, ['quantity'])}
UNION ALL
${total} FROM sn
`;
  const summedSteps = `,
sm ${d.cteAs} (
  SELECT ${sumKey.map(([e, name]) => (e === name ? e : `${e} AS ${name}`)).join(', ')},
    ${sums.join(', ')}
  FROM k
  GROUP BY ${sumKey.map(([e]) => e).join(', ')}
),
pd ${d.cteAs} (
  ${pdTable}
),
sn ${d.cteAs} (
  SELECT sm.*, pd.*
  FROM sm LEFT JOIN pd ON pd.did = sm.pid
),
ad ${d.cteAs} (
  ${adTable}
),
fx ${d.cteAs} (
  SELECT b.*, addon
  FROM (SELECT * FROM sn WHERE ${billed} AND llm = 0 AND features IS NOT NULL) AS b
  ${d.explode('b', 'features')}
),
f ${d.cteAs} (
  SELECT fx.*, ad.aname, ad.acut, ad.amultiply
  FROM fx LEFT JOIN ad ON ad.av = fx.ver AND ad.aproduct = fx.product AND ad.amodel = fx.pmodel AND ad.aname = fx.addon
  WHERE fx.addon <> ''
)`;
  const sql = `${header}
WITH ${recordSteps(d, options, options.table)},
x ${d.cteAs} (
  SELECT ${['kind', 'id', 'model', 'region', 'features', ...dimColumns, 'audio_duration_ms', ...Object.values(TOKENS).map((f) => `${f}_n`), 'at_ms', 'session_ms', 'closed', 'channels_v', 'failed', 'record_ok'].join(', ')},
    ${versionCase} AS ver
  FROM r
),
pl ${d.cteAs} (
  ${plTable}
),
y ${d.cteAs} (
  SELECT ${planned}
  FROM x LEFT JOIN pl ON pl.pv = x.ver AND pl.pkind = x.kind AND pl.pmodel_in = COALESCE(x.model, '') AND pl.pregion_in = CASE WHEN x.kind = 'llm' THEN COALESCE(x.region, '') ELSE '' END
),
c ${d.cteAs} (
  SELECT
    ${charged}
  FROM y
),
cq ${d.cteAs} (
  SELECT
    ${quantities}
  FROM c
),
${duplicates},
w ${d.cteAs} (
  SELECT ${[classified, ...nullTexts.map((c) => `${NULLT} AS ${c}`), ...nullNumbers.map((c) => `${NULLI} AS ${c}`)].join(', ')} FROM m
),
k ${d.cteAs} (
  SELECT *, ${day} AS local_day
  FROM w
)${options.output === 'usage' ? '' : summedSteps}
${options.output === 'usage' ? usageTail : bucketTail}`;
  return { sql, tables };
}

/** The items of `list` without and with `test`. */
function split<T>(list: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  return [list.filter((item) => !test(item)), list.filter(test)];
}

/** The greatest 64-bit integer: where an undated record sorts among its id's rows (last). */
const MAX_INT = '9223372036854775807';

export type { Dialect };
