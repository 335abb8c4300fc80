import * as tf from '@tensorflow/tfjs-core';

/**
 * [ours] L_e over the early layers. With a `target` tau (the default reading):
 * L_e = mean over the early layers of max(0, tau - Het^l), a hinge that raises heterogeneity up
 * to tau and then stops. Without one (`target` null, the first reading):
 * L_e = - mean over the early layers of Het^l, which keeps pushing; an entropy-based Het is
 * largest when visible rows attend only to themselves, so unbounded it switches attention off
 * (docs/mto.md, "Why L_e has a target").
 * @param earlyHet batch-mean Het of each early layer, in layer order
 * @param target tau in [0, 1], or null for the unbounded form
 */
export function earlyLoss(earlyHet: readonly tf.Scalar[], target: number | null = null): tf.Scalar {
  if (earlyHet.length === 0) throw new RangeError('earlyLoss needs the heterogeneity of at least one early layer');
  if (target === null) return tf.neg(tf.div(tf.addN([...earlyHet]), earlyHet.length)) as tf.Scalar;
  if (!(target >= 0 && target <= 1)) throw new RangeError(`earlyLoss: target must lie in [0, 1], got ${target}`);
  const shortfalls = earlyHet.map((h) => tf.relu(tf.sub(target, h)));
  return tf.div(tf.addN(shortfalls), shortfalls.length) as tf.Scalar;
}

/**
 * [ours] L_r = mean over consecutive later layers of max(0, Het^{l+1} - Het^l + delta): a margin
 * ranking loss that asks heterogeneity to decrease (by at least `delta`) from each later layer
 * to the next.
 * @param laterHet batch-mean Het of each later layer, in layer order (at least two)
 * @param delta margin, >= 0
 */
export function rankLoss(laterHet: readonly tf.Scalar[], delta = 0): tf.Scalar {
  if (laterHet.length < 2) throw new RangeError('rankLoss needs the heterogeneity of at least two later layers');
  if (!(delta >= 0)) throw new RangeError(`rankLoss: delta must be >= 0, got ${delta}`);
  const violations: tf.Tensor[] = [];
  for (let l = 0; l + 1 < laterHet.length; l++) violations.push(tf.relu(tf.add(tf.sub(laterHet[l + 1], laterHet[l]), delta)));
  return tf.div(tf.addN(violations), violations.length) as tf.Scalar;
}

/** Which layers of a module of `numLayers` layers are early (L_e) and later (L_r). */
export function splitLayers(numLayers: number, earlyLayers: number): { early: number[]; later: number[] } {
  const cut = Math.max(0, Math.min(earlyLayers, numLayers));
  const range = (a: number, b: number) => Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);
  return { early: range(0, cut), later: range(cut, numLayers) };
}
