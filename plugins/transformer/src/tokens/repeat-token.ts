import * as tf from '@tensorflow/tfjs-core';

/**
 * A learned token [W] repeated to [B, T, W], as ones [B, T, 1] times the token: the gradient is
 * one sum. (tf.broadcastTo runs Tile, whose gradient takes one slice per copy: B * T ops.)
 */
export function repeatToken(token: tf.Tensor, batchSize: number, count: number): tf.Tensor3D {
  const W = token.size;
  return tf.mul(tf.ones([batchSize, count, 1]), tf.reshape(token, [1, 1, W])) as tf.Tensor3D;
}
