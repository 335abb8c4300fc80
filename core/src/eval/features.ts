import * as tf from '@tensorflow/tfjs-core';
import type { MaskedModel } from '../parts/model.js';
import type { ModalityAdapter } from '../parts/adapter.js';
import { disposeDataBatch, type DataSource, type Split } from '../parts/data.js';
import { noHooks, type ForwardContext } from '../hooks/trainer-hooks.js';

export interface FeatureSet {
  /** [N, D] float32 features. */
  features: tf.Tensor2D;
  labels: Int32Array;
}

/** The first `max` indices of a split (all when max is 0): evaluation subsets are fixed, not sampled. */
export function evalIndices(data: DataSource, split: Split, max: number): number[] {
  const n = data.size(split);
  const m = max > 0 ? Math.min(n, max) : n;
  return Array.from({ length: m }, (_, i) => i);
}

/**
 * Frozen, pooled encoder features of unmasked examples (or, with `raw`, the adapter's tokens
 * flattened: the raw-input baseline). Labels are required.
 */
export function extractFeatures(
  model: MaskedModel | null,
  adapter: ModalityAdapter,
  data: DataSource,
  split: Split,
  indices: number[],
  batchSize: number,
  ctx: ForwardContext = noHooks(),
): FeatureSet {
  const parts: tf.Tensor2D[] = [];
  const labels = new Int32Array(indices.length);
  for (let s = 0; s < indices.length; s += batchSize) {
    const idx = indices.slice(s, s + batchSize);
    const batch = data.batch(split, idx);
    if (!batch.labels) {
      batch.inputs.dispose();
      throw new Error(`split '${split}' has no labels; probes need labelled data`);
    }
    labels.set(batch.labels, s);
    const f = tf.tidy(() => {
      const prepared = adapter.prepare(batch);
      const out = model ? model.encode(prepared, ctx) : (tf.reshape(tf.cast(prepared.tokens, 'float32'), [idx.length, -1]) as tf.Tensor2D);
      return out;
    });
    disposeDataBatch(batch);
    parts.push(f);
  }
  const features = parts.length === 1 ? parts[0] : (tf.concat(parts, 0) as tf.Tensor2D);
  if (parts.length > 1) parts.forEach((p) => p.dispose());
  return { features, labels };
}
