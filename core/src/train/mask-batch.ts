import * as tf from '@tensorflow/tfjs-core';
import type { MaskSample } from '../parts/masking.js';

/**
 * A mask as tensors, built from a strategy's MaskSample. Token order within the visible and
 * the masked groups is ascending, so `keepIdx` and `restoreIdx` are deterministic.
 */
export interface MaskBatch {
  sample: MaskSample;
  /** [B, N] float32, 1 = masked (fed the shared mask token). */
  mask: tf.Tensor2D;
  /**
   * [B, N] float32, 1 = predicted by the loss (MaskSample.target). The same tensor as `mask`
   * when the sample has no separate target, which is every strategy except BERT-style ones.
   */
  target: tf.Tensor2D;
  /** [B, N - M] int32 indices of the visible tokens, when every row masks the same count M; else null. */
  keepIdx: tf.Tensor2D | null;
  /**
   * [B, N] int32: position of original token i in the sequence [visible..., masked...], so
   * `gather(concat(visible, maskTokens), restoreIdx, 1, 1)` restores the order (MAE's ids_restore).
   * Null when the counts differ between rows.
   */
  restoreIdx: tf.Tensor2D | null;
  /** Tokens masked in each row (same for all rows when keepIdx is set). */
  maskedPerRow: Int32Array;
}

export function toMaskBatch(sample: MaskSample): MaskBatch {
  const { batchSize: B, numTokens: N, mask } = sample;
  const counts = sample.maskedPerRow;
  const uniform = counts.every((c) => c === counts[0]);
  const maskF = new Float32Array(B * N);
  for (let i = 0; i < B * N; i++) maskF[i] = mask[i];
  const maskT = tf.tensor2d(maskF, [B, N]);
  const targetT = sample.target ? toFloatMask(sample.target, B, N) : maskT;
  if (!uniform || B === 0) return { sample, mask: maskT, target: targetT, keepIdx: null, restoreIdx: null, maskedPerRow: counts };
  const M = counts[0];
  const K = N - M;
  const keep = new Int32Array(B * K);
  const restore = new Int32Array(B * N);
  for (let b = 0; b < B; b++) {
    let kv = 0;
    let km = 0;
    for (let i = 0; i < N; i++) {
      if (mask[b * N + i] === 0) {
        keep[b * K + kv] = i;
        restore[b * N + i] = kv++;
      } else {
        restore[b * N + i] = K + km++;
      }
    }
  }
  return {
    sample,
    mask: maskT,
    target: targetT,
    keepIdx: tf.tensor2d(keep, [B, K], 'int32'),
    restoreIdx: tf.tensor2d(restore, [B, N], 'int32'),
    maskedPerRow: counts,
  };
}

function toFloatMask(flags: Uint8Array, B: number, N: number): tf.Tensor2D {
  if (flags.length !== B * N) throw new RangeError(`mask sample: target has ${flags.length} flags, expected batchSize * numTokens = ${B * N}`);
  return tf.tensor2d(Float32Array.from(flags), [B, N]);
}

export function disposeMaskBatch(m: MaskBatch): void {
  if (m.target !== m.mask) m.target.dispose();
  m.mask.dispose();
  m.keepIdx?.dispose();
  m.restoreIdx?.dispose();
}
