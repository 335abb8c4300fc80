import * as tf from '@tensorflow/tfjs-core';
import type { PreparedBatch } from '../parts/adapter.js';
import type { MaskSample } from '../parts/masking.js';

/** One rank's part of a batch in data-parallel training: rows [start, end). */
export interface Shard {
  /** 0 is the main thread; 1..ranks-1 the worker threads. */
  rank: number;
  ranks: number;
}

/** The rows of a batch of `batchSize` that rank `rank` of `ranks` computes: contiguous, sizes differing by at most one. */
export function shardRows(batchSize: number, shard: Shard): { start: number; end: number } {
  return { start: Math.floor((shard.rank * batchSize) / shard.ranks), end: Math.floor(((shard.rank + 1) * batchSize) / shard.ranks) };
}

/**
 * How much of the batch's losses a shard carries, so that the shards' weighted sum equals the
 * whole batch's loss: the task loss is a mean over the predicted tokens of the batch (every
 * adapter's `loss` is), so a shard weighs by its share of them; plugin terms and diagnostics
 * by its share of the examples (exact for means over examples).
 */
export interface ShardShares {
  task: number;
  examples: number;
}

export function shardShares(sample: MaskSample, rows: { start: number; end: number }): ShardShares {
  const N = sample.numTokens;
  const predicted = sample.target ?? sample.mask;
  let all = 0;
  let mine = 0;
  for (let i = 0; i < predicted.length; i++) {
    if (!predicted[i]) continue;
    all++;
    if (i >= rows.start * N && i < rows.end * N) mine++;
  }
  const examples = sample.batchSize > 0 ? (rows.end - rows.start) / sample.batchSize : 0;
  // Nothing predicted anywhere: every shard's task loss is 0 (the adapters' max(count, 1)); weigh by examples.
  return { task: all > 0 ? mine / all : examples, examples };
}

/** Rows [start, end) of a mask sample (the sample's arrays are row-major [B * N]). */
export function sliceMaskSample(sample: MaskSample, rows: { start: number; end: number }): MaskSample {
  const N = sample.numTokens;
  const cut = <T extends Uint8Array | Int32Array>(a: T): T => a.subarray(rows.start * N, rows.end * N) as T;
  const out: MaskSample = { batchSize: rows.end - rows.start, numTokens: N, mask: cut(sample.mask), maskedPerRow: sample.maskedPerRow.subarray(rows.start, rows.end) };
  if (sample.target) out.target = cut(sample.target);
  if (sample.replaceIds) out.replaceIds = cut(sample.replaceIds);
  return out;
}

type TypedArray = Uint8Array | Int32Array | Float32Array;

function isTypedArray(v: unknown): v is TypedArray {
  return v instanceof Uint8Array || v instanceof Int32Array || v instanceof Float32Array;
}

/**
 * Rows [start, end) of a prepared batch: every tensor whose first dimension is the batch
 * (tokens, targets, padding) and every per-token ([B * N]) or per-example ([B]) array. The
 * caller disposes the returned tensors (never the input's). A tensor of another layout cannot
 * be split by rows: that is an error naming the field.
 */
export function slicePreparedBatch(p: PreparedBatch, rows: { start: number; end: number }, numTokens: number): PreparedBatch {
  const B = p.batchSize;
  const n = rows.end - rows.start;
  const out: Record<string, unknown> = { batchSize: n };
  for (const [key, value] of Object.entries(p)) {
    if (key === 'batchSize' || value === undefined) continue;
    if (value instanceof tf.Tensor) {
      if (value.shape[0] !== B) throw new Error(`trainer.workers: PreparedBatch.${key} has shape [${value.shape}], whose first dimension is not the batch (${B}); it cannot be split between workers`);
      out[key] = tf.slice(value, [rows.start, ...value.shape.slice(1).map(() => 0)], [n, ...value.shape.slice(1)]);
    } else if (isTypedArray(value) && value.length === B * numTokens) {
      out[key] = value.subarray(rows.start * numTokens, rows.end * numTokens);
    } else if (isTypedArray(value) && value.length === B) {
      out[key] = value.subarray(rows.start, rows.end);
    } else {
      out[key] = value;
    }
  }
  return out as unknown as PreparedBatch;
}

/** Disposes every tensor of a batch `slicePreparedBatch` returned (all of them are its own). */
export function disposeSlicedBatch(p: PreparedBatch): void {
  for (const value of Object.values(p)) if (value instanceof tf.Tensor && !value.isDisposed) value.dispose();
}

/** What one rank computed for its shard of a step (see `Trainer.shardGradients`). */
export interface ShardGradients {
  /** 'total', 'task', the plugins' terms, then the reported diagnostics (empty for a shard without rows). */
  names: string[];
  /** Weighted by the shard's shares, so the ranks' values sum to the batch's. */
  values: Float64Array;
  /** How many of `names` after 'total' are loss terms ('task' included); the rest are diagnostics. */
  termCount: number;
  /** One per parameter (the trainer's `parameters` order), null where no gradient reached it. */
  grads: (tf.Tensor | null)[];
}
