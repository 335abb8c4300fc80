import * as tf from '@tensorflow/tfjs-core';
import type { Initializer, NamedVariable } from '@mtojs/core';
import type { Layer } from './layer.js';

/**
 * y = x W + b for x [M, in], with a gradient made only of plain 2-D matMuls on explicitly
 * transposed operands: dx = dy transpose(W), dW = transpose(x) dy, db = sum(dy). tfjs's own
 * matMul gradient uses the transposeA/transposeB flags, which the wasm backend runs about ten
 * times slower than a transpose followed by a plain product (tfjs 4.22).
 */
const affine = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, kernel, bias, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  save([x, kernel]);
  return {
    value: tf.add(tf.matMul(x, kernel), bias) as tf.Tensor2D,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ks] = saved as tf.Tensor2D[];
      const g = dy as tf.Tensor2D;
      return [tf.matMul(g, tf.transpose(ks)), tf.matMul(tf.transpose(xs), g), tf.sum(g, 0)];
    },
  };
}) as (x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D) => tf.Tensor2D;

/**
 * y = x W + b on the last axis. W [in, out] is Glorot-uniform, b zeros (the ViT/MAE defaults).
 * Any leading axes are folded into one so the product is a plain 2-D matMul: the wasm backend is
 * much faster at that than at batched or transposed forms.
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
