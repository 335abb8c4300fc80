import * as tf from '@tensorflow/tfjs-core';
import type { AttentionInfo, ForwardContext, Initializer, NamedVariable } from '@mtojs/core';
import { Linear } from './linear.js';
import { scoped, type Layer } from './layer.js';

/**
 * Multi-head self-attention whose logits and probabilities pass through the trainer's hooks.
 * In each call, in this order: logits = Q K^T / sqrt(dh) [B, H, T, T]; + padding bias;
 * `attentionLogits` (its result is what the softmax sees); softmax; `attentionProbs`; the
 * weighted sum of values; the output projection.
 */
export class MultiHeadSelfAttention implements Layer {
  readonly qkv: Linear;
  readonly proj: Linear;
  readonly headDim: number;

  constructor(
    init: Initializer,
    readonly width: number,
    readonly numHeads: number,
  ) {
    if (width % numHeads !== 0) throw new Error(`attention width ${width} is not divisible by ${numHeads} heads`);
    this.headDim = width / numHeads;
    this.qkv = new Linear(init, width, 3 * width);
    this.proj = new Linear(init, width, width);
  }

  /**
   * @param x [B, T, W]
   * @param paddingBias [B, 1, 1, T] added to the logits, or null
   */
  apply(x: tf.Tensor3D, info: AttentionInfo, paddingBias: tf.Tensor4D | null, ctx: ForwardContext): tf.Tensor3D {
    const [B, T, W] = x.shape;
    const H = this.numHeads;
    const dh = this.headDim;
    // [B, T, 3W] -> q, k, v [B*H, T, dh], heads folded into the batch for batched matMul. Split
    // first, then three 4-D transposes: wasm runs one 5-D transpose many times slower.
    const [q, k, v] = tf.split(this.qkv.apply(x), 3, 2).map((t) => tf.reshape(tf.transpose(tf.reshape(t, [B, T, H, dh]), [0, 2, 1, 3]), [B * H, T, dh]) as tf.Tensor3D);
    // Scaling q (T*dh values) instead of the logits (T*T) is the same product, cheaper.
    let logits = tf.reshape(tf.matMul(tf.mul(q, 1 / Math.sqrt(dh)), k, false, true), [B, H, T, T]) as tf.Tensor4D;
    if (paddingBias) logits = tf.add(logits, paddingBias);
    logits = ctx.hooks.attentionLogits.call(logits, info, ctx.step);
    if (!sameShape(logits.shape, [B, H, T, T])) {
      throw new Error(`${info.module} layer ${info.layer}: an attentionLogits tap returned shape [${logits.shape}], expected [${[B, H, T, T]}]`);
    }
    const probs = tf.softmax(logits) as tf.Tensor4D;
    ctx.hooks.attentionProbs.call({ probs }, info, ctx.step);
    const mixed = tf.matMul(tf.reshape(probs, [B * H, T, T]) as tf.Tensor3D, v); // [B*H, T, dh]
    const merged = tf.reshape(tf.transpose(tf.reshape(mixed, [B, H, T, dh]), [0, 2, 1, 3]), [B, T, W]) as tf.Tensor3D;
    return this.proj.apply(merged);
  }

  variables(): NamedVariable[] {
    return [...scoped('qkv', this.qkv.variables()), ...scoped('proj', this.proj.variables())];
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
