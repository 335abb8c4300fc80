/**
 * Property (c), data singularity: the mask token should be unlike any real token. Measured in
 * the space where the mask token substitutes real tokens (the mixing module's input, before
 * positional encodings), against real tokens' embeddings in that space.
 */
export interface DataSingularity {
  /** Features per token in that space. */
  width: number;
  /** Real-token embeddings the mask token is compared with. */
  realTokens: number;
  /** Real tokens whose own nearest-neighbour distance sets the reference scale. */
  referenceTokens: number;
  maskToken: {
    /** L2 norm of the mask token. */
    norm: number;
    /** Euclidean distance to the nearest real token. */
    nearestDistance: number;
    /** Mean Euclidean distance to the real tokens. */
    meanDistance: number;
    /** Highest cosine similarity to a real token (1 = same direction). */
    nearestCosine: number;
    /** Mean cosine similarity to the real tokens. */
    meanCosine: number;
  };
  real: {
    /** Mean L2 norm of the real tokens. */
    meanNorm: number;
    /** Distance from each reference token to its nearest other real token (duplicates count, at 0). */
    nearestDistance: { p10: number; median: number; mean: number; p90: number };
    /** Highest cosine similarity of each reference token to another real token. */
    nearestCosine: { median: number; mean: number };
  };
  /**
   * Fraction of reference tokens whose nearest real neighbour is closer than the mask token's
   * nearest real token: 1 = the mask token is more isolated than every real token, 0 = less
   * isolated than all of them.
   */
  isolation: number;
  /** maskToken.nearestDistance / real.nearestDistance.median; null when that median is 0. */
  distanceRatio: number | null;
  /** Verdict: the mask token is more isolated than the median real token (isolation > 0.5). */
  distinct: boolean;
  /**
   * Real tokens the mask token could be mistaken for: those within `threshold` of it, with
   * threshold = radius x the real tokens' spread (the RMS distance of real tokens from their
   * mean). Blank image patches all embed to the stem's bias, so a mask token near the bias
   * collides with every one of them (41% of MNIST's 7x7 patches).
   */
  near: { radius: number; spread: number; threshold: number; count: number; fraction: number };
  /** Verdict: more than `maxNearFraction` of real tokens lie within the threshold. */
  collides: boolean;
}

/** Defaults of the collision check: within 0.25 spreads, and more than 1% of real tokens. */
export const NEAR_DEFAULTS = { radius: 0.25, maxNearFraction: 0.01 } as const;

const EPS = 1e-12;

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/**
 * Compares the mask token with real-token embeddings (exact, in float64; no tensors).
 * @param maskToken the mask token, W values
 * @param real row-major [R, W] real-token embeddings, R >= 2, in random order
 * @param referenceTokens how many of the first rows of `real` get their nearest-neighbour distance measured
 */
export function dataSingularity(
  maskToken: ArrayLike<number>,
  real: Float32Array,
  referenceTokens: number,
  nearOptions: { radius?: number; maxNearFraction?: number } = {},
): DataSingularity {
  const { radius, maxNearFraction } = { ...NEAR_DEFAULTS, ...nearOptions };
  const W = maskToken.length;
  if (W === 0 || real.length % W !== 0) throw new RangeError(`dataSingularity: ${real.length} real values are not rows of the mask token's ${W}`);
  const R = real.length / W;
  if (R < 2) throw new RangeError(`dataSingularity: needs at least 2 real tokens, got ${R}`);
  const Q = Math.max(1, Math.min(referenceTokens, R));
  const norms = new Float64Array(R);
  for (let r = 0; r < R; r++) {
    let s = 0;
    for (let d = 0; d < W; d++) s += real[r * W + d] ** 2;
    norms[r] = Math.sqrt(s);
  }
  let tokenNormSq = 0;
  for (let d = 0; d < W; d++) tokenNormSq += maskToken[d] ** 2;
  const tokenNorm = Math.sqrt(tokenNormSq);

  const centre = new Float64Array(W);
  for (let r = 0; r < R; r++) for (let d = 0; d < W; d++) centre[d] += real[r * W + d] / R;
  let spreadSq = 0;
  for (let r = 0; r < R; r++) for (let d = 0; d < W; d++) spreadSq += (real[r * W + d] - centre[d]) ** 2 / R;
  const spread = Math.sqrt(spreadSq);
  const threshold = radius * spread;
  let nearCount = 0;

  const toToken = { nearest: Infinity, sum: 0, bestCos: -Infinity, sumCos: 0 };
  for (let r = 0; r < R; r++) {
    let sq = 0;
    let dot = 0;
    for (let d = 0; d < W; d++) {
      const x = real[r * W + d];
      sq += (x - maskToken[d]) ** 2;
      dot += x * maskToken[d];
    }
    const dist = Math.sqrt(sq);
    if (dist < threshold) nearCount++;
    const cos = dot / (norms[r] * tokenNorm + EPS);
    toToken.nearest = Math.min(toToken.nearest, dist);
    toToken.sum += dist;
    toToken.bestCos = Math.max(toToken.bestCos, cos);
    toToken.sumCos += cos;
  }

  const nnDistance: number[] = [];
  const nnCosine: number[] = [];
  for (let q = 0; q < Q; q++) {
    let nearest = Infinity;
    let bestCos = -Infinity;
    for (let r = 0; r < R; r++) {
      if (r === q) continue;
      let sq = 0;
      let dot = 0;
      for (let d = 0; d < W; d++) {
        const a = real[q * W + d];
        const b = real[r * W + d];
        sq += (a - b) ** 2;
        dot += a * b;
      }
      nearest = Math.min(nearest, sq);
      bestCos = Math.max(bestCos, dot / (norms[q] * norms[r] + EPS));
    }
    nnDistance.push(Math.sqrt(nearest));
    nnCosine.push(bestCos);
  }
  const sortedDist = [...nnDistance].sort((a, b) => a - b);
  const sortedCos = [...nnCosine].sort((a, b) => a - b);
  const median = quantile(sortedDist, 0.5);
  const isolation = nnDistance.filter((d) => d < toToken.nearest).length / Q;
  return {
    width: W,
    realTokens: R,
    referenceTokens: Q,
    maskToken: {
      norm: tokenNorm,
      nearestDistance: toToken.nearest,
      meanDistance: toToken.sum / R,
      nearestCosine: toToken.bestCos,
      meanCosine: toToken.sumCos / R,
    },
    real: {
      meanNorm: mean(Array.from(norms)),
      nearestDistance: { p10: quantile(sortedDist, 0.1), median, mean: mean(nnDistance), p90: quantile(sortedDist, 0.9) },
      nearestCosine: { median: quantile(sortedCos, 0.5), mean: mean(nnCosine) },
    },
    isolation,
    distanceRatio: median > 0 ? toToken.nearest / median : null,
    distinct: isolation > 0.5,
    near: { radius, spread, threshold, count: nearCount, fraction: nearCount / R },
    collides: nearCount / R > maxNearFraction,
  };
}
