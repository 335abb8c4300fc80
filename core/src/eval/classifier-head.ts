import * as tf from '@tensorflow/tfjs-core';
import type { NamedVariable } from '../parts/part.js';
import type { Initializer } from '../train/initializer.js';
import { affine } from '../ops/affine.js';

/** The epsilon of the transformer's LayerNorm (timm's ViT). */
const NORM_EPSILON = 1e-6;

/**
 * A classification head on pooled features [B, W] -> logits [B, C]: an optional fixed
 * standardisation (`standardize`: per-feature mean and std measured once, e.g. on the labelled
 * examples' initial features, as the linear probe does: the pooled features of a young MAE vary
 * little between examples around a large shared component), an optional LayerNorm (MAE's
 * fine-tuning `fc_norm`), then a linear layer initialised with a small truncated normal
 * (std 0.01) and zero bias. Variables are named 'head/norm/{gamma,beta}', 'head/{kernel,bias}'.
 */
export class ClassifierHead {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;
  readonly gamma: tf.Variable | null;
  readonly beta: tf.Variable | null;
  private shift: tf.Tensor1D | null = null;
  private scale: tf.Tensor1D | null = null;

  constructor(
    init: Initializer,
    readonly inputDim: number,
    readonly numClasses: number,
    norm = true,
  ) {
    this.gamma = norm ? init.ones([inputDim]) : null;
    this.beta = norm ? init.zeros([inputDim]) : null;
    this.kernel = init.truncatedNormal([inputDim, numClasses], 0.01);
    this.bias = init.zeros([numClasses]);
  }

  /** Fixes the standardisation to the mean and std of these features [N, W] (not trained). */
  standardize(features: tf.Tensor2D): void {
    this.shift?.dispose();
    this.scale?.dispose();
    [this.shift, this.scale] = tf.tidy(() => {
      const { mean, variance } = tf.moments(features, 0);
      return [mean as tf.Tensor1D, tf.div(1, tf.add(tf.sqrt(variance), 1e-6)) as tf.Tensor1D];
    });
  }

  /** [B, W] -> [B, C]. */
  apply(features: tf.Tensor2D): tf.Tensor2D {
    let x = features;
    if (this.shift && this.scale) x = tf.mul(tf.sub(x, this.shift), this.scale);
    if (this.gamma && this.beta) {
      const { mean, variance } = tf.moments(x, -1, true);
      x = tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, NORM_EPSILON))), this.gamma), this.beta) as tf.Tensor2D;
    }
    return affine(x, this.kernel as tf.Tensor as tf.Tensor2D, this.bias as tf.Tensor as tf.Tensor1D);
  }

  variables(): NamedVariable[] {
    const norm: NamedVariable[] =
      this.gamma && this.beta
        ? [
            { name: 'head/norm/gamma', variable: this.gamma, decay: false },
            { name: 'head/norm/beta', variable: this.beta, decay: false },
          ]
        : [];
    return [...norm, { name: 'head/kernel', variable: this.kernel, decay: true }, { name: 'head/bias', variable: this.bias, decay: false }];
  }

  dispose(): void {
    for (const v of this.variables()) v.variable.dispose();
    this.shift?.dispose();
    this.scale?.dispose();
  }
}
