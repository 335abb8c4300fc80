import * as tf from '@tensorflow/tfjs-core';
import { meanWeights, tokenRoles, type TokenRoles } from './roles.js';

/** One attention layer's probabilities with the token roles they refer to. */
export interface MaskedAttention {
  /** [B, H, T, T] softmax probabilities (rows = queries, columns = keys). */
  probs: tf.Tensor4D;
  /** [B, T], 1 = mask token. */
  tokenMask: tf.Tensor2D;
  /** [B, T], 1 = padding; padding is neither visible nor masked. */
  padding?: tf.Tensor2D | null;
}

/**
 * Attention mass that visible queries put on masked keys, per sample and averaged over heads:
 * (sum_{i in V} sum_{j in M} A_ij) / |V|, [B]. 0 for a sample without visible or masked tokens.
 */
export function visibleToMaskedMass(probs: tf.Tensor4D, tokenMask: tf.Tensor2D, padding?: tf.Tensor2D | null, given?: TokenRoles): tf.Tensor1D {
  const [B, , T] = probs.shape;
  const roles = given ?? tokenRoles(tokenMask, padding);
  const toMasked = tf.sum(tf.mul(probs, tf.reshape(roles.masked, [B, 1, 1, T])), -1); // [B, H, T] per query
  const perHead = tf.sum(tf.mul(toMasked, tf.reshape(meanWeights(roles.visible), [B, 1, T])), -1); // [B, H]
  return tf.mean(perHead, 1) as tf.Tensor1D;
}

/**
 * [ours] L_spa = mean over layers, heads and batch of (sum_{i in V} sum_{j in M} A_ij) / |V|.
 * `totalLayers` (default: the layers given) is the denominator of the layer mean, so layers left
 * out because they are exactly 0 (hard recalibration) still count in it.
 */
export function spaLoss(layers: readonly MaskedAttention[], totalLayers: number = layers.length): tf.Scalar {
  if (totalLayers < 1) throw new RangeError('spaLoss needs at least one layer');
  if (layers.length === 0) return tf.scalar(0);
  const perLayer = layers.map((l) => tf.mean(visibleToMaskedMass(l.probs, l.tokenMask, l.padding)));
  return tf.div(tf.addN(perLayer), totalLayers) as tf.Scalar;
}
