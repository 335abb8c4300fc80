import type * as tf from '@tensorflow/tfjs-core';
import type { Configurable, NamedVariable } from '../parts/part.js';

export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/**
 * An optimiser updates variables from gradients at a learning rate given per step (the
 * schedule's). Its slots (moments) are named after the variables so they checkpoint by name.
 */
export interface Optimizer extends Configurable {
  /** The base learning rate the schedule scales. */
  readonly learningRate: number;
  /** Updates `params` in place with `grads` (same order). Runs its own tidy. */
  apply(params: NamedVariable[], grads: tf.Tensor[], lr: number): void;
  /**
   * Optional: clips the gradients to a global L2 norm of at most `maxNorm` (as
   * clipByGlobalNorm), then updates as `apply`, in fewer kernels than the two apart; returns the
   * norm before clipping, which the caller disposes.
   */
  applyClipped?(params: NamedVariable[], grads: tf.Tensor[], lr: number, maxNorm: number): tf.Scalar;
  /** Slot tensors for checkpoints, owned by the optimiser (do not dispose), valid until its next update. */
  getWeights(): NamedTensor[];
  /** Restores slots saved by getWeights (copies the values in). */
  setWeights(weights: NamedTensor[]): void;
  getState(): Record<string, unknown>;
  setState(state: Record<string, unknown>): void;
  dispose(): void;
}

/** Default decay rule: matrices decay; biases, norms, tokens and embeddings of rank < 2 do not. */
export function decays(p: NamedVariable): boolean {
  return p.decay ?? p.variable.rank >= 2;
}
