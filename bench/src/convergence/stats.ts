import { Rng } from '@mtojs/core';
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

/** Two-sided 95% quantiles of Student's t, t_{0.975, df}, for df = 1..30 (then 1.96 is close enough above 120). */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

export function tQuantile975(df: number): number {
  if (df < 1) return NaN;
  if (df <= 30) return T975[df - 1];
  if (df <= 60) return 2.042 + ((2.0 - 2.042) * (df - 30)) / 30;
  if (df <= 120) return 2.0 + ((1.98 - 2.0) * (df - 60)) / 60;
  return 1.96;
}

/** Per-seed differences arm - baseline, summarised: mean, spread, and two 95% intervals. */
export interface PairedDifference {
  n: number;
  mean: number | null;
  std: number | null;
  /** mean ± t_{0.975, n-1} · std / sqrt(n); null below two pairs. */
  t95: [number, number] | null;
  /** Percentile bootstrap of the mean (10,000 resamples of the pairs, a fixed seed); null below two pairs. */
  bootstrap95: [number, number] | null;
  perSeed: { seed: number; arm: number; baseline: number; diff: number }[];
}

export function pairedDifference(pairs: { seed: number; arm: number; baseline: number }[], resamples = 10000): PairedDifference {
  const ok = pairs.filter((p) => Number.isFinite(p.arm) && Number.isFinite(p.baseline));
  const perSeed = ok.map((p) => ({ ...p, diff: p.arm - p.baseline }));
  const d = perSeed.map((p) => p.diff);
  const m = mean(d);
  const s = std(d);
  let t95: [number, number] | null = null;
  let bootstrap95: [number, number] | null = null;
  if (m !== null && s !== null) {
    const half = (tQuantile975(d.length - 1) * s) / Math.sqrt(d.length);
    t95 = [m - half, m + half];
    // A fixed seed: the same intervals on every report.
    const rng = new Rng(0x5eed);
    const means = new Float64Array(resamples);
    for (let r = 0; r < resamples; r++) {
      let sum = 0;
      for (let i = 0; i < d.length; i++) sum += d[rng.int(d.length)];
      means[r] = sum / d.length;
    }
    means.sort();
    bootstrap95 = [means[Math.floor(0.025 * (resamples - 1))], means[Math.ceil(0.975 * (resamples - 1))]];
  }
  return { n: d.length, mean: m, std: s, t95, bootstrap95, perSeed };
}
