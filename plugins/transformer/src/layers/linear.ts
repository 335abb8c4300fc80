import * as tf from '@tensorflow/tfjs-core';
import { affine, type Initializer, type NamedVariable } from '@mtojs/core';
import type { Layer } from './layer.js';


/**
 * y = x W + b on the last axis. W [in, out] is Glorot-uniform, b zeros (the ViT/MAE defaults).
 * Any leading axes are folded into one so the product is a plain 2-D matMul (see core's `affine`).
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
