import * as tf from '@tensorflow/tfjs-core';

/**
 * [ours] L_e = - mean over the early layers of Het^l: minimising it raises the masked/visible
 * heterogeneity where the paper found it speeds up convergence.
 * @param earlyHet batch-mean Het of each early layer, in layer order
 */
export function earlyLoss(earlyHet: readonly tf.Scalar[]): tf.Scalar {
  if (earlyHet.length === 0) throw new RangeError('earlyLoss needs the heterogeneity of at least one early layer');
  return tf.neg(tf.div(tf.addN([...earlyHet]), earlyHet.length)) as tf.Scalar;
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
