/**
 * Splits a whole number into parts proportional to `weights` that always add up to the whole:
 * each part gets its floor share, and the leftover units go one each to the largest remainders
 * (ties: the earlier weight). Weights are non-negative integers; all-zero weights split evenly.
 * Exact for any size (bigint): money in minor units goes through here, never through a `number`.
 */
export function allocateExact(total: bigint, weights: readonly bigint[]): bigint[] {
  if (weights.length === 0) return [];
  const sum = weights.reduce((a, b) => a + b, 0n);
  const effective = sum === 0n ? weights.map(() => 1n) : weights;
  const weightSum = sum === 0n ? BigInt(weights.length) : sum;
  if (effective.every((w) => w === effective[0])) {
    // Equal weights: every remainder is equal, so the leftover units go to the first parts (by the rule above).
    const n = BigInt(effective.length);
    const share = total / n;
    const extra = total % n;
    return effective.map((_, i) => (BigInt(i) < extra ? share + 1n : share));
  }
  const parts = effective.map((w) => (total * w) / weightSum);
  const remainders = effective.map((w, i) => ({ i, r: (total * w) % weightSum }));
  let leftover = total - parts.reduce((a, b) => a + b, 0n);
  remainders.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of remainders) {
    if (leftover <= 0n) break;
    parts[i]! += 1n;
    leftover--;
  }
  return parts;
}

/** `allocateExact` for quantities (milliseconds, tokens, counts: safe integers), never for money. */
export function allocate(total: number, weights: readonly number[]): number[] {
  return allocateExact(BigInt(total), weights.map(BigInt)).map(Number);
}

/**
 * Part `i` of a quantity (a safe integer) split into `n` equal parts, as `allocate(total, [1, …, 1])`
 * gives it (the leftover units to the first parts), without an array of `n` parts: an estimate
 * spreads a month of streaming over hundreds of thousands of sessions.
 */
export function evenPart(total: number, n: number, i: number): number {
  const share = Math.floor(total / n);
  return i < total - share * n ? share + 1 : share;
}
