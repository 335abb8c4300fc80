import * as tf from '@tensorflow/tfjs-core';
import type { ModalityAdapter, PreparedBatch, TokenLayout } from '../parts/adapter.js';
import type { DataBatch } from '../parts/data.js';
import type { MaskingStrategy, MaskSample } from '../parts/masking.js';
import type { Rng } from '../rng/rng.js';

/**
 * The adapter's prepared batch and the strategy's mask for it, drawn from `rng`, with the
 * strategy's replacement ids fed in (see applyReplacements): what a training step and the
 * held-out loss both start from. On an error the prepared tensors are freed; on success the
 * caller frees them (disposePrepared).
 */
export function prepareAndMask(
  parts: { adapter: ModalityAdapter; masking: MaskingStrategy; layout: TokenLayout },
  batch: DataBatch,
  rng: Rng,
  training: boolean,
): { prepared: PreparedBatch; sample: MaskSample } {
  const prepared = parts.adapter.prepare(batch, { training });
  try {
    const sample = parts.masking.sample(
      { batchSize: prepared.batchSize, layout: parts.layout, protected: prepared.protected, tokens: prepared.tokenIds, wordStarts: prepared.wordStarts },
      rng,
    );
    if (sample.replaceIds) applyReplacements(prepared, sample.replaceIds, sample.target ?? sample.mask, batch.inputs);
    return { prepared, sample };
  } catch (e) {
    disposePrepared(prepared, batch.inputs);
    throw e;
  }
}

/**
 * Feeds the model the strategy's replacement ids (BERT's random-token share): rebuilds the int32
 * input ids from `prepared.tokenIds` with `replaceIds[i]` at every predicted position that names
 * one (>= 0), and swaps it in for `prepared.tokens`. Runs outside the gradient tape.
 */
export function applyReplacements(prepared: PreparedBatch, replaceIds: Int32Array, target: Uint8Array, rawInputs: tf.Tensor): void {
  const ids = prepared.tokenIds;
  if (!ids) throw new Error('masking: the strategy replaces token ids, but the adapter gives no PreparedBatch.tokenIds (a discrete-token adapter is needed)');
  if (replaceIds.length !== ids.length) throw new RangeError(`masking: replaceIds has ${replaceIds.length} ids, expected ${ids.length}`);
  const fed = Int32Array.from(ids);
  for (let i = 0; i < fed.length; i++) if (target[i] && replaceIds[i] >= 0) fed[i] = replaceIds[i];
  const old = prepared.tokens;
  prepared.tokens = tf.tensor(fed, old.shape, 'int32');
  if (old !== rawInputs) old.dispose();
}

/** Frees the prepared batch's tensors (but not the raw inputs it may share). */
export function disposePrepared(p: PreparedBatch, rawInputs: tf.Tensor): void {
  for (const t of [p.tokens, p.targets, p.padding]) if (t && t !== rawInputs && !t.isDisposed) t.dispose();
}

