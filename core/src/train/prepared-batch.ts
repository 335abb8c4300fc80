import * as tf from '@tensorflow/tfjs-core';
import type { PreparedBatch } from '../parts/adapter.js';

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

