import type { MaskingStrategy, Rng, TokenLayout } from '@mtojs/core';
import { chiSquareUpperTail, normalUpperTail } from './normal-tail.js';

/** Significance level of the uniform-coverage verdict. */
export const COVERAGE_ALPHA = 0.001;

/** Masks drawn per call of the strategy, so a large sample never needs one huge request. */
const ROWS_PER_DRAW = 500;

/**
 * Property (a), spatial randomness: whether every token position is masked equally often.
 * Rates are fractions of the drawn rows in which a position was masked.
 */
export interface SpatialRandomness {
  /** Masks drawn (rows). */
  rows: number;
  /** Token positions per mask. */
  positions: number;
  /** The strategy's `ratio` option when it has one (the rate it aims at), else null. */
  configuredRatio: number | null;
  /** Masked tokens per row: the fewest and the most seen (equal for fixed-count strategies). */
  maskedPerRow: { min: number; max: number };
  /** Rate every position would have under uniform coverage: all masked tokens / (rows x positions). */
  expectedRate: number;
  /** Per-position masking rates. */
  rate: { min: number; mean: number; max: number };
  /** Largest |rate_i - expectedRate| / expectedRate over positions. */
  maxRelativeDeviation: number;
  /** Largest |z_i|, z_i = (count_i - rows p) / sqrt(rows p (1 - p)), p = expectedRate. */
  maxAbsZ: number;
  /**
   * min(1, positions x two-sided normal tail of maxAbsZ): a Bonferroni p-value for "some position
   * is masked more or less often than the others". Valid however positions are correlated
   * (blocks), as long as rows are independent.
   */
  maxZPValue: number;
  /**
   * Pearson statistic sum_i z_i^2, scaled by (N-1)/N when every row masks the same count (the
   * counts then sum to a constant), with `df` = positions - 1 degrees of freedom.
   */
  chiSquare: number;
  df: number;
  /**
   * Upper tail of `chiSquare` (Wilson-Hilferty). Exact in the limit for strategies that pick
   * tokens independently of their neighbours (random, grid with maskPatchSize 1); strategies that
   * mask correlated groups (grid blocks, block) inflate it, so the verdict does not use it.
   */
  chiSquarePValue: number;
  /** Verdict: every position was masked at least once and maxZPValue >= COVERAGE_ALPHA. */
  uniform: boolean;
}

/**
 * Draws `rows` masks from the strategy with `rng` and measures how evenly they cover the token
 * positions. Only the strategy and the RNG are involved: no model, no data.
 */
export function spatialRandomness(masking: MaskingStrategy, layout: TokenLayout, rows: number, rng: Rng): SpatialRandomness {
  if (!(Number.isInteger(rows) && rows >= 1)) throw new RangeError(`spatialRandomness: rows must be a positive integer, got ${rows}`);
  const N = layout.numTokens;
  const counts = new Float64Array(N);
  let minPerRow = Infinity;
  let maxPerRow = -Infinity;
  for (let done = 0; done < rows; ) {
    const batchSize = Math.min(ROWS_PER_DRAW, rows - done);
    const sample = masking.sample({ batchSize, layout }, rng);
    for (let b = 0; b < batchSize; b++) {
      let inRow = 0;
      for (let i = 0; i < N; i++) {
        const m = sample.mask[b * N + i];
        counts[i] += m;
        inRow += m;
      }
      minPerRow = Math.min(minPerRow, inRow);
      maxPerRow = Math.max(maxPerRow, inRow);
    }
    done += batchSize;
  }
  const total = counts.reduce((a, b) => a + b, 0);
  const p = total / (rows * N);
  const rates = Array.from(counts, (c) => c / rows);
  const sd = Math.sqrt(rows * p * (1 - p));
  // p of 0 or 1 leaves nothing to test: every position is equal by construction.
  const z = Array.from(counts, (c) => (sd > 0 ? (c - rows * p) / sd : 0));
  const maxAbsZ = Math.max(...z.map(Math.abs));
  const fixedCount = minPerRow === maxPerRow;
  const sumSq = z.reduce((a, v) => a + v * v, 0);
  const chiSquare = fixedCount ? (sumSq * (N - 1)) / N : sumSq;
  const df = Math.max(1, N - 1);
  const maxZPValue = Math.min(1, N * 2 * normalUpperTail(maxAbsZ));
  const ratio = (masking.getConfig() as { ratio?: unknown }).ratio;
  const minRate = Math.min(...rates);
  return {
    rows,
    positions: N,
    configuredRatio: typeof ratio === 'number' ? ratio : null,
    maskedPerRow: { min: minPerRow, max: maxPerRow },
    expectedRate: p,
    rate: { min: minRate, mean: rates.reduce((a, b) => a + b, 0) / N, max: Math.max(...rates) },
    maxRelativeDeviation: p > 0 ? Math.max(...rates.map((r) => Math.abs(r - p))) / p : 0,
    maxAbsZ,
    maxZPValue,
    chiSquare,
    df,
    chiSquarePValue: chiSquareUpperTail(chiSquare, df),
    uniform: minRate > 0 && maxZPValue >= COVERAGE_ALPHA,
  };
}
