import type * as tf from '@tensorflow/tfjs-core';
import type { Configurable } from './part.js';

export type Split = 'train' | 'val' | 'test';

/** Describes the examples of a data source; adapters read it to lay out tokens. */
export interface DataInfo {
  /** The modality, e.g. 'image', 'text', 'audio'. Adapters check it. */
  modality: string;
  /** Shape of one example's input, e.g. [28, 28, 1] for MNIST. */
  exampleShape: number[];
  dtype: 'float32' | 'int32';
  /** Class names when the data is labelled (labels are used for evaluation only). */
  classNames?: string[];
  /** Modality-specific extras (e.g. a vocabulary for text). */
  [extra: string]: unknown;
}

/** A batch of raw examples, in the adapter's input format. */
export interface DataBatch {
  /** Inputs, batch first, e.g. images [B, H, W, C] float32 in [0, 1]. The caller disposes it. */
  inputs: tf.Tensor;
  /** Class labels when the data has them (evaluation only; pre-training never reads them). */
  labels?: Int32Array;
  /** Optional [B, ...] padding/validity information the adapter understands. */
  extra?: Record<string, tf.Tensor>;
}

/**
 * A source of examples: loads once, then serves batches by index so the trainer (and its RNG)
 * owns the order. Sources with splits give `val`/`test` for evaluation.
 */
export interface DataSource extends Configurable {
  /** Loads or builds the examples; errors name the file and what was expected. */
  load(): Promise<void>;
  /** Available after `load()`. */
  readonly info: DataInfo;
  /** Number of examples in a split (0 when the split does not exist). */
  size(split: Split): number;
  /** Gathers the examples at `indices` of `split` into a batch. */
  batch(split: Split, indices: ArrayLike<number>): DataBatch;
}

/** Frees a batch's tensors: its inputs and every `extra` tensor. */
export function disposeDataBatch(batch: DataBatch): void {
  batch.inputs.dispose();
  for (const t of Object.values(batch.extra ?? {})) t.dispose();
}
