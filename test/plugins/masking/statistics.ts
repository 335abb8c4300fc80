/**
 * Statistics shared by the masking tests: a goodness-of-fit test that every unit (token or
 * block) is picked equally often.
 */

/** Standard normal quantile at 0.999. */
const Z_0999 = 3.090232306167813;

/** The 0.999 quantile of chi-square with `df` degrees of freedom (Wilson-Hilferty approximation). */
export function chiSquareQuantile999(df: number): number {
  const a = 2 / (9 * df);
  return df * Math.pow(1 - a + Z_0999 * Math.sqrt(a), 3);
}

/**
 * Chi-square statistic for "each draw picks `perDraw` of `units` units, all subsets equally
 * likely", from how often each unit was picked over `draws` draws. It is approximately
 * chi-square with units - 1 degrees of freedom.
 *
 * The usual sum((O - E)^2 / E) assumes multinomial counts; here a unit is picked at most once per
 * draw (sampling without replacement), so count i has variance draws * p * (1 - p) and the
 * counts are negatively correlated. Dividing by draws * p * (1 - p) * units / (units - 1)
 * instead of E gives the correctly scaled statistic (the plain one would be about (1 - p) times
 * too small, i.e. a test with almost no power).
 */
export function selectionChiSquare(counts: ArrayLike<number>, draws: number, perDraw: number): number {
  const units = counts.length;
  const p = perDraw / units;
  const expected = draws * p;
  const scale = draws * p * (1 - p) * (units / (units - 1));
  let stat = 0;
  for (let i = 0; i < units; i++) stat += (counts[i] - expected) ** 2 / scale;
  return stat;
}
