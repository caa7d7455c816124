import { describe, expect, it } from 'vitest';
import { compilePlan, type Plan } from '../../src/pricing/plan.js';
import { openCard } from '../../src/rates/open.js';
import { ITEM_FIELDS, PLAN_FIELDS, planTables, refuseUnknown } from '../../src/sql/plans.js';
import { UsageError } from '../../src/util/errors.js';
import { ROOT } from '../cli/binary.js';

/**
 * The plan-field guard (docs/sql.md "Plans"): every field of a Plan is either compiled into the
 * statement or refused by name. A field added to Plan that PLAN_FIELDS does not list fails the
 * build (its type is Record<keyof Plan, …>) and, should the type be loosened, these tests.
 */

describe('the plan-field guard of tallyman sql', () => {
  it('lists exactly the fields of a compiled plan, priced or not, and of its items', async () => {
    const card = await openCard('fixtures/sql/shapes-card.yaml', ROOT);
    const priced = compilePlan(0, card, 0, 'transcript', 'fast', ['labels']);
    const unpriced = compilePlan(1, card, 0, 'transcript', 'nope', []);
    const llm = compilePlan(2, card, 0, 'llm', 'm1', []);
    expect(priced.priced && !unpriced.priced && llm.priced).toBe(true);
    for (const plan of [priced, unpriced, llm]) expect(Object.keys(plan).sort()).toEqual(Object.keys(PLAN_FIELDS).sort());
    for (const item of [...priced.items, ...llm.items]) expect(Object.keys(item).sort()).toEqual(Object.keys(ITEM_FIELDS).sort());
  });

  it('refuses a plan with a field it does not know (a UsageError: exit 2), naming the field', async () => {
    const card = await openCard('fixtures/sql/shapes-card.yaml', ROOT);
    const plan = compilePlan(0, card, 0, 'transcript', 'fast', []);
    expect(() => refuseUnknown(card, plan)).not.toThrow();
    const extended = { ...plan, prepaidCredits: 5 } as Plan;
    expect(() => refuseUnknown(card, extended)).toThrow(UsageError);
    expect(() => refuseUnknown(card, extended)).toThrow(/plan field prepaidCredits/);
    const item = { ...plan, items: [{ ...plan.items[0]!, cap: 3 }] } as Plan;
    expect(() => refuseUnknown(card, item)).toThrow(/item field cap/);
  });

  it('compiles every plan of the cards with minimums, prices per request, flat fees, packages, quotas and packs', async () => {
    for (const name of ['fixtures/sql/shapes-card.yaml', 'fixtures/cards/api-calls.yaml', 'fixtures/cards/tencent-quota.yaml']) {
      const tables = planTables(await openCard(name, ROOT));
      expect(tables.plans.length).toBeGreaterThan(0);
    }
    const api = planTables(await openCard('fixtures/cards/api-calls.yaml', ROOT));
    // api-calls: "api" is priced per request, "speech" bills at least 15 s.
    expect(api.plans.filter((p) => p.plan.perRequest).map((p) => p.plan.product)).toContain('api');
    expect(api.plans.find((p) => p.plan.product === 'speech')!.plan.minimumMs).toBe(15_000);
  });
});
