import * as tf from '@tensorflow/tfjs-core';
import type { Initializer, NamedVariable } from '@mtojs/core';
import type { Layer } from './layer.js';

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
const affine = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
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

/**
 * y = x W + b on the last axis. W [in, out] is Glorot-uniform, b zeros (the ViT/MAE defaults).
 * Any leading axes are folded into one so the product is a plain 2-D matMul (see `affine`).
 */
export class Linear implements Layer {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;

  constructor(
    init: Initializer,
    readonly inputDim: number,
    readonly outputDim: number,
  ) {
    this.kernel = init.glorotUniform([inputDim, outputDim]);
    this.bias = init.zeros([outputDim]);
  }

  /** [..., inputDim] -> [..., outputDim]. */
  apply<T extends tf.Tensor>(x: T): T {
    if (x.shape[x.rank - 1] !== this.inputDim) {
      throw new Error(`Linear expects a last axis of ${this.inputDim}, got shape [${x.shape}]`);
    }
    const lead = x.shape.slice(0, -1);
    const flat = tf.reshape(x, [-1, this.inputDim]) as tf.Tensor2D;
    const y = affine(flat, this.kernel as tf.Tensor as tf.Tensor2D, this.bias as tf.Tensor as tf.Tensor1D);
    return tf.reshape(y, [...lead, this.outputDim]) as T;
  }

  variables(): NamedVariable[] {
    return [
      { name: 'kernel', variable: this.kernel, decay: true },
      { name: 'bias', variable: this.bias, decay: false },
    ];
  }
}
