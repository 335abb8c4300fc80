import type * as tf from '@tensorflow/tfjs-core';
import type { ForwardContext, Initializer, NamedVariable } from '@mtojs/core';
import { TransformerBlock } from './block.js';
import { LayerNorm } from './layer-norm.js';
import { AttentionScope, type ModuleTokens } from './attention-scope.js';
import { scoped, type Layer } from './layer.js';

export interface StackOptions {
  width: number;
  depth: number;
  heads: number;
  mlpRatio: number;
}

/** `depth` pre-norm blocks and a final LayerNorm: one module (encoder or decoder) of a model. */
export class TransformerStack implements Layer {
  readonly blocks: TransformerBlock[];
  readonly norm: LayerNorm;

  constructor(
    init: Initializer,
    readonly options: StackOptions,
  ) {
    this.blocks = Array.from({ length: options.depth }, () => new TransformerBlock(init, options.width, options.heads, options.mlpRatio));
    this.norm = new LayerNorm(init, options.width);
  }

  get numLayers(): number {
    return this.blocks.length;
  }

  /**
   * [B, T, W] -> [B, T, W]. `tokens` describes the T tokens (mask-token and padding flags) for
   * the hooks; the padding bias is built once here and shared by every layer.
   */
  apply(x: tf.Tensor3D, tokens: ModuleTokens, ctx: ForwardContext): tf.Tensor3D {
    const scope = new AttentionScope(tokens, this.numLayers, this.options.heads);
    scope.check(x);
    let h = x;
    this.blocks.forEach((block, layer) => {
      h = block.apply(h, scope.info(layer), scope.paddingBias, ctx);
    });
    return this.norm.apply(h);
  }

  variables(): NamedVariable[] {
    return [...this.blocks.flatMap((b, i) => scoped(`block${i}`, b.variables())), ...scoped('norm', this.norm.variables())];
  }
}
