import * as tf from '@tensorflow/tfjs-core';
import type { HeterogeneityMeasure } from '../heterogeneity.js';
import { roleEntropies } from '../entropy.js';
import { tokenRoles } from '../roles.js';

/**
 * [ours] |mean row entropy of masked queries - mean row entropy of visible queries| / ln(N), per
 * head then averaged over heads. N = the sample's non-padding tokens (the most keys a row can
 * spread over, so ln N is the largest possible row entropy); at least 2 so ln N > 0.
 */
export const entropyGap: HeterogeneityMeasure = {
  name: 'entropy-gap',
  requires: 'probs',
  description: '|mean row entropy of masked queries - that of visible queries| / ln(N)',
  compute(x, tokenMask, padding, given) {
    const probs = x as tf.Tensor4D;
    const roles = given ?? tokenRoles(tokenMask, padding);
    const { masked, visible } = roleEntropies(probs, roles);
    const gap = tf.mean(tf.abs(tf.sub(masked, visible)), 1); // [B]
    const tokens = tf.maximum(tf.add(roles.maskedCount, roles.visibleCount), 2);
    const perSample = tf.div(gap, tf.log(tokens));
    return tf.mul(tf.clipByValue(perSample, 0, 1), roles.hasBoth) as tf.Tensor1D;
  },
};
