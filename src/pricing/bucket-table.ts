import type { RateCard } from '../rates/card.js';
import { hasAllowances } from './allowance.js';
import { InputError, type SourceRef } from '../util/errors.js';
import { compareText } from '../util/compare.js';
import { DIMENSIONS, type Dimension } from './dimensions.js';
import type { Bucket, Component, FoldView, Tally, Unpriced } from './fold.js';
import type { Invoice } from './invoice.js';
import type { Period } from './period.js';

/**
 * The bucket table (docs/sql.md): the integer sums a fold ends with, as rows a warehouse can make
 * with the statement of `tallyman sql` and tallyman can price again. Written by the in-process
 * engine (`invoice --format buckets`), read back by `invoice --buckets`.
 */

/** Text columns before the group-by columns, in order. */
export const KEY_COLUMNS = ['entry', 'card_version', 'card_hash', 'product', 'model', 'component', 'period'] as const;
/** Text columns after the group-by columns. */
export const NOTE_COLUMNS = ['kind', 'reason'] as const;
/** Integer columns: summed over the rows (`first_at` by the least, `last_at` by the greatest). */
export const COUNT_COLUMNS = [
  'quantity', 'records', 'billed', 'free', 'default_model', 'no_region', 'unclosed', 'unclosed_billed_ms', 'unclosed_audio_ms',
  'at_cap', 'undated', 'first_at', 'last_at', 'duplicates', 'excluded', 'invalid',
] as const;
/** Text columns of the `total` row: the zone and the period's bounds as given. */
export const SETTING_COLUMNS = ['zone', 'period_from', 'period_to'] as const;

export type CountColumn = (typeof COUNT_COLUMNS)[number];
/** The entries a row may be. */
export const ENTRIES = ['usage', 'unpriced', 'unclosed', 'total'] as const;
export type Entry = (typeof ENTRIES)[number];

/** The column of the local day of a usage row, for a card with free quotas or packs (used day by day) in a table not grouped by day. */
export const USAGE_DAY = 'usage_day';

/** Whether a table of `card` grouped by `groupBy` has the `usage_day` column (the in-process engine's shadow day). */
export function hasUsageDay(card: RateCard, groupBy: readonly Dimension[]): boolean {
  return hasAllowances(card) && !groupBy.includes('day');
}

/** The columns of a table grouped by `groupBy` (and with `usage_day` when `usageDay`), in order. */
export function tableColumns(groupBy: readonly Dimension[], usageDay = false): string[] {
  return [...KEY_COLUMNS, ...groupBy, ...(usageDay ? [USAGE_DAY] : []), ...NOTE_COLUMNS, ...COUNT_COLUMNS, ...SETTING_COLUMNS];
}

/** One row: text cells (null: empty) and integer cells (null: empty, read as 0). */
export type TableRow = Record<string, string | number | null>;

