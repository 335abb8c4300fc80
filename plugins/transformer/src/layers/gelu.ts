import * as tf from '@tensorflow/tfjs-core';

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * GELU's derivative is Phi(x) + x phi(x), phi(x) = exp(-x^2 / 2) / sqrt(2 pi). The forward keeps
 * Phi(x) for it (tfjs's own gradient would rebuild it from the erf's gradient, about twice the
 * kernels), and exp(z) for z <= 0 is taken as elu(z) + 1: the wasm backend runs Elu in XNNPACK's
 * vector code, about 10x faster than its scalar Exp; the two differ by at most 6e-8.
 */
const geluOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  const normalCdf = tf.mul(tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1), 0.5);
  save([x, normalCdf]);
  return {
    value: tf.mul(x, normalCdf),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [input, cdf] = saved;
      const gaussian = tf.add(tf.elu(tf.mul(tf.square(input), -0.5)), 1); // exp(-x^2 / 2)
      return [tf.mul(dy, tf.add(cdf, tf.mul(tf.mul(input, INV_SQRT_2PI), gaussian)))];
    },
  };
});

/**
 * The exact GELU, x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)): what PyTorch's nn.GELU (and so
 * MAE's and SimMIM's ViTs) computes by default, not the tanh approximation. tfjs-core's erf is a
 * rational approximation with an absolute error below 1.5e-7, and every backend here has it.
 */
export function gelu<T extends tf.Tensor>(x: T): T {
  return geluOp(x) as T;
}
