import * as tf from '@tensorflow/tfjs-core';
import { tokenRoles, type TokenRoles } from './roles.js';

/**
 * The magnitude that realises beta = inf. Any logit plus -1e9 lies so far below the row's
 * maximum (a visible query always keeps at least its own, unbiased key) that exp() underflows to
 * exactly 0 in float32: probabilities are exactly 0, never NaN (which -Infinity could give in a
 * row with nothing left, or in 0 * inf in gradients).
 */
export const HARD_BIAS = 1e9;

export type Beta = number | 'inf';

export function betaValue(beta: Beta): number {
  return beta === 'inf' ? HARD_BIAS : beta;
}

/**
 * [ours] Weight recalibration bias, [B, 1, T, T] (broadcast over heads): -beta for visible query
 * i and masked key j, 0 elsewhere. Masked queries (and padding) keep their logits.
 */
export function recalibrationBias(tokenMask: tf.Tensor2D, beta: Beta, padding?: tf.Tensor2D | null, roles?: TokenRoles): tf.Tensor4D {
  const [B, T] = tokenMask.shape;
  const { visible, masked } = roles ?? tokenRoles(tokenMask, padding);
  const pair = tf.mul(tf.reshape(visible, [B, 1, T, 1]), tf.reshape(masked, [B, 1, 1, T]));
  return tf.mul(pair, -betaValue(beta)) as tf.Tensor4D;
}

/** Adds the recalibration bias to attention logits [B, H, T, T]. */
export function recalibrate(logits: tf.Tensor4D, tokenMask: tf.Tensor2D, beta: Beta, padding?: tf.Tensor2D | null): tf.Tensor4D {
  return tf.add(logits, recalibrationBias(tokenMask, beta, padding)) as tf.Tensor4D;
}
