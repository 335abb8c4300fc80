import * as tf from '@tensorflow/tfjs-core';
import type { HeterogeneityMeasure } from '../heterogeneity.js';
import { entropy } from '../entropy.js';
import { stopGradient } from '../stop-gradient.js';
import { meanWeights, tokenRoles } from '../roles.js';

/**
 * [ours] max(0, mean normalised row entropy of visible queries - that of masked queries): how much
 * more focused masked queries are than visible ones, rows normalised by their own key support as
 * in `support-entropy-gap`, the visible side as a constant reference. The signed form of that
 * measure: with an absolute gap, masked rows that start a little more uniform than visible ones
 * (their normalised entropy is bounded by 1) are pushed towards uniform, where the gap can never
 * exceed 1 minus the visible rows' value and the gradient vanishes. Here the only way up is for
 * masked queries to attend more selectively than visible ones.
 */
export const maskedFocus: HeterogeneityMeasure = {
  name: 'masked-focus',
  requires: 'probs',
  description: 'max(0, normalised visible-row entropy - normalised masked-row entropy), rows over their own key support',
  compute(x, tokenMask, padding, given) {
    const probs = x as tf.Tensor4D;
    const [B, , T] = probs.shape;
    const roles = given ?? tokenRoles(tokenMask, padding);
    const support = tf.sum(tf.sign(probs), -1); // [B, H, T]; sign has a zero gradient
    const rows = tf.div(entropy(probs), tf.log(tf.maximum(support, 2))); // [B, H, T] in [0, 1]
    const byRole = (indicator: tf.Tensor2D) => tf.sum(tf.mul(rows, tf.reshape(meanWeights(indicator), [B, 1, T])), -1); // [B, H]
    const focus = tf.mean(tf.relu(tf.sub(stopGradient(byRole(roles.visible)), byRole(roles.masked))), 1); // [B]
    return tf.mul(tf.clipByValue(focus, 0, 1), roles.hasBoth) as tf.Tensor1D;
  },
};
