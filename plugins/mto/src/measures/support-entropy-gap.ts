import * as tf from '@tensorflow/tfjs-core';
import type { HeterogeneityMeasure } from '../heterogeneity.js';
import { entropy, roleRowMeans } from '../entropy.js';
import { stopGradient } from '../stop-gradient.js';
import { tokenRoles } from '../roles.js';

/**
 * [ours] |mean normalised row entropy of masked queries - that of visible queries|, per head then
 * averaged over heads, where each row's entropy is divided by ln of the row's own key support
 * (the keys it can attend to: those with a non-zero probability). Under hard recalibration a
 * visible row spreads over |V| keys and a masked row over N, so dividing both by ln N (as
 * `entropy-gap` does) makes Het = ln(N/|V|)/ln N before anything is learned; dividing each by
 * its own support compares how evenly each role spreads over what it may see, so a model that
 * has learned nothing (near-uniform rows) has Het near 0 with or without recalibration.
 *
 * The support is counted from the probabilities (p > 0): hard recalibration's masked keys
 * underflow to exactly 0, and a soft row keeps all N. It is a count, so no gradient flows
 * through it; rows with one key have entropy 0 and count as 0 (not 0/0).
 */
export const supportEntropyGap: HeterogeneityMeasure = {
  name: 'support-entropy-gap',
  requires: 'probs',
  description: "|mean normalised row entropy of masked queries - that of visible queries|, each row's entropy / ln(its key support)",
  compute(x, tokenMask, padding, given) {
    const probs = x as tf.Tensor4D;
    const roles = given ?? tokenRoles(tokenMask, padding);
    // sign(p) is 1 for p > 0 and 0 for p = 0, and its gradient is 0: the support is a constant.
    const support = tf.sum(tf.sign(probs), -1); // [B, H, T]
    // ln(max(support, 2)) > 0: a one-key row (entropy 0) divides by ln 2 and stays 0.
    const rows = tf.div(entropy(probs), tf.log(tf.maximum(support, 2))) as tf.Tensor3D; // [B, H, T] in [0, 1]
    const byRole = roleRowMeans(rows, roles); // [B, H] each
    // The visible rows are the reference: no gradient flows through them, so a loss on this
    // measure acts on how masked queries attend, never by switching visible attention off.
    const gap = tf.mean(tf.abs(tf.sub(byRole.masked, stopGradient(byRole.visible))), 1); // [B]
    return tf.mul(tf.clipByValue(gap, 0, 1), roles.hasBoth) as tf.Tensor1D;
  },
};
