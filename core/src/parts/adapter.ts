import type * as tf from '@tensorflow/tfjs-core';
import type { Configurable, Trainable } from './part.js';
import type { DataBatch, DataInfo } from './data.js';
import type { MaskBatch } from '../train/mask-batch.js';
import type { Initializer } from '../train/initializer.js';
import type { EvalContext } from '../eval/eval-context.js';

/** How an example is cut into tokens. */
export interface TokenLayout {
  /** Tokens per example (no CLS). */
  numTokens: number;
  /** Values per token the model receives: the patch size for continuous tokens, the vocabulary size for discrete ones. */
  tokenDim: number;
  /** Values per token the head predicts (e.g. pixels per patch). */
  targetDim: number;
  /** The token grid (rows, columns) for spatial strategies; [1, N] for sequences. */
  grid: [number, number];
  /** True when tokens are ids (text). */
  discrete: boolean;
}

/** An adapter's batch after preparation: what the model and the loss consume. */
export interface PreparedBatch {
  batchSize: number;
  /** Model input: [B, N, tokenDim] float32, or [B, N] int32 ids when discrete. */
  tokens: tf.Tensor;
  /** Prediction targets, e.g. normalised pixels [B, N, targetDim]. */
  targets: tf.Tensor;
  /** [B, N] float32, 1 = padding (never masked, attended or predicted). Absent when none. */
  padding?: tf.Tensor2D;
  /** [B * N] 1 = never mask (padding, special tokens). */
  protected?: Uint8Array;
  /**
   * [B * N] the input ids as plain numbers, for discrete layouts: masking strategies read them
   * (random replacement, words), and the trainer rebuilds `tokens` from them when a strategy
   * replaces ids (MaskSample.replaceIds).
   */
  tokenIds?: Int32Array;
  /** [B * N] 1 where a token starts a word (for whole-word masking). */
  wordStarts?: Uint8Array;
  labels?: Int32Array;
}

/**
 * The modality's own trainable ends: how tokens enter the model (embedding) and how the model's
 * features become predictions (head).
 */
export interface Stem extends Trainable {
  /** [B, N(, tokenDim)] -> [B, N, inputWidth]. */
  embed(tokens: tf.Tensor): tf.Tensor3D;
  /** [B, T, outputWidth] -> [B, T, targetDim]. */
  head(features: tf.Tensor3D): tf.Tensor3D;
  /**
   * Optional: the head at the predicted positions only (`mask.target`), [1, K, targetDim] with
   * the K positions in row-major order. Worth it when the head dominates the step (a
   * vocabulary head, where ~15% of positions are predicted); a model that finds it calls it
   * instead of `head`, and the adapter's `loss` must then accept that layout.
   */
  headAtTargets?(features: tf.Tensor3D, mask: MaskBatch): tf.Tensor3D;
}

/**
 * A modality adapter turns raw examples into tokens and targets, owns the embedding and head,
 * and defines the task loss. Write one to bring a new modality; see docs/writing-an-adapter.md.
 */
export interface ModalityAdapter extends Configurable {
  /** Checks the data's modality and shape and fixes the token layout. Called once, after data load. */
  setup(info: DataInfo): TokenLayout;
  /** The layout fixed by `setup`. */
  readonly layout: TokenLayout;
  /**
   * Raw batch -> tokens and targets. Runs outside the gradient tape; the caller disposes the
   * result. `training` is true for training steps only (augmentation applies there, never to
   * evaluation or feature extraction).
   */
  prepare(batch: DataBatch, opts?: { training?: boolean }): PreparedBatch;
  /** Builds the embedding (to `inputWidth`) and the head (from `outputWidth`). */
  createStem(dims: { inputWidth: number; outputWidth: number }, init: Initializer): Stem;
  /**
   * Task loss on the predictions, [B, N, targetDim] (or [1, K, targetDim] from `headAtTargets`);
   * counts predicted (`mask.target`), non-padding tokens only.
   */
  loss(pred: tf.Tensor3D, batch: PreparedBatch, mask: MaskBatch): tf.Scalar;
  /** Optional modality-specific evaluation (e.g. a reconstruction sheet). Returns metrics to log. */
  evaluate?(ctx: EvalContext): Promise<Record<string, number>>;
  /**
   * Optional: users' raw inputs (pixel arrays, strings, sample arrays: the modality decides)
   * as the batch `prepare()` reads, in the data source's format. Each input is validated; an
   * error names its index (counted from `firstIndex`, for callers that pass a long list in
   * chunks) and what was expected. Runs after `setup`; the caller disposes the batch's tensors.
   * Encoders (`Encoder.encode`) need it.
   */
  batchFromRaw?(inputs: readonly unknown[], opts?: { firstIndex?: number }): DataBatch;
  /**
   * Optional: the state an exported encoder needs to prepare inputs as the run did (e.g.
   * normalisation statistics), JSON-serialisable and without training-only state (augmentation
   * RNG positions). Restored with `setState` after `setup`. Absent: the adapter needs none.
   */
  encoderState?(): unknown;
}
