import * as tf from '@tensorflow/tfjs-core';
import type { Initializer, NamedVariable } from '@mtojs/core';
import type { Layer } from './layer.js';

/** The epsilon ViT/MAE use (timm's `partial(nn.LayerNorm, eps=1e-6)`). */
export const LAYER_NORM_EPSILON = 1e-6;

/** Layer normalisation over the last axis with a learned scale (ones) and shift (zeros). */
export class LayerNorm implements Layer {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;

  constructor(
    init: Initializer,
    readonly dim: number,
    readonly epsilon: number = LAYER_NORM_EPSILON,
  ) {
    this.gamma = init.ones([dim]);
    this.beta = init.zeros([dim]);
  }

  apply<T extends tf.Tensor>(x: T): T {
    const mean = tf.mean(x, -1, true);
    const centred = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centred), -1, true);
    const normalised = tf.mul(centred, tf.rsqrt(tf.add(variance, this.epsilon)));
    return tf.add(tf.mul(normalised, this.gamma), this.beta) as T;
  }

  variables(): NamedVariable[] {
    return [
      { name: 'gamma', variable: this.gamma, decay: false },
      { name: 'beta', variable: this.beta, decay: false },
    ];
  }
}
