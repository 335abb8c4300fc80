import * as tf from '@tensorflow/tfjs-core';
import type { AttentionInfo } from '@mtojs/core';

/**
 * Added to the attention logits of padding keys. Finite on purpose: exp() of any logit this far
 * below the row's maximum underflows to exactly 0 in float32, so padding gets exactly zero
 * probability, yet a row whose keys are all padding stays finite (uniform) instead of turning
 * into -Infinity - (-Infinity) = NaN, and adding further finite biases (e.g. MTO's -1e9) cannot
 * overflow float32 (max ~3.4e38). Float32 only: in float16 it would be -Infinity.
 */
export const PADDING_LOGIT_BIAS = -1e9;

/** What a module's tokens are, for one forward pass: the tensors handed to every hook call. */
export interface ModuleTokens {
  /** 'encoder' | 'decoder' (AttentionInfo.module). */
  module: string;
  /** [B, T] 1 = shared mask token (CLS = 0); null when no mask token enters the module. */
  tokenMask: tf.Tensor2D | null;
  /** [B, T] 1 = padding; null when there is none. */
  tokenPadding: tf.Tensor2D | null;
}

/**
 * The per-forward, per-module state of attention: the token flags and the padding bias, built
 * once and shared by every layer of the module. Its tensors live in the caller's scope (forward
 * runs inside tf.variableGrads or tf.tidy) and are not disposed here, because hook taps may keep
 * them (with the attention probabilities) until the loss hook of the same step.
 */
export class AttentionScope {
  /** [B, 1, 1, T]: PADDING_LOGIT_BIAS on padding keys, 0 elsewhere; null without padding. */
  readonly paddingBias: tf.Tensor4D | null;

  constructor(
    readonly tokens: ModuleTokens,
    readonly numLayers: number,
    readonly numHeads: number,
  ) {
    const p = tokens.tokenPadding;
    this.paddingBias = p ? (tf.reshape(tf.mul(p, PADDING_LOGIT_BIAS), [p.shape[0], 1, 1, p.shape[1]]) as tf.Tensor4D) : null;
  }

  /** Checks the flags against the module's tokens [B, T, W]. */
  check(x: tf.Tensor3D): void {
    const [B, T] = x.shape;
    for (const [name, t] of [['tokenMask', this.tokens.tokenMask], ['tokenPadding', this.tokens.tokenPadding]] as const) {
      if (t && (t.shape[0] !== B || t.shape[1] !== T)) {
        throw new Error(`${this.tokens.module}: ${name} has shape [${t.shape}] but the tokens are [${x.shape}]`);
      }
    }
  }

  /** The AttentionInfo hooks receive for layer `layer` (0-based). */
  info(layer: number): AttentionInfo {
    return {
      module: this.tokens.module,
      layer,
      numLayers: this.numLayers,
      numHeads: this.numHeads,
      tokenMask: this.tokens.tokenMask,
      tokenPadding: this.tokens.tokenPadding,
    };
  }
}
