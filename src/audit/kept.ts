import { compareText } from '../util/compare.js';
import type { FindingDraft } from './finding.js';

/**
 * The findings of a code kept to list (`--max-findings`) are the first `limit` in this order: in
 * time, then by id and message, whatever order the log's lines come in (never by file or line,
 * which a log cut into other files changes). Undated findings come last.
 */
export function inTimeOrder(a: Pick<FindingDraft, 'at' | 'id' | 'message'>, b: Pick<FindingDraft, 'at' | 'id' | 'message'>): number {
  return compareAt(a.at, b.at) || compareText(a.id ?? '', b.id ?? '') || compareText(a.message, b.message);
}

/**
 * Whether a finding at `at` could be kept: the list is not full, or it is no later than the latest
 * kept one (so that its message, and its id unless the times tie, are made only when it may be listed).
 */
export function mayKeep(kept: readonly FindingDraft[], limit: number, at: number | undefined, id: () => string | undefined): boolean {
  if (kept.length < limit) return true;
  if (limit === 0) return false;
  const latest = kept[0]!;
  return (compareAt(at, latest.at) || compareText(id() ?? '', latest.id ?? '')) <= 0;
}

/**
 * Keeps `draft` among at most `limit` findings: `kept` is a heap with the latest kept finding first,
 * which a draft earlier than it replaces.
 */
export function keepFinding(kept: FindingDraft[], limit: number, draft: FindingDraft): void {
  if (kept.length < limit) {
    kept.push(draft);
    let i = kept.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (inTimeOrder(kept[i]!, kept[parent]!) <= 0) break;
      [kept[i], kept[parent]] = [kept[parent]!, kept[i]!];
      i = parent;
    }
    return;
  }
  if (limit === 0 || inTimeOrder(draft, kept[0]!) >= 0) return;
  kept[0] = draft;
  let i = 0;
  for (;;) {
    const left = 2 * i + 1;
    const right = left + 1;
    let top = i;
    if (left < kept.length && inTimeOrder(kept[left]!, kept[top]!) > 0) top = left;
    if (right < kept.length && inTimeOrder(kept[right]!, kept[top]!) > 0) top = right;
    if (top === i) return;
    [kept[i], kept[top]] = [kept[top]!, kept[i]!];
    i = top;
  }
}

/** Instants in order, undated last. */
function compareAt(a: number | undefined, b: number | undefined): number {
  if (a === undefined || b === undefined) return (a === undefined ? 1 : 0) - (b === undefined ? 1 : 0);
  return a - b;
}
