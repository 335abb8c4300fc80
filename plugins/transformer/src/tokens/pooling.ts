import * as tf from '@tensorflow/tfjs-core';

/**
 * Mean of token features [B, T, W] over the tokens that are not padding, [B, W]. A row that is
 * all padding pools to zeros rather than 0/0.
 */
export function meanPool(tokens: tf.Tensor3D, padding: tf.Tensor2D | null): tf.Tensor2D {
  if (!padding) return tf.mean(tokens, 1) as tf.Tensor2D;
  const real = tf.sub(1, padding); // [B, T]
  const summed = tf.sum(tf.mul(tokens, tf.expandDims(real, -1)), 1); // [B, W]
  return tf.div(summed, tf.maximum(tf.sum(real, 1, true), 1)) as tf.Tensor2D;
}