/** The bucket table of an invoice made by the in-process engine, rows in one fixed order. */
export function tableOf(invoice: Invoice): TableRow[] {
  const { card, tally } = invoice;
  const usageDay = invoice.usageDay === true;
  const blank = (entry: Entry): TableRow => {
    const row: TableRow = {};
    for (const c of tableColumns(invoice.groupBy, usageDay)) row[c] = null;
    row.entry = entry;
    return row;
  };
  const rows: TableRow[] = [];
  for (const b of invoice.buckets) {
    const version = card.versions[b.version]!;
    const row = blank('usage');
    Object.assign(row, { card_version: version.label, card_hash: version.hash, product: b.product, model: b.model, component: b.component, period: b.period === '' ? null : b.period, quantity: b.quantity });
    invoice.groupBy.forEach((d, i) => (row[d] = b.dims[i] ?? null));
    if (usageDay) row[USAGE_DAY] = b.dims[invoice.groupBy.length] ?? null;
    rows.push(row);
  }
  for (const u of invoice.unpriced) {
    const row = blank('unpriced');
    Object.assign(row, { product: u.product, model: u.model, component: u.addon === null ? null : `addon:${u.addon}`, kind: u.kind, reason: u.reason, quantity: u.quantity, records: u.count });
    rows.push(row);
  }
  const beyond = [...tally.unclosed.extra].map(([rateKey, ms]) => ({ key: rateKey.split('\u0000'), ms }))
    .sort((a, b) => Number(a.key[0]) - Number(b.key[0]) || compareText(a.key[1]!, b.key[1]!) || compareText(a.key[2]!, b.key[2]!));
  for (const { key, ms } of beyond) {
    const version = card.versions[Number(key[0])]!;
    rows.push({ ...blank('unclosed'), card_version: version.label, card_hash: version.hash, product: key[1]!, model: key[2]!, quantity: ms });
  }
  rows.push({
    ...blank('total'),
    records: tally.counted, billed: tally.billed, free: tally.free, default_model: tally.defaultModel, no_region: tally.noRegion,
    unclosed: tally.unclosed.count, unclosed_billed_ms: tally.unclosed.billedMs, unclosed_audio_ms: tally.unclosed.audioMs, at_cap: tally.atCap,
    undated: tally.undated, first_at: tally.first ?? null, last_at: tally.last ?? null, duplicates: tally.duplicates.count, excluded: tally.excluded, invalid: 0,
    zone: invoice.zone.name, period_from: invoice.period.from !== null && invoice.bounds.from !== undefined ? invoice.period.from : null,
    period_to: invoice.period.to !== null && invoice.bounds.to !== undefined ? invoice.period.to : null,
  });
  return rows;
}

/** A row read from a bucket file, with where it was. */
export interface ReadRow {
  ref: SourceRef;
  cells: ReadonlyMap<string, string>;
}

/** What a bucket table says besides its sums: the zone, the period's bounds as given, the group-by. */
export interface TableSettings {
  zone: string;
  periodFrom: string | undefined;
  periodTo: string | undefined;
  groupBy: Dimension[];
  /** Records the in-process engine would reject. */
  invalid: number;
}

/**
 * The group-by of a table, from its header: the dimension columns it has, in their order. A CSV
 * header must hold every column; JSON rows may leave out empty ones (BigQuery's export does).
 */
export function groupByOfHeader(header: readonly string[], file: string, complete: boolean): Dimension[] {
  const dims = header.filter((c): c is Dimension => (DIMENSIONS as readonly string[]).includes(c));
  const known = new Set(tableColumns([...DIMENSIONS], true));
  for (const column of header) {
    if (!known.has(column)) throw new InputError({ file, line: 1 }, column, 'is not a column of the bucket table', 'see docs/sql.md');
  }
  if (complete) {
    for (const column of tableColumns(dims, header.includes(USAGE_DAY))) {
      if (!header.includes(column)) throw new InputError({ file, line: 1 }, column, 'is missing from the bucket table', 'make the table with tallyman sql (docs/sql.md)');
    }
  }
  return dims;
}

