/**
 * Tail probabilities for the analysis' test statistics. Approximations, good to about 1e-7
 * absolute in the normal tail, which is plenty for a verdict at a 0.001 level.
 */

/** Complementary error function (Numerical Recipes' erfcc: fractional error below 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -z * z -
    1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const r = t * Math.exp(poly);
  return x >= 0 ? r : 2 - r;
}

/** P(Z > z) for a standard normal Z. */
export function normalUpperTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/**
 * P(X > x) for X chi-square with `df` degrees of freedom, by the Wilson-Hilferty cube-root
 * normal approximation (accurate to a few 1e-3 for df >= 3; the analysis has df = tokens - 1).
 */
export function chiSquareUpperTail(x: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`chi-square: degrees of freedom must be > 0, got ${df}`);
  if (x <= 0) return 1;
  const v = 2 / (9 * df);
  return normalUpperTail((Math.cbrt(x / df) - (1 - v)) / Math.sqrt(v));
}
