import * as tf from '@tensorflow/tfjs-core';
import { attentionStatistics } from './diagnostics.js';
import { getHeterogeneityMeasure, type HeterogeneityMeasure } from './heterogeneity.js';
import { DEFAULT_MEASURE } from './options.js';

/** One layer's recorded tensors, as an analysis pass collects them from the hooks. */
export interface ProfileLayerInput {
  /** [B, H, T, T] attention probabilities (needed for the attention statistics and probs-based measures). */
  probs?: tf.Tensor4D | null;
  /** [B, T, W] block output features (needed for feature-based measures). */
  features?: tf.Tensor3D | null;
  /** [B, T], 1 = mask token. */
  tokenMask: tf.Tensor2D;
  /** [B, T], 1 = padding. */
  padding?: tf.Tensor2D | null;
}

/** One layer's heterogeneity profile as plain numbers; null where the input it needs was not given. */
export interface LayerProfile {
  layer: number;
  /** Batch-mean Het^l of the measure, in [0, 1] (the value L_e and L_r see). */
  het: number | null;
  /** Attention mass visible queries put on masked keys. */
  vis2mask: number | null;
  /** Mean row entropy of masked queries, nats. */
  entropyMasked: number | null;
  /** Mean row entropy of visible queries, nats. */
  entropyVisible: number | null;
}

/**
 * The heterogeneity profile of a module, layer by layer: Het^l, visible->masked attention mass and
 * row entropies, read back as numbers. For analysis outside the gradient tape (it calls
 * dataSync); the `mto analyze` command builds on it. Input tensors are not disposed.
 */
export function heterogeneityProfile(
  layers: readonly ProfileLayerInput[],
  options: { measure?: string | HeterogeneityMeasure } = {},
): LayerProfile[] {
  const measure = typeof options.measure === 'object' ? options.measure : getHeterogeneityMeasure(options.measure ?? DEFAULT_MEASURE);
  const read = (t: tf.Tensor) => t.dataSync()[0];
  return layers.map((input, layer) => {
    let profile: LayerProfile = { layer, het: null, vis2mask: null, entropyMasked: null, entropyVisible: null };
    // tidy() frees every intermediate; the numbers leave through the closure.
    tf.tidy(() => {
      const x = measure.requires === 'probs' ? input.probs : input.features;
      if (x) profile.het = read(tf.mean(measure.compute(x, input.tokenMask, input.padding)));
      if (input.probs) {
        const s = attentionStatistics(input.probs, input.tokenMask, input.padding);
        profile = { ...profile, vis2mask: read(s.vis2mask), entropyMasked: read(s.entropyMasked), entropyVisible: read(s.entropyVisible) };
      }
    });
    return profile;
  });
}
