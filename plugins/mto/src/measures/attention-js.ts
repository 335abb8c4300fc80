import * as tf from '@tensorflow/tfjs-core';
import type { HeterogeneityMeasure } from '../heterogeneity.js';
import { entropy } from '../entropy.js';
import { meanWeights, tokenRoles } from '../roles.js';

/**
 * Mean attention row of the selected queries, [B, H, T]: where the selected tokens look, on
 * average. A distribution over keys when at least one query is selected, all zeros otherwise.
 */
export function meanAttentionRow(probs: tf.Tensor4D, indicator: tf.Tensor2D): tf.Tensor3D {
  const [B, , T] = probs.shape;
  const w = tf.reshape(meanWeights(indicator), [B, 1, T, 1]);
  return tf.sum(tf.mul(probs, w), 2) as tf.Tensor3D;
}

/**
 * [ours] Jensen-Shannon divergence between the mean attention row of masked queries and that of
 * visible queries, JS(P, Q) = H((P + Q) / 2) - (H(P) + H(Q)) / 2, averaged over heads and
 * divided by ln 2 so it lies in [0, 1].
 */
export const attentionJs: HeterogeneityMeasure = {
  name: 'attention-js',
  requires: 'probs',
  description: 'Jensen-Shannon divergence between the mean attention rows of masked and visible queries, / ln 2',
  compute(x, tokenMask, padding, given) {
    const probs = x as tf.Tensor4D;
    const roles = given ?? tokenRoles(tokenMask, padding);
    const p = meanAttentionRow(probs, roles.masked);
    const q = meanAttentionRow(probs, roles.visible);
    const mix = tf.mul(tf.add(p, q), 0.5);
    const js = tf.sub(entropy(mix), tf.mul(tf.add(entropy(p), entropy(q)), 0.5)); // [B, H]
    const perSample = tf.div(tf.mean(js, 1), Math.LN2);
    // Clip the rounding error of the eps-smoothed entropies; the gradient passes inside [0, 1].
    return tf.mul(tf.clipByValue(perSample, 0, 1), roles.hasBoth) as tf.Tensor1D;
  },
};
