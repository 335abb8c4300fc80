import type * as tf from '@tensorflow/tfjs-core';
import type { Configurable, Trainable } from './part.js';
import type { ModalityAdapter, PreparedBatch, TokenLayout } from './adapter.js';
import type { ForwardContext } from '../hooks/trainer-hooks.js';
import type { MaskBatch } from '../train/mask-batch.js';
import type { Initializer } from '../train/initializer.js';

export interface ModelOutputs {
  /** Predictions at every token position, [B, N, targetDim] (the loss reads masked ones), or [1, K, targetDim] at the K predicted positions when the stem has `headAtTargets`. */
  pred: tf.Tensor3D;
}

/**
 * A masked-modeling model: a backbone whose attention runs through the trainer's hooks, with
 * one shared learnable mask token.
 */
export interface MaskedModel extends Configurable, Trainable {
  /** Where mask tokens meet visible tokens: 'decoder' for MAE-style, 'encoder' for SimMIM/BERT-style. */
  readonly mixingModule: string;
  /** Creates the variables for a token layout; the adapter provides embedding and head. */
  build(layout: TokenLayout, adapter: ModalityAdapter, init: Initializer): void;
  /** The training forward pass. */
  forward(batch: PreparedBatch, mask: MaskBatch, ctx: ForwardContext): ModelOutputs;
  /** Frozen features for probes: encoder on the unmasked input, pooled to [B, W]. */
  encode(batch: PreparedBatch, ctx?: ForwardContext): tf.Tensor2D;
  /** The shared mask token variable, [W] or [1, W]. */
  maskToken(): tf.Variable;
  /**
   * Optional: frees every tensor the model holds, constants (fixed positional tables) as well as
   * variables. `Trainer.dispose()` calls it, then disposes any variable still alive.
   */
  dispose?(): void;
}
