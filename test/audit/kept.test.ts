import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FindingDraft } from '../../src/audit/finding.js';
import { inTimeOrder, keepFinding, mayKeep } from '../../src/audit/kept.js';

const draft = fc.record({
  at: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
  id: fc.option(fc.constantFrom('a', 'b', 'c'), { nil: undefined }),
  message: fc.constantFrom('x', 'y'),
}).map((d): FindingDraft => ({ code: 'DUPLICATE_ID', ref: undefined, related: undefined, stake: [], ...d }));

describe('the findings kept to list (--max-findings)', () => {
  it('are the first N in time, then by id and message, whatever order they come in', () => {
    fc.assert(
      fc.property(fc.array(draft, { maxLength: 30 }), fc.integer({ min: 0, max: 8 }), (drafts, limit) => {
        const kept: FindingDraft[] = [];
        for (const d of drafts) if (mayKeep(kept, limit, d.at, () => d.id)) keepFinding(kept, limit, d);
        const key = (d: FindingDraft) => `${d.at ?? '-'} ${d.id ?? ''} ${d.message}`;
        expect(kept.map(key).sort()).toEqual([...drafts].sort(inTimeOrder).slice(0, limit).map(key).sort());
      }),
    );
  });
});
