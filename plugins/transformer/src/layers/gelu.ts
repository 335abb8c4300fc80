import * as tf from '@tensorflow/tfjs-core';

/**
 * The exact GELU, x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)): what PyTorch's nn.GELU (and so
 * MAE's and SimMIM's ViTs) computes by default, not the tanh approximation. tfjs-core's erf is a
 * rational approximation with an absolute error below 1.5e-7, and every backend here has it.
 */
export function gelu<T extends tf.Tensor>(x: T): T {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)) as T;
}
