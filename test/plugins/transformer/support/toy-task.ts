import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import {
  Initializer,
  Rng,
  toMaskBatch,
  type DataBatch,
  type DataInfo,
  type MaskBatch,
  type ModalityAdapter,
  type NamedVariable,
  type PreparedBatch,
  type Stem,
  type TokenLayout,
} from '@mtojs/core';

/** A rows x cols grid of continuous tokens (or [1, N] for a sequence). */
export function gridLayout(rows: number, cols: number, tokenDim = 3, targetDim = 5): TokenLayout {
  return { numTokens: rows * cols, tokenDim, targetDim, grid: [rows, cols], discrete: false };
}

/**
 * A test-only adapter: embed = tokens [B, N, tokenDim] @ W_e + b_e, head = features @ W_h + b_h,
 * all from the Initializer. It keeps the last stem it made so tests can reproduce its embedding.
 */
export class ToyAdapter implements ModalityAdapter {
  static readonly className = 'toy';
  static readonly optionsSchema = z.strictObject({});
  lastStem: ToyStem | null = null;

  constructor(readonly layout: TokenLayout) {}

  getConfig(): Record<string, unknown> {
    return {};
  }

  setup(_info: DataInfo): TokenLayout {
    return this.layout;
  }

  prepare(_batch: DataBatch): PreparedBatch {
    throw new Error('ToyAdapter.prepare is not used by these tests');
  }

  createStem(dims: { inputWidth: number; outputWidth: number }, init: Initializer): Stem {
    this.lastStem = new ToyStem(init, this.layout, dims.inputWidth, dims.outputWidth);
    return this.lastStem;
  }

  loss(pred: tf.Tensor3D, batch: PreparedBatch, mask: MaskBatch): tf.Scalar {
    const perToken = tf.mean(tf.square(tf.sub(pred, batch.targets)), -1);
    return tf.div(tf.sum(tf.mul(perToken, mask.mask)), tf.maximum(tf.sum(mask.mask), 1)) as tf.Scalar;
  }
}

export class ToyStem implements Stem {
  readonly embedKernel: tf.Variable;
  readonly embedBias: tf.Variable;
  readonly headKernel: tf.Variable;
  readonly headBias: tf.Variable;

  constructor(
    init: Initializer,
    readonly layout: TokenLayout,
    readonly inputWidth: number,
    readonly outputWidth: number,
  ) {
    this.embedKernel = init.glorotUniform([layout.tokenDim, inputWidth]);
    this.embedBias = init.normal([inputWidth], 0.1);
    this.headKernel = init.glorotUniform([outputWidth, layout.targetDim]);
    this.headBias = init.zeros([layout.targetDim]);
  }

  embed(tokens: tf.Tensor): tf.Tensor3D {
    const [B, N] = tokens.shape;
    const flat = tf.reshape(tokens, [B * N, this.layout.tokenDim]) as tf.Tensor2D;
    return tf.reshape(tf.add(tf.matMul(flat, this.embedKernel as tf.Tensor2D), this.embedBias), [B, N, this.inputWidth]) as tf.Tensor3D;
  }

  head(features: tf.Tensor3D): tf.Tensor3D {
    const [B, T] = features.shape;
    const flat = tf.reshape(features, [B * T, this.outputWidth]) as tf.Tensor2D;
    return tf.reshape(tf.add(tf.matMul(flat, this.headKernel as tf.Tensor2D), this.headBias), [B, T, this.layout.targetDim]) as tf.Tensor3D;
  }

  variables(): NamedVariable[] {
    return [
      { name: 'embed/kernel', variable: this.embedKernel },
      { name: 'embed/bias', variable: this.embedBias },
      { name: 'head/kernel', variable: this.headKernel },
      { name: 'head/bias', variable: this.headBias },
    ];
  }
}

/** A seeded Initializer, as the trainer makes one. */
export function initializer(seed = 0): Initializer {
  return new Initializer(new Rng(seed).stream('init'));
}

/** Random continuous tokens and targets; `padding` rows are [B][N] 0/1 flags. Dispose with disposeBatch. */
export function randomBatch(layout: TokenLayout, batchSize: number, seed = 1, padding?: number[][]): PreparedBatch {
  const rng = new Rng(seed, 'batch');
  const draw = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
  const N = layout.numTokens;
  return {
    batchSize,
    tokens: tf.tensor3d(draw(batchSize * N * layout.tokenDim), [batchSize, N, layout.tokenDim]),
    targets: tf.tensor3d(draw(batchSize * N * layout.targetDim), [batchSize, N, layout.targetDim]),
    padding: padding ? tf.tensor2d(padding.flat(), [batchSize, N]) : undefined,
  };
}

export function disposeBatch(batch: PreparedBatch): void {
  batch.tokens.dispose();
  batch.targets.dispose();
  batch.padding?.dispose();
}

/** A MaskBatch from explicit rows of 0/1 flags (1 = masked). */
export function maskFromRows(rows: number[][]): MaskBatch {
  const numTokens = rows[0].length;
  return toMaskBatch({
    batchSize: rows.length,
    numTokens,
    mask: Uint8Array.from(rows.flat()),
    maskedPerRow: Int32Array.from(rows.map((r) => r.reduce((a, b) => a + b, 0))),
  });
}

/** A MaskBatch masking `count` tokens per row at seeded random positions (never those in `protectedRows`). */
export function randomMask(batchSize: number, numTokens: number, count: number, seed = 2, protectedRows?: number[][]): MaskBatch {
  const rng = new Rng(seed, 'mask');
  const rows = Array.from({ length: batchSize }, (_, b) => {
    const candidates = Array.from({ length: numTokens }, (_, i) => i).filter((i) => !protectedRows?.[b][i]);
    rng.shuffle(candidates);
    const row = new Array<number>(numTokens).fill(0);
    for (const i of candidates.slice(0, count)) row[i] = 1;
    return row;
  });
  return maskFromRows(rows);
}