/** Reads the rows of a bucket table into what the fold of the raw log would hold, to be priced by `billOf`. */
export function foldOfTable(rows: readonly ReadRow[], groupBy: readonly Dimension[], card: RateCard, file: string): { view: FoldView; settings: TableSettings } {
  // A card with free quotas or packs uses them day by day: its usage rows carry their day (the fold's shadow day).
  const usageDay = hasUsageDay(card, groupBy);
  if (usageDay && rows.some((r) => r.cells.get('entry') === 'usage') && !rows.some((r) => r.cells.has(USAGE_DAY))) {
    fail(rows[0]!.ref, USAGE_DAY, `is missing: card ${card.name} has free quotas or packs, used day by day, and the table is not grouped by day`, 'make the table again with this tallyman sql, which adds the column (docs/sql.md)');
  }
  const versions = new Map(card.versions.map((v, i) => [v.label, i]));
  const buckets = new Map<string, Bucket>();
  const unpriced = new Map<string, Unpriced>();
  const tally: Tally = {
    counted: 0, billed: 0, free: 0, excluded: 0, undated: 0, defaultModel: 0, atCap: 0, noRegion: 0,
    duplicates: { count: 0, examples: [] }, unclosed: { count: 0, billedMs: 0, audioMs: 0, extra: new Map() }, first: undefined, last: undefined,
  };
  let settings: TableSettings | undefined;
  for (const { ref, cells } of rows) {
    const text = (column: string): string | null => {
      const value = cells.get(column) ?? '';
      return value === '' ? null : value;
    };
    const need = (column: string): string => text(column) ?? fail(ref, column, 'is empty');
    const count = (column: CountColumn): number => {
      const value = text(column);
      if (value === null) return 0;
      if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) fail(ref, column, `"${value}" is not a whole number`);
      return Number(value);
    };
    const sum = (a: number, b: number, column: string): number => (Number.isSafeInteger(a + b) ? a + b : fail(ref, column, 'passes 2^53, past exact arithmetic'));
    const entry = need('entry');
    const version = (): number => {
      const label = need('card_version');
      const index = versions.get(label);
      if (index === undefined) fail(ref, 'card_version', `card ${card.name} has no version "${label}"`, 'price the table with the card it was made from');
      if (card.versions[index]!.hash !== need('card_hash')) fail(ref, 'card_hash', `"${text('card_hash')}" is not the hash of version ${label} of card ${card.name} (${card.versions[index]!.hash})`, 'the table was made from other prices: make it again with tallyman sql');
      return index;
    };
    switch (entry) {
      case 'usage': {
        const v = version();
        const product = card.versions[v]!.products.find((p) => p.id === need('product'));
        if (!product) fail(ref, 'product', `version ${card.versions[v]!.label} of card ${card.name} has no product "${text('product')}"`);
        const dims = [...groupBy, ...(usageDay ? [USAGE_DAY] : [])].map((d) => text(d));
        const bucket: Bucket = { version: v, product: product.id, model: need('model'), component: need('component') as Component, period: text('period') ?? '', dims, quantity: 0, priced: true };
        checkComponent(card, bucket, ref);
        const key = [v, bucket.product, bucket.model, bucket.component, bucket.period, ...dims].join('\u0000');
        const found = buckets.get(key) ?? bucket;
        found.quantity = sum(found.quantity, count('quantity'), 'quantity');
        buckets.set(key, found);
        break;
      }
      case 'unpriced': {
        const component = text('component');
        if (component !== null && !component.startsWith('addon:')) fail(ref, 'component', `"${component}" is not an add-on (addon:NAME) or empty`);
        const u: Unpriced = { kind: need('kind'), product: text('product'), model: need('model'), addon: component === null ? null : component.slice(6), reason: need('reason'), count: 0, quantity: 0, refs: [] };
        const key = [u.kind, u.product, u.model, u.addon].join('\u0000');
        const found = unpriced.get(key) ?? u;
        if (u.reason < found.reason) found.reason = u.reason;
        found.count = sum(found.count, count('records'), 'records');
        found.quantity = sum(found.quantity, count('quantity'), 'quantity');
        unpriced.set(key, found);
        break;
      }
      case 'unclosed': {
        const key = `${version()}\u0000${need('product')}\u0000${need('model')}`;
        tally.unclosed.extra.set(key, sum(tally.unclosed.extra.get(key) ?? 0, count('quantity'), 'quantity'));
        break;
      }
      case 'total': {
        const these: TableSettings = { zone: need('zone'), periodFrom: text('period_from') ?? undefined, periodTo: text('period_to') ?? undefined, groupBy: [...groupBy], invalid: 0 };
        if (settings && (settings.zone !== these.zone || settings.periodFrom !== these.periodFrom || settings.periodTo !== these.periodTo)) {
          fail(ref, 'zone', 'the table joins rows made with different zones or periods', 'make one table per run of the statement');
        }
        settings = settings ?? these;
        break;
      }
      default:
        fail(ref, 'entry', `"${entry}" is not one of ${ENTRIES.join(', ')}`);
    }
    // Counters are summed over every row, whatever its entry (docs/sql.md).
    if (entry !== 'unpriced') {
      tally.counted = sum(tally.counted, count('records'), 'records');
    }
    tally.billed = sum(tally.billed, count('billed'), 'billed');
    tally.free = sum(tally.free, count('free'), 'free');
    tally.defaultModel = sum(tally.defaultModel, count('default_model'), 'default_model');
    tally.noRegion = sum(tally.noRegion, count('no_region'), 'no_region');
    tally.unclosed.count = sum(tally.unclosed.count, count('unclosed'), 'unclosed');
    tally.unclosed.billedMs = sum(tally.unclosed.billedMs, count('unclosed_billed_ms'), 'unclosed_billed_ms');
    tally.unclosed.audioMs = sum(tally.unclosed.audioMs, count('unclosed_audio_ms'), 'unclosed_audio_ms');
    tally.atCap = sum(tally.atCap, count('at_cap'), 'at_cap');
    tally.undated = sum(tally.undated, count('undated'), 'undated');
    tally.duplicates.count = sum(tally.duplicates.count, count('duplicates'), 'duplicates');
    tally.excluded = sum(tally.excluded, count('excluded'), 'excluded');
    if (settings) settings.invalid = sum(settings.invalid, count('invalid'), 'invalid');
    else if (count('invalid') > 0) fail(ref, 'invalid', 'is counted on a row that is not the total row');
    if (text('first_at') !== null) tally.first = Math.min(tally.first ?? Infinity, count('first_at'));
    if (text('last_at') !== null) tally.last = Math.max(tally.last ?? -Infinity, count('last_at'));
  }
  if (!settings) throw new InputError({ file, line: 1 }, 'entry', 'the bucket table has no total row', 'export every row of the statement (docs/sql.md)');
  return { view: { buckets: [...buckets.values()], unpriced, tally, dimensions: usageDay ? [...groupBy, 'day'] : groupBy }, settings };
}

