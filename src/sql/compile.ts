import { CANONICAL_FIELDS, type CanonicalField } from '../ingest/record.js';
import { COUNT_COLUMNS, hasUsageDay, tableColumns, USAGE_DAY } from '../pricing/bucket-table.js';
import type { Dimension } from '../pricing/dimensions.js';
import { hasPeriodTiers, retiredReason } from '../pricing/fold.js';
import { isBounded, type Period } from '../pricing/period.js';
import { Cut } from '../pricing/plan.js';
import type { RateCard } from '../rates/card.js';
import type { TimeZone } from '../util/time.js';
import { DIALECT, type Dialect, type DialectName } from './dialect.js';
import { recordSteps, TOKENS } from './fields.js';
import { planTables, TOKEN_BASES } from './plans.js';

/** What a statement is compiled from. */
export interface SqlOptions {
  card: RateCard;
  dialect: DialectName;
  /** A table name or any FROM item (`read_csv('may.csv', all_varchar = true)`). */
  table: string;
  map: ReadonlyMap<CanonicalField, string>;
  /** The columns the table has (undefined: every canonical field): the others are read as not given. */
  columns?: readonly string[] | undefined;
  period: Period;
  zone: TimeZone;
  inputZone: TimeZone;
  groupBy: readonly Dimension[];
  /** What the statement ends with: the bucket table (default), or the raw usage per model that `estimate --from-log` scales (`USAGE_COLUMNS`). */
  output?: 'buckets' | 'usage';
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
  'a repeated (kind, id) keeps the row with the earliest timestamp (ties: the row whose fields sort first byte by byte), not the first in file order: the same for retries of identical content',
  'no file lines: duplicate and unpriced examples are counted, not located; invalid records are counted (run tallyman invoice on the log to see each)',
  'text is trimmed of spaces and tabs only, not of every Unicode space',
  'customer_id from a webhook_url query parameter is taken as written, without decoding %-escapes',
  'a timestamp without an offset that falls in a daylight-saving gap of --input-tz is placed as the engine places it',
  'durations past 10^12 s, counts past 15 digits, and fields past 8 KiB are not refused as the in-process engine refuses them',
];


