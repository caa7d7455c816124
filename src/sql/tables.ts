import { retiredReason } from '../pricing/fold.js';
import { Cut } from '../pricing/plan.js';
import type { RateCard } from '../rates/card.js';
import { REGIONS, type AddonRow, type PlanRow } from './plans.js';

/**
 * The statement's three constant tables as data (docs/sql.md, "Plans"): `pl` finds a record's plan
 * by equality alone (a plan for any region is a row for each region a record may name) with the
 * numbers each row is charged by; `pd` names each plan, joined to the summed rows only; `ad` lists
 * the priced add-ons. `tallyman sql` writes them as VALUES lists (`Dialect.table`); `--engine
 * duckdb` appends them to temporary tables, which DuckDB reads without parsing and planning 300 KB
 * of literals on every run.
 */

/** A cell: text, an integer (0 and 1 for flags), or NULL. */
export type Cell = string | number | null;

/** A constant table: its columns (each text or a 64-bit integer) and rows of cells in that order. */
export interface ConstantTable {
  name: 'pl' | 'pd' | 'ad';
  columns: readonly { name: string; type: 'text' | 'int' }[];
  rows: Cell[][];
}

const bit = (b: boolean): number => (b ? 1 : 0);
const cutText = (c: Cut): string => (c === Cut.Day ? 'day' : c === Cut.Month ? 'month' : '');
const columnsOf = (spec: string): ConstantTable['columns'] =>
  spec.split(' ').map((c) => {
    const [name, type] = c.split(':');
    return { name: name!, type: type === 't' ? 'text' : 'int' };
  });

/** The tables `pl`, `pd` and `ad` of a card's plans and priced add-ons (`planTables` of plans.ts). */
export function constantTables(card: RateCard, plans: readonly PlanRow[], addons: readonly AddonRow[]): ConstantTable[] {
  // Only LLM calls name a region: other records look for region '' whatever they say.
  const planRows = plans.flatMap((r, pid) => (r.regionIn !== '*' ? [{ r, pid, region: r.regionIn }] : r.plan.llm ? REGIONS.map((region) => ({ r, pid, region })) : [{ r, pid, region: '' }])).map(({ r, pid, region }): Cell[] => {
    const p = r.plan;
    return [p.version, p.kind, r.modelIn, region, pid, bit(p.llm), bit(p.chargeFailed), bit(p.session), p.capMs, p.incrementMs, p.minimumMs, bit(p.perRequest), p.bandAbove,
      p.retiredAt === Infinity ? null : p.retiredAt, bit(r.usageMultiply)];
  });
  const nameRows = plans.map((r, pid): Cell[] => {
    const p = r.plan;
    return [pid, p.product, p.model, r.label, r.hash, r.suffix, p.retiredAt === Infinity ? '' : retiredReason(card, p), r.addonReason[0], r.addonReason[1], bit(p.regionalPricing),
      cutText(r.usageCut), bit(r.inputOptional), bit(r.outputOptional), bit(p.llm), bit(p.perRequest), p.bandAbove];
  });
  const addonRows = addons.map((a): Cell[] => [a.version, a.product, a.model, a.addon, cutText(a.cut), bit(a.multiply)]);
  return [
    { name: 'pl', columns: columnsOf('pv pkind:t pmodel_in:t pregion_in:t pid llm charge_failed by_session cap_ms increment_ms minimum_ms per_request band_above retired_at usage_multiply'), rows: planRows },
    { name: 'pd', columns: columnsOf('did product:t pmodel:t label:t hash:t suffix:t retired_reason:t addon_pre:t addon_post:t regional usage_cut:t in_opt out_opt llm per_request band_above'), rows: nameRows },
    // A card without priced add-ons: one row that matches nothing (a VALUES list cannot be empty).
    { name: 'ad', columns: columnsOf('av aproduct:t amodel:t aname:t acut:t amultiply'), rows: addonRows.length === 0 ? [[-1, null, null, null, null, 0]] : addonRows },
  ];
}
