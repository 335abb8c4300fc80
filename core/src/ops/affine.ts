import * as tf from '@tensorflow/tfjs-core';

/**
 * y = x W + b for x [M, in], forward as one fused matMul + bias, backward made only of plain
 * (untransposed, unbatched) 2-D matMuls: the only matMul form the wasm backend hands to XNNPACK
 * (tfjs 4.22); transposed or batched forms run a scalar loop 10-20x slower, and tfjs's own matMul
 * gradient uses the transpose flags. So:
 * - dx = dy transpose(W) (W is small);
 * - dW = transpose(x) dy, or transpose(transpose(dy) x) when x is the wider one: one explicit
 *   transpose of the smaller activation (wasm transposes cost ~8 ns per value);
 * - db = ones[1, M] dy, a matMul rather than sum(dy, 0): reductions over a leading axis
 *   transpose first on wasm and cpu. Sharing dy as the right operand with dW also lets XNNPACK
 *   reuse its packed copy of dy (its operator cache is keyed on that operand).
 */
export const affine = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, kernel, bias, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  save([x, kernel]);
  return {
    value: tf.fused.matMul({ a: x, b: kernel, bias }),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ks] = saved as tf.Tensor2D[];
      const g = dy as tf.Tensor2D;
      const [rows, inDim] = xs.shape;
      const outDim = ks.shape[1];
      const dx = tf.matMul(g, tf.transpose(ks));
      if (inDim <= outDim) {
        const dKernel = tf.matMul(tf.transpose(xs), g);
        const dBias = tf.reshape(tf.matMul(tf.ones([1, rows]), g), [outDim]);
        return [dx, dKernel, dBias];
      }
      const gT = tf.transpose(g); // [out, M]
      const dKernel = tf.transpose(tf.matMul(gT, xs));
      const dBias = tf.reshape(tf.matMul(gT, tf.ones([rows, 1])), [outDim]);
      return [dx, dKernel, dBias];
    },
  };
}) as (x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D) => tf.Tensor2D;
