/**
 * Splits a whole number into parts proportional to `weights` that always add up to the whole:
 * each part gets its floor share, and the leftover units go one each to the largest remainders
 * (ties: the earlier weight). Weights are non-negative integers; all-zero weights split evenly.
 */
export function allocate(total: number, weights: readonly number[]): number[] {
  if (weights.length === 0) return [];
  const sum = weights.reduce((a, b) => a + b, 0);
  const effective = sum === 0 ? weights.map(() => 1) : weights;
  const weightSum = sum === 0 ? weights.length : sum;
  const big = BigInt(total);
  const bigSum = BigInt(weightSum);
  if (effective.every((w) => w === effective[0])) {
    // Equal weights: every remainder is equal, so the leftover units go to the first parts (by the
    // rule above), with no per-part arithmetic: an estimate spreads a month over 500k sessions.
    const n = BigInt(effective.length);
    const share = Number(big / n);
    const extra = Number(big % n);
    return effective.map((_, i) => (i < extra ? share + 1 : share));
  }
  const parts = effective.map((w) => (big * BigInt(w)) / bigSum);
  const remainders = effective.map((w, i) => ({ i, r: (big * BigInt(w)) % bigSum }));
  let leftover = total - parts.reduce((a, b) => a + Number(b), 0);
  remainders.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of remainders) {
    if (leftover <= 0) break;
    parts[i]! += 1n;
    leftover--;
  }
  return parts.map(Number);
}
