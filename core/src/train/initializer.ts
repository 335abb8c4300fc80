import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../rng/rng.js';

/**
 * Weight initialisers driven by the core's RNG: the same seed gives the same weights on every
 * backend. Values are drawn in JS, so initialisation never depends on a backend's own RNG.
 */
export class Initializer {
  constructor(readonly rng: Rng) {}

  private values(n: number, draw: () => number): Float32Array {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = draw();
    return a;
  }

  private make(shape: number[], values: Float32Array, trainable: boolean): tf.Variable {
    // tfjs variable names must be unique per engine: let tfjs name them; parts keep stable names.
    const t = tf.tensor(values, shape, 'float32');
    const v = tf.variable(t, trainable);
    t.dispose(); // the variable holds its own copy
    return v;
  }

  zeros(shape: number[], trainable = true): tf.Variable {
    return this.make(shape, new Float32Array(shape.reduce((a, b) => a * b, 1)), trainable);
  }

  ones(shape: number[], trainable = true): tf.Variable {
    return this.make(shape, new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(1), trainable);
  }

  normal(shape: number[], std: number, trainable = true): tf.Variable {
    const n = shape.reduce((a, b) => a * b, 1);
    return this.make(shape, this.values(n, () => this.rng.normal(0, std)), trainable);
  }

  /** Normal truncated at two standard deviations (redrawn), as ViT/MAE initialise tokens. */
  truncatedNormal(shape: number[], std: number, trainable = true): tf.Variable {
    const n = shape.reduce((a, b) => a * b, 1);
    return this.make(
      shape,
      this.values(n, () => {
        for (;;) {
          const z = this.rng.normal();
          if (Math.abs(z) <= 2) return z * std;
        }
      }),
      trainable,
    );
  }

  /** Glorot/Xavier uniform for a [fanIn, fanOut] matrix (the ViT/MAE default for linear layers). */
  glorotUniform(shape: [number, number], trainable = true): tf.Variable {
    const limit = Math.sqrt(6 / (shape[0] + shape[1]));
    return this.make(shape, this.values(shape[0] * shape[1], () => this.rng.uniform(-limit, limit)), trainable);
  }

  /** A constant, non-trainable tensor wrapped as a variable (e.g. fixed positional encodings). */
  constant(values: Float32Array, shape: number[]): tf.Variable {
    return this.make(shape, values, false);
  }
}
