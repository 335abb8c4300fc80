import * as tf from '@tensorflow/tfjs-core';
import { meanWeights, type TokenRoles } from './roles.js';

/**
 * Added inside the log so that 0 * log(0) is 0 * log(EPS) = 0 and its gradient log(EPS) is
 * finite: no NaN ever reaches the gradients, even for exactly-zero probabilities (hard
 * recalibration produces them).
 */
export const LOG_EPS = 1e-12;

/** Shannon entropy in nats along the last axis: -sum p log(p + eps). */
export function entropy(p: tf.Tensor): tf.Tensor {
  return tf.neg(tf.sum(tf.mul(p, tf.log(tf.add(p, LOG_EPS))), -1));
}

/** Mean row entropy (nats) of masked and of visible queries, per sample and head. */
export interface RoleEntropies {
  /** [B, H] mean entropy of masked query rows; 0 for a sample without masked tokens. */
  masked: tf.Tensor2D;
  /** [B, H] mean entropy of visible query rows; 0 for a sample without visible tokens. */
  visible: tf.Tensor2D;
}

/** Row entropies of attention probabilities [B, H, T, T], averaged over masked and over visible queries (roles from `tokenRoles`). */
export function roleEntropies(probs: tf.Tensor4D, roles: TokenRoles): RoleEntropies {
  return roleRowMeans(entropy(probs) as tf.Tensor3D, roles);
}

/** A per-query-row quantity [B, H, T] averaged over masked and over visible queries, [B, H] each (0 where a sample has none). */
export function roleRowMeans(rows: tf.Tensor3D, roles: TokenRoles): RoleEntropies {
  const [B, , T] = rows.shape;
  const byRole = (indicator: tf.Tensor2D) => tf.sum(tf.mul(rows, tf.reshape(meanWeights(indicator), [B, 1, T])), -1) as tf.Tensor2D;
  return { masked: byRole(roles.masked), visible: byRole(roles.visible) };
}
