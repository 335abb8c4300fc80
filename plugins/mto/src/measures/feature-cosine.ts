import * as tf from '@tensorflow/tfjs-core';
import type { HeterogeneityMeasure } from '../heterogeneity.js';
import { meanWeights, tokenRoles } from '../roles.js';

/**
 * Inside square roots: keeps the norm of a zero vector (and its gradient) finite, so a zero
 * feature, or the zero mean of an empty group, never produces 0/0.
 */
const NORM_EPS = 1e-12;

function safeNorm(x: tf.Tensor, keepDims: boolean): tf.Tensor {
  return tf.sqrt(tf.add(tf.sum(tf.square(x), -1, keepDims), NORM_EPS));
}

/**
 * [ours] (1 - cos(u, v)) / 2 with u, v the means of the L2-normalised features over masked and
 * over visible tokens.
 */
export const featureCosine: HeterogeneityMeasure = {
  name: 'feature-cosine',
  requires: 'features',
  description: '(1 - cosine of the mean normalised features of masked and visible tokens) / 2',
  compute(x, tokenMask, padding, given) {
    const features = x as tf.Tensor3D;
    const [B, T] = features.shape;
    const roles = given ?? tokenRoles(tokenMask, padding);
    const unit = tf.div(features, safeNorm(features, true));
    const groupMean = (indicator: tf.Tensor2D) => tf.sum(tf.mul(unit, tf.reshape(meanWeights(indicator), [B, T, 1])), 1); // [B, W]
    const u = groupMean(roles.masked);
    const v = groupMean(roles.visible);
    const cos = tf.div(tf.sum(tf.mul(u, v), -1), tf.mul(safeNorm(u, false), safeNorm(v, false)));
    const perSample = tf.div(tf.sub(1, cos), 2);
    return tf.mul(tf.clipByValue(perSample, 0, 1), roles.hasBoth) as tf.Tensor1D;
  },
};
