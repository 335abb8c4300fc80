import * as tf from '@tensorflow/tfjs-core';
import { visibleToMaskedMass } from './attention-mass.js';
import { roleEntropies } from './entropy.js';
import { presentMean, tokenRoles, type TokenRoles } from './roles.js';

/** The names under which the plugin reports layer `layer` (0-based within the mixing module). */
export function diagnosticNames(layer: number) {
  return {
    het: `mto/het/L${layer}`,
    vis2mask: `mto/vis2mask/L${layer}`,
    entropyMasked: `mto/entropy_masked/L${layer}`,
    entropyVisible: `mto/entropy_visible/L${layer}`,
  };
}

/** Batch-level attention statistics of one layer, as scalars. */
export interface AttentionStatistics {
  /** Attention mass visible queries put on masked keys, averaged over heads and over samples that have both kinds of token. */
  vis2mask: tf.Scalar;
  /** Mean row entropy (nats) of masked queries, over heads and samples that have masked tokens. */
  entropyMasked: tf.Scalar;
  /** Mean row entropy (nats) of visible queries, over heads and samples that have visible tokens. */
  entropyVisible: tf.Scalar;
}

/**
 * Attention statistics of one layer for diagnostics and analysis. Samples without the tokens a
 * statistic is about are left out of its batch mean (rather than counted as 0).
 */
export function attentionStatistics(probs: tf.Tensor4D, tokenMask: tf.Tensor2D, padding?: tf.Tensor2D | null, given?: TokenRoles): AttentionStatistics {
  const roles = given ?? tokenRoles(tokenMask, padding);
  const entropies = roleEntropies(probs, roles);
  return {
    vis2mask: presentMean(visibleToMaskedMass(probs, tokenMask, padding, roles), roles.hasBoth),
    entropyMasked: presentMean(tf.mean(entropies.masked, 1) as tf.Tensor1D, tf.minimum(roles.maskedCount, 1) as tf.Tensor1D),
    entropyVisible: presentMean(tf.mean(entropies.visible, 1) as tf.Tensor1D, tf.minimum(roles.visibleCount, 1) as tf.Tensor1D),
  };
}
