import * as tf from '@tensorflow/tfjs-core';
import type { Initializer } from '@mtojs/core';

/** A linear layer computed as one plain 2-D matMul (fast on wasm), weights glorot-uniform, bias zero. */
export class Linear {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;

  constructor(readonly inDim: number, readonly outDim: number, init: Initializer) {
    this.kernel = init.glorotUniform([inDim, outDim]);
    this.bias = init.zeros([outDim]);
  }

  /** [B, T, inDim] -> [B, T, outDim]. */
  apply(x: tf.Tensor3D): tf.Tensor3D {
    const [B, T, D] = x.shape;
    if (D !== this.inDim) throw new Error(`linear layer expects ${this.inDim} features, got [${x.shape.join(', ')}]`);
    return tf.tidy(() => {
      const y = tf.add(tf.matMul(tf.reshape(x, [B * T, D]) as tf.Tensor2D, this.kernel as tf.Tensor2D), this.bias);
      return tf.reshape(y, [B, T, this.outDim]) as tf.Tensor3D;
    });
  }
}
