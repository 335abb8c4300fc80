import type { Curve } from './metrics.js';

/** Mean ± sample standard deviation over seeds. `std` is null below two values. */
export interface Spread {
  mean: number | null;
  std: number | null;
  n: number;
  min: number | null;
  max: number | null;
}

export function mean(xs: readonly number[]): number | null {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

/** Sample standard deviation (n - 1 in the denominator); null for fewer than two values. */
export function std(xs: readonly number[]): number | null {
  if (xs.length < 2) return null;
  const m = mean(xs)!;
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

export function spread(xs: readonly number[]): Spread {
  const v = xs.filter(Number.isFinite);
  return { mean: mean(v), std: std(v), n: v.length, min: v.length ? Math.min(...v) : null, max: v.length ? Math.max(...v) : null };
}

/**
 * Area under a curve, per epoch: the trapezoid rule over its epochs divided by their span, so
 * it is in the metric's units (a curve flat at 0.9 has AUC 0.9). A one-point curve is its
 * value; an empty one null.
 */
export function auc(curve: Curve): number | null {
  if (curve.length === 0) return null;
  if (curve.length === 1) return curve[0][1];
  let area = 0;
  for (let i = 1; i < curve.length; i++) area += ((curve[i][0] - curve[i - 1][0]) * (curve[i][1] + curve[i - 1][1])) / 2;
  return area / (curve[curve.length - 1][0] - curve[0][0]);
}

/** arm / baseline; null when either is missing or the baseline is 0. */
export function ratio(arm: number | null, baseline: number | null): number | null {
  return arm === null || baseline === null || baseline === 0 ? null : arm / baseline;
}

/**
 * Does `value` reach `target`? (>= for 'max' metrics, <= for 'min' ones.) Within 1e-9
 * (relative) counts as reached: a target that is a mean over seeds carries rounding error
 * (0.6 + 0.8) / 2 = 0.7000000000000001, and an arm at exactly 0.7 has reached it.
 */
export function reaches(value: number, target: number, direction: 'max' | 'min'): boolean {
  const tol = 1e-9 * Math.max(1, Math.abs(target));
  return direction === 'max' ? value >= target - tol : value <= target + tol;
}

/** The first epoch at which the curve reaches `target`, or null when it never does. */
export function epochsToTarget(curve: Curve, target: number, direction: 'max' | 'min'): number | null {
  for (const [epoch, value] of curve) if (reaches(value, target, direction)) return epoch;
  return null;
}

/** Mean curve over seeds with the standard deviation, at the epochs every curve has. */
export function meanCurve(curves: readonly Curve[]): { epoch: number; mean: number; std: number | null; n: number }[] {
  if (curves.length === 0) return [];
  const epochs = curves[0].map(([e]) => e).filter((e) => curves.every((c) => c.some(([x]) => x === e)));
  return epochs.map((e) => {
    const ys = curves.map((c) => c.find(([x]) => x === e)![1]);
    return { epoch: e, mean: mean(ys)!, std: std(ys), n: ys.length };
  });
}
