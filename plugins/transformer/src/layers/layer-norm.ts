import * as tf from '@tensorflow/tfjs-core';
import type { Initializer, NamedVariable } from '@mtojs/core';
import type { Layer } from './layer.js';

/** The epsilon ViT/MAE use (timm's `partial(nn.LayerNorm, eps=1e-6)`). */
export const LAYER_NORM_EPSILON = 1e-6;

/**
 * LayerNorm over the last axis of x [M, D] with the textbook backward, instead of tfjs's
 * gradients of the ~10 forward ops (about 25 kernels, among them reductions over the leading
 * axes for gamma and beta, which transpose first on wasm and cpu):
 *   xhat = (x - mean) * rstd,  g = dy * gamma,
 *   dx = rstd * (g - mean(g) - xhat * mean(g * xhat)),
 *   dgamma = ones[1, M] (dy * xhat),  dbeta = ones[1, M] dy.
 */
function layerNormOp(epsilon: number) {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, gamma, beta, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const centred = tf.sub(x, tf.mean(x, -1, true));
    const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), epsilon));
    const xhat = tf.mul(centred, rstd);
    save([xhat, rstd, gamma]);
    return {
      value: tf.add(tf.mul(xhat, gamma), beta) as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xh, rs, gm] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
        const rows = xh.shape[0];
        const dim = xh.shape[1];
        const g = tf.mul(dy, gm);
        const dx = tf.mul(rs, tf.sub(tf.sub(g, tf.mean(g, -1, true)), tf.mul(xh, tf.mean(tf.mul(g, xh), -1, true))));
        const ones = tf.ones([1, rows]);
        const dGamma = tf.reshape(tf.matMul(ones, tf.mul(dy, xh) as tf.Tensor2D), [dim]);
        const dBeta = tf.reshape(tf.matMul(ones, dy as tf.Tensor2D), [dim]);
        return [dx, dGamma, dBeta];
      },
    };
  }) as (x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D) => tf.Tensor2D;
}

/** Layer normalisation over the last axis with a learned scale (ones) and shift (zeros). */
export class LayerNorm implements Layer {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  private readonly op: (x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D) => tf.Tensor2D;

  constructor(
    init: Initializer,
    readonly dim: number,
    readonly epsilon: number = LAYER_NORM_EPSILON,
  ) {
    this.gamma = init.ones([dim]);
    this.beta = init.zeros([dim]);
    this.op = layerNormOp(epsilon);
  }

  apply<T extends tf.Tensor>(x: T): T {
    if (x.shape[x.rank - 1] !== this.dim) throw new Error(`LayerNorm expects a last axis of ${this.dim}, got shape [${x.shape}]`);
    const flat = tf.reshape(x, [-1, this.dim]) as tf.Tensor2D;
    const y = this.op(flat, this.gamma as tf.Tensor as tf.Tensor1D, this.beta as tf.Tensor as tf.Tensor1D);
    return tf.reshape(y, x.shape) as T;
  }

  variables(): NamedVariable[] {
    return [
      { name: 'gamma', variable: this.gamma, decay: false },
      { name: 'beta', variable: this.beta, decay: false },
    ];
  }
}
