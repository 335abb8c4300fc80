import type { TokenLayout } from '@mtojs/core';

/**
 * Analytic FLOP counts of a training step, counting matrix products only (2 FLOPs per
 * multiply-add), the usual convention for transformer throughput: the backward pass costs twice
 * the forward (one product for the input gradient, one for the weight gradient), so a step is 3x
 * the forward. Elementwise work (norms, GELU, softmax, the optimiser) is not counted, nor the
 * products an implementation adds for its own convenience (e.g. one-hot gathers).
 */

/** The model dimensions FLOP counting needs. */
export interface EncoderDims {
  width: number;
  depth: number;
  mlpRatio: number;
  cls: boolean;
}

export type ModelDims = ({ kind: 'mae'; decoderWidth: number; decoderDepth: number } | { kind: 'simmim' }) & EncoderDims;

export interface StepFlopsInput {
  model: ModelDims;
  layout: TokenLayout;
  batchSize: number;
  /** Tokens the MAE encoder sees per example (N minus the masked count); ignored for SimMIM. */
  visibleTokens: number;
}

export interface StepFlops {
  forward: number;
  /** forward + backward = 3 x forward. */
  step: number;
}

/** y = x W for `rows` rows of x [rows, inDim] and W [inDim, outDim]. */
export function linearFlops(rows: number, inDim: number, outDim: number): number {
  return 2 * rows * inDim * outDim;
}

/**
 * One pre-norm transformer block on `batch` sequences of `tokens` tokens of width `width`:
 * qkv (3W), output projection (W), MLP (2 x hidden), and the two attention products Q K^T and
 * P V (each 2 T^2 W per sequence, summed over heads).
 */
export function blockFlops(batch: number, tokens: number, width: number, mlpRatio: number): number {
  const rows = batch * tokens;
  const hidden = Math.round(width * mlpRatio);
  const projections = linearFlops(rows, width, 3 * width) + linearFlops(rows, width, width);
  const mlp = linearFlops(rows, width, hidden) + linearFlops(rows, hidden, width);
  const attention = 2 * (2 * batch * tokens * tokens * width);
  return projections + mlp + attention;
}

/** Forward and step FLOPs of an MAE or SimMIM model with a linear patch stem and head. */
export function stepFlops(input: StepFlopsInput): StepFlops {
  const { model, layout, batchSize: B } = input;
  const N = layout.numTokens;
  const cls = model.cls ? 1 : 0;
  // The stem embeds every token (MAE gathers the visible ones after embedding).
  let forward = linearFlops(B * N, layout.tokenDim, model.width);
  if (model.kind === 'mae') {
    const K = input.visibleTokens + cls;
    forward += model.depth * blockFlops(B, K, model.width, model.mlpRatio);
    forward += linearFlops(B * K, model.width, model.decoderWidth);
    forward += model.decoderDepth * blockFlops(B, N + cls, model.decoderWidth, model.mlpRatio);
    forward += linearFlops(B * N, model.decoderWidth, layout.targetDim);
  } else {
    forward += model.depth * blockFlops(B, N + cls, model.width, model.mlpRatio);
    forward += linearFlops(B * N, model.width, layout.targetDim);
  }
  return { forward, step: 3 * forward };
}
