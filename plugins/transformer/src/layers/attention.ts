import * as tf from '@tensorflow/tfjs-core';
import type { AttentionInfo, ForwardContext, Initializer, NamedVariable } from '@mtojs/core';
import { Linear } from './linear.js';
import { headLogits, headsFirst, mixValues, queriesFirst, usesChannelProducts } from './head-products.js';
import { scoped, type Layer } from './layer.js';

/**
 * Multi-head self-attention whose logits and probabilities pass through the trainer's hooks.
 * In each call, in this order: logits = Q K^T / sqrt(dh) [B, H, T, T]; + padding bias;
 * `attentionLogits` (its result is what the softmax sees); softmax; `attentionProbs`; the
 * weighted sum of values; the output projection. On wasm the products run in another layout
 * (head-products.ts); the hooks always see [B, H, T, T].
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
    const qkv = this.qkv.apply(x); // [B, T, 3W]: q, k, v side by side, heads within each
    const mixed = usesChannelProducts() ? this.mixByChannels(qkv, info, paddingBias, ctx) : this.mixByBatchedMatMul(qkv, info, paddingBias, ctx);
    return this.proj.apply(mixed);
  }

  /**
   * Heads folded into the batch of tfjs's batched matMul, [B*H, T, dh]. One 5-D transpose puts
   * q, k and v each in one contiguous block, so unstacking copies nothing strided: the cpu
   * backend's SplitV and strided Slice copy value by value through index arithmetic (~1 us per
   * value), its transposes are an order of magnitude faster.
   */
  private mixByBatchedMatMul(qkv: tf.Tensor3D, info: AttentionInfo, paddingBias: tf.Tensor4D | null, ctx: ForwardContext): tf.Tensor3D {
    const [B, T] = qkv.shape;
    const H = this.numHeads;
    const dh = this.headDim;
    const [q, k, v] = tf.unstack(tf.reshape(tf.transpose(tf.reshape(qkv, [B, T, 3, H, dh]), [2, 0, 3, 1, 4]), [3, B * H, T, dh])) as tf.Tensor3D[];
    // Scaling q (T*dh values) instead of the logits (T*T) is the same product, cheaper.
    let logits = tf.reshape(tf.matMul(tf.mul(q, 1 / Math.sqrt(dh)), k, false, true), [B, H, T, T]) as tf.Tensor4D;
    if (paddingBias) logits = tf.add(logits, paddingBias);
    logits = this.callLogitsHook(logits, info, ctx);
    const probs = tf.softmax(logits) as tf.Tensor4D;
    if (ctx.hooks.attentionProbs.isUsed) ctx.hooks.attentionProbs.call({ probs }, info, ctx.step);
    const mixed = tf.matMul(tf.reshape(probs, [B * H, T, T]) as tf.Tensor3D, v); // [B*H, T, dh]
    return tf.reshape(tf.transpose(tf.reshape(mixed, [B, H, T, dh]), [0, 2, 1, 3]), [B, T, H * dh]) as tf.Tensor3D;
  }

  /**
   * The wasm path (see head-products.ts): logits and probabilities in the layout
   * [T (query), B*H, T (key)], shown to the hooks as [B, H, T, T] only when a tap listens.
   */
  private mixByChannels(qkv: tf.Tensor3D, info: AttentionInfo, paddingBias: tf.Tensor4D | null, ctx: ForwardContext): tf.Tensor3D {
    const [B, T] = qkv.shape;
    const H = this.numHeads;
    // wasm's SplitV is a fast copy; its 5-D transposes are slow.
    const [q, k, v] = tf.split(qkv, 3, 2).map((t) => tf.reshape(t, [B, T, H, this.headDim]) as tf.Tensor4D);
    let logits = headLogits(tf.mul(q, 1 / Math.sqrt(this.headDim)) as tf.Tensor4D, k);
    if (paddingBias) logits = tf.reshape(tf.add(tf.reshape(logits, [T, B, H, T]), tf.reshape(paddingBias, [1, B, 1, T])), [T, B * H, T]) as tf.Tensor3D;
    let probs: tf.Tensor3D;
    let headsFirstProbs: tf.Tensor4D | null = null;
    const shown = ctx.hooks.attentionLogits.isUsed ? headsFirst(logits, B, H) : null;
    const tapped = shown ? this.callLogitsHook(shown, info, ctx) : null;
    if (tapped && tapped !== shown) {
      // The taps changed the logits: softmax in their layout (the softmax axis is last in both),
      // so the probabilities hook needs no transpose and mixValues one.
      headsFirstProbs = tf.softmax(tapped) as tf.Tensor4D;
      probs = queriesFirst(headsFirstProbs);
    } else {
      probs = tf.softmax(logits) as tf.Tensor3D;
    }
    if (ctx.hooks.attentionProbs.isUsed) {
      // Built on first read: a tap that ignores this layer costs no transpose.
      let cached = headsFirstProbs;
      const observation = {
        get probs(): tf.Tensor4D {
          cached ??= headsFirst(probs, B, H);
          return cached;
        },
      };
      ctx.hooks.attentionProbs.call(observation, info, ctx.step);
    }
    return mixValues(probs, v);
  }

  /** Runs the attentionLogits taps on [B, H, T, T] logits and checks what they return. */
  private callLogitsHook(logits: tf.Tensor4D, info: AttentionInfo, ctx: ForwardContext): tf.Tensor4D {
    if (!ctx.hooks.attentionLogits.isUsed) return logits;
    const expected = logits.shape;
    const out = ctx.hooks.attentionLogits.call(logits, info, ctx.step);
    if (!sameShape(out.shape, expected)) {
      throw new Error(`${info.module} layer ${info.layer}: an attentionLogits tap returned shape [${out.shape}], expected [${expected}]`);
    }
    return out;
  }

  variables(): NamedVariable[] {
    return [...scoped('qkv', this.qkv.variables()), ...scoped('proj', this.proj.variables())];
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