/** The one statement that turns a canonical usage table into the bucket table (docs/sql.md). */
export function compileSql(options: SqlOptions): string {
  const d = DIALECT[options.dialect];
  const { card, zone, period, groupBy } = options;
  const { plans, addons, reasons, noVersion } = planTables(card);
  const q = d.quote;
  const int = (e: string): string => `CAST(${e} AS ${d.int})`;
  const txt = (e: string): string => `CAST(${e} AS ${d.text})`;
  const NULLT = txt('NULL');
  const NULLI = int('NULL');
  const bool = (b: boolean): string => (b ? '1' : '0');
  const cutText = (c: Cut): string => (c === Cut.Day ? "'day'" : c === Cut.Month ? "'month'" : "''");

  const tokens = (f: string): string => `COALESCE(${f}_n, 0)`;

  // 5. The version in force at the record's instant (undated: the latest), then its plan.
  const last = card.versions.length - 1;
  const versionCase = `CASE WHEN at_ms IS NULL THEN ${last}${card.versions.map((v, i) => ({ v, i })).reverse().map(({ v, i }) => (v.effectiveFrom === undefined ? ` ELSE ${i}` : ` WHEN at_ms >= ${v.effectiveFrom} THEN ${i}`)).join('')}${card.versions[0]!.effectiveFrom === undefined ? '' : ' ELSE -1'} END`;
  const planCols = ['pv', 'pkind', 'pmodel_in', 'pregion_in', 'product', 'pmodel', 'label', 'hash', 'llm', 'charge_failed', 'by_session', 'cap_ms', 'increment_ms', 'minimum_ms', 'per_request', 'band_above', 'regional', 'retired_at', 'retired_reason', 'usage_cut', 'usage_multiply', 'suffix', 'in_opt', 'out_opt', 'addon_pre', 'addon_post'];
  const planRows = plans.map((r, i) => {
    const p = r.plan;
    const values = [String(p.version), q(p.kind), q(r.modelIn), q(r.regionIn), q(p.product), q(p.model), q(r.label), q(r.hash), bool(p.llm), bool(p.chargeFailed), bool(p.session), String(p.capMs), String(p.incrementMs), String(p.minimumMs), bool(p.perRequest), String(p.bandAbove), bool(p.regionalPricing),
      p.retiredAt === Infinity ? NULLI : String(p.retiredAt), q(p.retiredAt === Infinity ? '' : retiredReason(card, p)), cutText(r.usageCut), bool(r.usageMultiply), q(r.suffix), bool(r.inputOptional), bool(r.outputOptional), q(r.addonReason[0]), q(r.addonReason[1])];
    return `SELECT ${values.map((v, j) => (i === 0 ? `${v} AS ${planCols[j]}` : v)).join(', ')}`;
  });
  const addonCols = ['av', 'aproduct', 'amodel', 'aname', 'acut', 'amultiply'];
  const addonRows = addons.map((a, i) => `SELECT ${[String(a.version), q(a.product), q(a.model), q(a.addon), cutText(a.cut), bool(a.multiply)].map((v, j) => (i === 0 ? `${v} AS ${addonCols[j]}` : v)).join(', ')}`);
  const unpricedReason = `CASE WHEN ver = -1 THEN ${q(noVersion)}${reasons.map((r) => ` WHEN ver = ${r.version} AND kind = ${q(r.kind)} THEN ${r.none === '' ? `CONCAT(${q(r.around[0])}, model, ${q(r.around[1])})` : `CASE WHEN model IS NULL THEN ${q(r.none)} ELSE CONCAT(${q(r.around[0])}, model, ${q(r.around[1])}) END`}`).join('')} END`;

  // 6. Charged as charge.ts charges: free failures, session time capped (the cap when never closed), else audio; invalid when it cannot be billed.
  const undatedBad = isBounded(period) || hasPeriodTiers(card) || groupBy.includes('day') || groupBy.includes('month');
  const billedMs = `CASE WHEN by_session = 1 THEN CASE WHEN closed THEN CASE WHEN cap_ms < 0 THEN session_ms ELSE LEAST(session_ms, cap_ms) END ELSE cap_ms END ELSE audio_duration_ms END`;
  // A product priced per request bills 0 ms (one unit a row); a duration under the minimum is billed the minimum (NULL stays NULL).
  const atLeast = `CASE WHEN per_request = 1 THEN 0 WHEN (${billedMs}) < minimum_ms THEN minimum_ms ELSE ${billedMs} END`;
  const planned = [
    'x.*',
    'pl.*',
    `(pl.product IS NOT NULL AND retired_at IS NOT NULL AND (at_ms IS NULL OR at_ms >= retired_at)) AS retired`,
    `(pl.product IS NOT NULL AND NOT (retired_at IS NOT NULL AND (at_ms IS NULL OR at_ms >= retired_at))) AS priced`,
  ].join(', ');
  const charged = [
    '*',
    `(priced AND llm = 0 AND failed AND charge_failed = 0) AS free`,
    `CASE WHEN priced AND llm = 0 THEN ${atLeast} END AS billed_ms`,
    `(record_ok AND NOT (priced AND llm = 0 AND NOT (failed AND charge_failed = 0) AND per_request = 0 AND (${billedMs} IS NULL OR ${billedMs} < 0))${undatedBad ? ' AND at_ms IS NOT NULL' : ''}) AS valid`,
  ].join(',\n    ');
  // NULLs placed by a CASE, not `NULLS FIRST`/`LAST`, which not every dialect's window ORDER BY takes.
  const contentOrder = CANONICAL_FIELDS.map((f) => `CASE WHEN ${f} IS NULL THEN 0 ELSE 1 END, ${d.bytewise(f)}`).join(', ');
  const within = [period.from === undefined ? '' : `at_ms >= ${period.from}`, period.to === undefined ? '' : `at_ms < ${period.to}`].filter((s) => s !== '').join(' AND ');
  const classified = [
    '*',
    `(valid AND id IS NOT NULL AND rank_in_id > 1) AS duplicate`,
    `(at_ms IS NULL${within === '' ? ' OR TRUE' : ` OR (${within})`}) AS within`,
  ].join(', ');
  const counted = `valid AND NOT duplicate AND within`;
  const billed = `${counted} AND priced AND NOT free`;
  const day = `CASE WHEN at_ms IS NULL THEN ${NULLT} ELSE ${d.localDay('at_ms', zone.name)} END`;
  const kept = [
    '*',
    `${day} AS local_day`,
    `SUBSTR(${day}, 1, 7) AS local_month`,
    `CASE WHEN llm = 0 THEN ${d.div(`billed_ms + increment_ms - 1`, 'increment_ms')} * increment_ms END AS ms`,
    // What a billed row adds to each item: one request, or its milliseconds (times its channels where the item says).
    `CASE WHEN per_request = 1 THEN 1 WHEN usage_multiply = 1 THEN ${d.div(`billed_ms + increment_ms - 1`, 'increment_ms')} * increment_ms * channels_v ELSE ${d.div(`billed_ms + increment_ms - 1`, 'increment_ms')} * increment_ms END AS usage_quantity`,
  ].join(',\n    ');

  // 7. The rows of the bucket table, every column in order, typed.
  // A card with free quotas or packs: usage rows carry their local day, which quotas and packs are used by.
  const usageDay = hasUsageDay(card, groupBy);
  const columns = tableColumns(groupBy, usageDay);
  const countColumns = new Set<string>(COUNT_COLUMNS);
  const out = (values: Record<string, string>): string => `SELECT ${columns.map((c) => `${values[c] ?? (countColumns.has(c) ? NULLI : NULLT)} AS ${c}`).join(', ')}`;
  const dims: Record<string, string> = Object.fromEntries(groupBy.map((g) => [g, g === 'day' ? 'local_day' : g === 'month' ? 'local_month' : g === 'customer' ? 'customer' : g]));
  const periodOf = (cut: string): string => `CASE WHEN ${cut} = 'day' THEN local_day WHEN ${cut} = 'month' THEN local_month ELSE ${NULLT} END`;
  const key = (component: string, cut: string): Record<string, string> => ({ card_version: 'label', card_hash: 'hash', product: 'product', model: 'pmodel', component, period: periodOf(cut), ...dims, ...(usageDay ? { [USAGE_DAY]: 'local_day' } : {}) });
  const long = `(band_above >= 0 AND ${['input', 'cache_read', 'cache_write', 'cache_write_1h'].map((c) => tokens(TOKENS[c]!)).join(' + ')} > band_above)`;
  const tokenItem = (base: (typeof TOKEN_BASES)[number]): string => {
    const isLong = base.endsWith(':long');
    const field = tokens(TOKENS[base.replace(':long', '')]!);
    const quantity = base === 'input' || base === 'output' ? `CASE WHEN ${long} THEN 0 ELSE ${field} END` : isLong ? `CASE WHEN ${long} THEN ${field} ELSE 0 END` : field;
    const keep = base === 'input' ? `(in_opt = 0 OR ${quantity} <> 0)` : base === 'output' ? `(out_opt = 0 OR ${quantity} <> 0)` : isLong ? `band_above >= 0 AND ${quantity} <> 0` : `${quantity} <> 0`;
    return `${out({ entry: "'usage'", ...key(`CONCAT(${q(base)}, suffix)`, "''"), quantity })} FROM k WHERE ${billed} AND llm = 1 AND ${keep}`;
  };
  const items = [
    `${out({ entry: "'usage'", ...key("'usage'", 'usage_cut'), quantity: 'usage_quantity' })} FROM k WHERE ${billed} AND llm = 0`,
    `${out({ entry: "'usage'", ...key("CONCAT('addon:', addon)", 'acut'), quantity: 'CASE WHEN per_request = 1 THEN 1 WHEN amultiply = 1 THEN ms * channels_v ELSE ms END' })} FROM f WHERE aname IS NOT NULL`,
    ...TOKEN_BASES.map(tokenItem),
  ];
  const grouped = (from: string, sums: readonly string[]): string =>
    `SELECT ${columns.map((c) => (sums.includes(c) ? `SUM(${c}) AS ${c}` : c)).join(', ')}\nFROM (\n  ${from}\n) AS u\nGROUP BY ${columns.filter((c) => !sums.includes(c)).join(', ')}`;
  const unpricedQuantity = `CASE WHEN kind = 'llm' THEN ${Object.values(TOKENS).map(tokens).join(' + ')} ELSE COALESCE(audio_duration_ms, CASE WHEN session_ms > 0 THEN session_ms ELSE 0 END, 0) END`;
  const unpriced = [
    `${out({ entry: "'unpriced'", kind: 'kind', product: `CASE WHEN retired THEN product ELSE ${NULLT} END`, model: `CASE WHEN retired THEN pmodel ELSE COALESCE(model, '(none)') END`, reason: `CASE WHEN retired THEN retired_reason ELSE ${unpricedReason} END`, records: '1', quantity: unpricedQuantity })} FROM k WHERE ${counted} AND NOT priced`,
    `${out({ entry: "'unpriced'", kind: 'kind', product: 'product', model: 'pmodel', component: "CONCAT('addon:', addon)", reason: 'CONCAT(addon_pre, addon, addon_post)', records: '1', quantity: 'ms' })} FROM f WHERE aname IS NULL`,
  ];
  const beyond = `billed_ms - LEAST(CASE WHEN COALESCE(audio_duration_ms, 0) > 0 THEN audio_duration_ms ELSE 0 END, billed_ms)`;
  const unclosedRow = `${out({ entry: "'unclosed'", card_version: 'label', card_hash: 'hash', product: 'product', model: 'pmodel', quantity: beyond })} FROM k WHERE ${billed} AND by_session = 1 AND NOT closed`;
  const sumIf = (cond: string, value = '1'): string => `SUM(CASE WHEN ${cond} THEN ${value} ELSE 0 END)`;
  const unclosed = `${billed} AND by_session = 1 AND NOT closed`;
  const total = out({
    entry: "'total'",
    records: sumIf(counted), billed: sumIf(billed), free: sumIf(`${counted} AND priced AND free`),
    default_model: sumIf(`${billed} AND model IS NULL`), no_region: sumIf(`${billed} AND regional = 1 AND region IS NULL`),
    unclosed: sumIf(unclosed), unclosed_billed_ms: sumIf(unclosed, 'billed_ms'), unclosed_audio_ms: sumIf(unclosed, `billed_ms - (${beyond})`),
    at_cap: sumIf(`${billed} AND by_session = 1 AND closed AND cap_ms >= 0 AND session_ms >= cap_ms`),
    undated: sumIf(`${counted} AND at_ms IS NULL`),
    first_at: `MIN(CASE WHEN ${counted} THEN at_ms END)`, last_at: `MAX(CASE WHEN ${counted} THEN at_ms END)`,
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
    'COUNT(*) AS records', sumIf("NOT (kind = 'transcript' AND failed)") + ' AS used', sumIf("kind = 'stream' AND NOT closed") + ' AS unclosed',
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
${total} FROM k
`;
  return `${header}
WITH ${recordSteps(d, options, options.table)},
x ${d.cteAs} (
  SELECT *, ${versionCase} AS ver FROM r
),
pl ${d.cteAs} (
  ${planRows.join('\n  UNION ALL ')}
),
ad ${d.cteAs} (
  ${addonRows.length === 0 ? `SELECT ${['-1 AS av', `${NULLT} AS aproduct`, `${NULLT} AS amodel`, `${NULLT} AS aname`, `${NULLT} AS acut`, '0 AS amultiply'].join(', ')}` : addonRows.join('\n  UNION ALL ')}
),
y ${d.cteAs} (
  SELECT ${planned}
  FROM x LEFT JOIN pl ON pl.pv = x.ver AND pl.pkind = x.kind AND pl.pmodel_in = COALESCE(x.model, '') AND (pl.pregion_in = '*' OR pl.pregion_in = COALESCE(x.region, ''))
),
c ${d.cteAs} (
  SELECT
    ${charged}
  FROM y
),
n ${d.cteAs} (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY valid, kind, id ORDER BY CASE WHEN at_ms IS NULL THEN 1 ELSE 0 END, at_ms, ${contentOrder}) AS rank_in_id FROM c
),
w ${d.cteAs} (
  SELECT ${classified} FROM n
),
k ${d.cteAs} (
  SELECT
    ${kept}
  FROM w
),
fx ${d.cteAs} (
  SELECT b.*, addon
  FROM (SELECT * FROM k WHERE ${billed} AND llm = 0 AND features IS NOT NULL) AS b
  ${d.explode('b', 'features')}
),
f ${d.cteAs} (
  SELECT fx.*, ad.aname, ad.acut, ad.amultiply
  FROM fx LEFT JOIN ad ON ad.av = fx.ver AND ad.aproduct = fx.product AND ad.amodel = fx.pmodel AND ad.aname = fx.addon
  WHERE fx.addon <> ''
)
${options.output === 'usage' ? usageTail : bucketTail}`;
}

export type { Dialect };
