import * as tf from '@tensorflow/tfjs-core';
import type { MaskBatch, TokenLayout } from '@mtojs/core';
import { positionalEncoding } from '@mtojs/transformer';

/**
 * The reference the library's fast path is measured against: the same MAE and SimMIM functions
 * (image stem, pre-norm blocks, exact GELU, masked MSE), written the way a tfjs user would
 * write them: plain ops on [B, T, W] tensors, heads split with a 5-D transpose, batched matMuls
 * with transpose flags, one-hot gathers, tf.moments, and every gradient left to tfjs's own
 * gradient functions. It reads the library model's variables by name, so both compute the same
 * function of the same weights. No CLS token, no padding (the benchmark shapes have neither).
 */

/** What the naive model needs of a library model: its kind and options. */
export interface NaiveModelSpec {
  kind: 'mae' | 'simmim';
  width: number;
  depth: number;
  heads: number;
  mlpRatio: number;
  /** MAE only. */
  decoderWidth?: number;
  decoderDepth?: number;
  decoderHeads?: number;
}

/** Looks a weight up by its library name ('encoder/block0/attn/qkv/kernel', ...). */
export type WeightLookup = (name: string) => tf.Tensor;

/** The library's LayerNorm epsilon (timm's 1e-6). */
const LAYER_NORM_EPSILON = 1e-6;

/** Reads the spec from a library model's class name and getConfig(); throws on what the reference does not cover. */
export function naiveSpecOf(model: { constructor: unknown; getConfig(): Record<string, unknown> }): NaiveModelSpec {
  const kind = (model.constructor as { className?: string }).className;
  if (kind !== 'mae' && kind !== 'simmim') throw new Error(`naive reference: no reference for model '${kind}' (only mae and simmim)`);
  const o = model.getConfig() as Record<string, number | boolean | string>;
  if (o.cls) throw new Error('naive reference: models with a CLS token are not covered');
  const spec: NaiveModelSpec = { kind, width: o.width as number, depth: o.depth as number, heads: o.heads as number, mlpRatio: o.mlpRatio as number };
  if (kind === 'mae') {
    spec.decoderWidth = o.decoderWidth as number;
    spec.decoderDepth = o.decoderDepth as number;
    spec.decoderHeads = o.decoderHeads as number;
  }
  return spec;
}

export class NaiveMaskedModel {
  private readonly encoderPositions: tf.Tensor2D;
  private readonly decoderPositions: tf.Tensor2D | null;

  constructor(
    readonly spec: NaiveModelSpec,
    readonly layout: TokenLayout,
    private readonly weight: WeightLookup,
  ) {
    const N = layout.numTokens;
    this.encoderPositions = tf.tensor2d(positionalEncoding(layout, spec.width), [N, spec.width]);
    this.decoderPositions = spec.kind === 'mae' ? tf.tensor2d(positionalEncoding(layout, spec.decoderWidth!), [N, spec.decoderWidth!]) : null;
  }

  /** Patch tokens [B, N, tokenDim] -> predictions [B, N, targetDim]. */
  forward(tokens: tf.Tensor3D, mask: MaskBatch): tf.Tensor3D {
    return this.spec.kind === 'mae' ? this.forwardMae(tokens, mask) : this.forwardSimMim(tokens, mask);
  }

  /** The image adapter's loss: per-patch MSE averaged over masked patches. */
  loss(pred: tf.Tensor3D, targets: tf.Tensor, mask: MaskBatch): tf.Scalar {
    const perPatch = tf.mean(tf.square(tf.sub(pred, targets)), -1);
    return tf.div(tf.sum(tf.mul(perPatch, mask.mask)), tf.maximum(tf.sum(mask.mask), 1)) as tf.Scalar;
  }

  dispose(): void {
    this.encoderPositions.dispose();
    this.decoderPositions?.dispose();
  }

