// Money is integer minor units. Products such as subtotal × tax bps or adjustment × weight can
// pass 2^53 on a full cart of expensive items, so every multiply-then-divide goes through BigInt.

/** round(a × b ÷ c) with halves rounded up; a, b are non-negative integers, c a positive integer. */
export function mulDivHalfUp(a: number, b: number, c: number): number {
  const numerator = BigInt(a) * BigInt(b);
  const divisor = BigInt(c);
  return Number((2n * numerator + divisor) / (2n * divisor));
}

/**
 * Splits `total` into integer parts proportional to `weights` that sum to exactly `total`
 * (largest-remainder method). Ties go to the earlier index, so the split is deterministic.
 */
export function allocateProportionally(total: number, weights: readonly number[]): number[] {
  const weightSum = weights.reduce((sum, weight) => sum + weight, 0);
  if (total === 0) return weights.map(() => 0);
  if (weightSum === 0) throw new RangeError("cannot allocate a non-zero total over zero weights");

  const bigTotal = BigInt(total);
  const bigSum = BigInt(weightSum);
  const parts = weights.map((weight) => Number((BigInt(weight) * bigTotal) / bigSum));
  const remainders = weights.map((weight, index) => ({ index, remainder: (BigInt(weight) * bigTotal) % bigSum }));
  remainders.sort((a, b) => {
    if (a.remainder === b.remainder) return a.index - b.index;
    return a.remainder > b.remainder ? -1 : 1;
  });

  let left = total - parts.reduce((sum, part) => sum + part, 0);
  for (const { index } of remainders) {
    if (left === 0) break;
    parts[index] = (parts[index] ?? 0) + 1;
    left -= 1;
  }
  return parts;
}

export function isMinorUnits(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}