/** A usage row's component must be one its product prices (a misspelt one would price at nothing). */
function checkComponent(card: RateCard, bucket: Bucket, ref: SourceRef): void {
  const product = card.versions[bucket.version]!.products.find((p) => p.id === bucket.product)!;
  if (!product.models.has(bucket.model)) fail(ref, 'model', `product ${product.id} of version ${card.versions[bucket.version]!.label} of card ${card.name} has no model "${bucket.model}"`);
  const c = bucket.component;
  const ok = product.kind === 'llm'
    ? /^(input|output|cache_read|cache_write|cache_write_1h|reasoning|input:long|output:long)(@(us|eu))?$/.test(c) && (!c.includes(':long') || product.models.get(bucket.model)!.contextBand !== undefined) && (!c.includes('@') || product.regionalIncrease.has(c.slice(c.indexOf('@') + 1)))
    : c === 'usage' || (c.startsWith('addon:') && (product.modelAddons.get(bucket.model)?.has(c.slice(6)) === true || product.addons.has(c.slice(6))));
  if (!ok) fail(ref, 'component', `"${c}" is not priced by ${product.id} ${bucket.model} on card ${card.name}`);
}

function fail(ref: SourceRef, column: string, problem: string, hint?: string): never {
  throw new InputError(ref, column, problem, hint ?? 'check the bucket table against docs/sql.md');
}

/** The period of a table's settings as the flags would give it. */
export function periodFlagsOf(settings: TableSettings): { from?: string; to?: string } {
  return { ...(settings.periodFrom === undefined ? {} : { from: settings.periodFrom }), ...(settings.periodTo === undefined ? {} : { to: settings.periodTo }) };
}

/** Whether two periods have the same bounds. */
export function samePeriod(a: Period, b: Period): boolean {
  return a.from === b.from && a.to === b.to;
}