  private forwardMae(tokens: tf.Tensor3D, mask: MaskBatch): tf.Tensor3D {
    const { keepIdx, restoreIdx } = mask;
    if (!keepIdx || !restoreIdx) throw new Error('naive reference: MAE needs the same masked count in every row');
    const s = this.spec;
    const [B, N] = mask.mask.shape;
    const K = keepIdx.shape[1];
    const embedded = tf.add(this.linear(tokens, 'stem/embed'), this.encoderPositions) as tf.Tensor3D;
    const encoded = this.stack(oneHotGather(embedded, keepIdx), 'encoder', s.depth, s.heads);
    const projected = this.linear(encoded, 'decoder/embed');
    const maskTokens = tf.add(tf.zeros([B, N - K, s.decoderWidth!]), this.weight('decoder/mask_token'));
    const appended = N > K ? tf.concat([projected, maskTokens], 1) : projected;
    const restored = tf.add(oneHotGather(appended as tf.Tensor3D, restoreIdx), this.decoderPositions!) as tf.Tensor3D;
    return this.linear(this.stack(restored, 'decoder', s.decoderDepth!, s.decoderHeads!), 'stem/head');
  }

  private forwardSimMim(tokens: tf.Tensor3D, mask: MaskBatch): tf.Tensor3D {
    const m = tf.expandDims(mask.mask, -1);
    const embedded = this.linear(tokens, 'stem/embed');
    const mixed = tf.add(tf.mul(embedded, tf.sub(1, m)), tf.mul(this.weight('encoder/mask_token'), m));
    const encoded = this.stack(tf.add(mixed, this.encoderPositions) as tf.Tensor3D, 'encoder', this.spec.depth, this.spec.heads);
    return this.linear(encoded, 'stem/head');
  }

  private stack(x: tf.Tensor3D, prefix: string, depth: number, heads: number): tf.Tensor3D {
    let h = x;
    for (let i = 0; i < depth; i++) h = this.block(h, `${prefix}/block${i}`, heads);
    return this.layerNorm(h, `${prefix}/norm`);
  }

  private block(x: tf.Tensor3D, prefix: string, heads: number): tf.Tensor3D {
    const attended = tf.add(x, this.attention(this.layerNorm(x, `${prefix}/norm1`), `${prefix}/attn`, heads)) as tf.Tensor3D;
    const hidden = gelu(this.linear(this.layerNorm(attended, `${prefix}/norm2`), `${prefix}/mlp/fc1`));
    return tf.add(attended, this.linear(hidden, `${prefix}/mlp/fc2`)) as tf.Tensor3D;
  }

  private attention(x: tf.Tensor3D, prefix: string, heads: number): tf.Tensor3D {
    const [B, T, W] = x.shape;
    const dh = W / heads;
    const qkv = tf.transpose(tf.reshape(this.linear(x, `${prefix}/qkv`), [B, T, 3, heads, dh]), [2, 0, 3, 1, 4]);
    const [q, k, v] = tf.unstack(qkv); // [B, H, T, dh] each
    const probs = tf.softmax(tf.div(tf.matMul(q, k, false, true), Math.sqrt(dh)));
    const mixed = tf.reshape(tf.transpose(tf.matMul(probs, v), [0, 2, 1, 3]), [B, T, W]) as tf.Tensor3D;
    return this.linear(mixed, `${prefix}/proj`);
  }

  private linear(x: tf.Tensor3D, prefix: string): tf.Tensor3D {
    const kernel = this.weight(`${prefix}/kernel`) as tf.Tensor2D;
    const [B, T, D] = x.shape;
    const y = tf.add(tf.matMul(tf.reshape(x, [B * T, D]) as tf.Tensor2D, kernel), this.weight(`${prefix}/bias`));
    return tf.reshape(y, [B, T, kernel.shape[1]]) as tf.Tensor3D;
  }

  private layerNorm(x: tf.Tensor3D, prefix: string): tf.Tensor3D {
    const { mean, variance } = tf.moments(x, -1, true);
    const normalised = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, LAYER_NORM_EPSILON)));
    return tf.add(tf.mul(normalised, this.weight(`${prefix}/gamma`)), this.weight(`${prefix}/beta`)) as tf.Tensor3D;
  }
}

/** Exact GELU, x * Phi(x). */
function gelu(x: tf.Tensor3D): tf.Tensor3D {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))) as tf.Tensor3D;
}

/** out[b, k] = x[b, indices[b, k]] as onehot(indices) @ x (tf.gather has no gradient on wasm). */
function oneHotGather(x: tf.Tensor3D, indices: tf.Tensor2D): tf.Tensor3D {
  // int32 oneHot, then cast: the wasm backend's float32 oneHot is all zeros (tfjs 4.22).
  return tf.matMul(tf.cast(tf.oneHot(indices, x.shape[1]), 'float32') as tf.Tensor3D, x);
}
