import * as tf from '@tensorflow/tfjs-core';
import type { AttentionInfo, ForwardContext, Initializer, NamedVariable } from '@mtojs/core';
import { LayerNorm } from './layer-norm.js';
import { MultiHeadSelfAttention } from './attention.js';
import { Mlp } from './mlp.js';
import { scoped, type Layer } from './layer.js';

/** A pre-norm transformer block: x + attn(norm1(x)), then x + mlp(norm2(x)). */
export class TransformerBlock implements Layer {
  readonly norm1: LayerNorm;
  readonly attn: MultiHeadSelfAttention;
  readonly norm2: LayerNorm;
  readonly mlp: Mlp;

  constructor(init: Initializer, width: number, numHeads: number, mlpRatio: number) {
    this.norm1 = new LayerNorm(init, width);
    this.attn = new MultiHeadSelfAttention(init, width, numHeads);
    this.norm2 = new LayerNorm(init, width);
    this.mlp = new Mlp(init, width, Math.round(width * mlpRatio));
  }

  /** Runs the block, then shows its output to the `blockOutput` hook. */
  apply(x: tf.Tensor3D, info: AttentionInfo, paddingBias: tf.Tensor4D | null, ctx: ForwardContext): tf.Tensor3D {
    const attended = tf.add(x, this.attn.apply(this.norm1.apply(x), info, paddingBias, ctx)) as tf.Tensor3D;
    const features = tf.add(attended, this.mlp.apply(this.norm2.apply(attended))) as tf.Tensor3D;
    ctx.hooks.blockOutput.call({ features }, info, ctx.step);
    return features;
  }

  variables(): NamedVariable[] {
    return [
      ...scoped('norm1', this.norm1.variables()),
      ...scoped('attn', this.attn.variables()),
      ...scoped('norm2', this.norm2.variables()),
      ...scoped('mlp', this.mlp.variables()),
    ];
  }
}
