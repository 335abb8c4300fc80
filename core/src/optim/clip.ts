import * as tf from '@tensorflow/tfjs-core';

/**
 * Scales gradients so their global L2 norm is at most `maxNorm` (torch's clip_grad_norm_).
 * Returns new tensors (the caller disposes the old ones) and the pre-clip norm as a scalar.
 */
export function clipByGlobalNorm(grads: tf.Tensor[], maxNorm: number): { grads: tf.Tensor[]; norm: tf.Scalar } {
  return tf.tidy(() => {
    const sq = grads.map((g) => tf.sum(tf.square(g)));
    const norm = tf.sqrt(tf.addN(sq)) as tf.Scalar;
    const scale = tf.minimum(tf.div(maxNorm, tf.add(norm, 1e-6)), 1);
    return { grads: grads.map((g) => tf.mul(g, scale)), norm };
  });
}

/**
 * sum(x^2) of a long flat buffer as row sums of a near-square [rows, cols] view, then their sum:
 * the wasm backend adds a row in float32, and one running sum over 800k values drifts by
 * ~1e-5 relative, where sums of ~900 values each stay near 1e-7 (zeros pad the last row).
 */
export function sumOfSquares(x: tf.Tensor1D): tf.Scalar {
  const n = x.size;
  const cols = Math.max(1, Math.ceil(Math.sqrt(n)));
  const rows = Math.ceil(n / cols);
  const squares = tf.square(x);
  const padded = rows * cols > n ? tf.concat([squares, tf.zeros([rows * cols - n])]) : squares;
  return tf.sum(tf.sum(tf.reshape(padded, [rows, cols]), 1));
}
