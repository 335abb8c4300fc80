import type * as tf from '@tensorflow/tfjs-core';
import type { TrainerHooks } from '@mtojs/core';

/** What one attention layer of the mixing module showed the hooks during an analysis pass. */
export interface MixingLayer {
  /** [B, H, T, T] attention probabilities. */
  probs: tf.Tensor4D | null;
  /** [B, T, W] block output. */
  features: tf.Tensor3D | null;
  /** [B, T], 1 = mask token (CLS counts as visible). */
  tokenMask: tf.Tensor2D;
  padding: tf.Tensor2D | null;
}

/** Name of the analysis taps (they only observe). */
export const ANALYSIS_TAP = 'mto-analyze';

/**
 * Taps `attentionProbs` and `blockOutput` to keep, by layer, what every layer of `module` that
 * has mask tokens computes. The tensors belong to the caller's scope (run the forward pass and
 * read them inside one tf.tidy); `untap()` removes the taps.
 */
export function tapMixingLayers(hooks: TrainerHooks, module: string) {
  const layers = new Map<number, MixingLayer>();
  let numLayers = 0;
  const entry = (layer: number, tokenMask: tf.Tensor2D, padding: tf.Tensor2D | null, total: number): MixingLayer => {
    numLayers = total;
    let e = layers.get(layer);
    if (!e) layers.set(layer, (e = { probs: null, features: null, tokenMask, padding }));
    return e;
  };
  // Last, so the probabilities are the ones the layer used after every plugin's bias.
  const untapProbs = hooks.attentionProbs.tap({ name: ANALYSIS_TAP, stage: 100 }, ({ probs }, info) => {
    if (info.module === module && info.tokenMask) entry(info.layer, info.tokenMask, info.tokenPadding, info.numLayers).probs = probs;
  });
  const untapFeatures = hooks.blockOutput.tap({ name: ANALYSIS_TAP, stage: 100 }, ({ features }, info) => {
    if (info.module === module && info.tokenMask) entry(info.layer, info.tokenMask, info.tokenPadding, info.numLayers).features = features;
  });
  return {
    layers,
    /** Layers of the module, as the hooks reported it (0 before the pass). */
    get numLayers() {
      return numLayers;
    },
    untap() {
      untapProbs();
      untapFeatures();
    },
  };
}
