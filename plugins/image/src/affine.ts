import * as tf from '@tensorflow/tfjs-core';

/**
 * y = x W + b for x [M, in], with a backward made only of plain 2-D matMuls, the one matMul
 * form the wasm backend runs in XNNPACK (tfjs 4.22): tfjs's own matMul gradient uses the
 * transpose flags, which wasm runs in a scalar loop 10-20x slower, and sum(dy, 0) transposes
 * first. dx = dy transpose(W); dW = transpose(x) dy; db = ones[1, M] dy. (The transformer
 * package's Linear does the same; the image package does not depend on it.)
 */
export const affine = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, kernel, bias, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  save([x, kernel]);
  return {
    value: tf.fused.matMul({ a: x, b: kernel, bias }),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ks] = saved as tf.Tensor2D[];
      const g = dy as tf.Tensor2D;
      const dx = tf.matMul(g, tf.transpose(ks));
      const dKernel = tf.matMul(tf.transpose(xs), g);
      const dBias = tf.reshape(tf.matMul(tf.ones([1, xs.shape[0]]), g), [ks.shape[1]]);
      return [dx, dKernel, dBias];
    },
  };
}) as (x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D) => tf.Tensor2D;
