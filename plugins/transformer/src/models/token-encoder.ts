import * as tf from '@tensorflow/tfjs-core';
import type { ForwardContext, Initializer, NamedVariable, TokenLayout } from '@mtojs/core';
import { TransformerStack } from '../layers/stack.js';
import type { Layer } from '../layers/layer.js';
import { fixedPositions } from '../positional/fixed-positions.js';
import { prependCls, prependZeroColumn, splitCls } from '../tokens/cls.js';
import { meanPool } from '../tokens/pooling.js';
import type { EncoderOptions } from './options.js';

/**
 * The encoder both models share: fixed positional encodings, an optional CLS token, the
 * transformer stack (module 'encoder'), and pooling. Token features come in already embedded.
 */
export class TokenEncoder implements Layer {
  static readonly module = 'encoder';
  readonly stack: TransformerStack;
  /** [W], truncated normal (std 0.02) as in MAE; null without CLS. */
  readonly clsToken: tf.Variable | null;
  /** [N, W] fixed sin-cos encodings (non-trainable; not in variables()). */
  readonly positions: tf.Variable;

  constructor(
    init: Initializer,
    layout: TokenLayout,
    readonly options: EncoderOptions,
  ) {
    this.positions = fixedPositions(init, layout, options.width, 'width');
    this.clsToken = options.cls ? init.truncatedNormal([options.width], 0.02) : null;
    this.stack = new TransformerStack(init, { width: options.width, depth: options.depth, heads: options.heads, mlpRatio: options.mlpRatio });
  }

  /** Adds the positional encodings to embedded tokens [B, N, W] (all N tokens, in layout order). */
  addPositions(x: tf.Tensor3D): tf.Tensor3D {
    return tf.add(x, this.positions) as tf.Tensor3D;
  }

  /**
   * Runs the stack on tokens [B, T, W] (positions added), with CLS in front when enabled:
   * returns [B, (1 +) T, W]. `tokenMask` and `padding` are [B, T] (no CLS column) or null.
   */
  run(x: tf.Tensor3D, tokenMask: tf.Tensor2D | null, padding: tf.Tensor2D | null, ctx: ForwardContext): tf.Tensor3D {
    const withCls = (flags: tf.Tensor2D | null) => (flags && this.clsToken ? prependZeroColumn(flags) : flags);
    const input = this.clsToken ? prependCls(x, this.clsToken) : x;
    return this.stack.apply(input, { module: TokenEncoder.module, tokenMask: withCls(tokenMask), tokenPadding: withCls(padding) }, ctx);
  }

  /** Token features without CLS, [B, T, W]. */
  tokensOf(features: tf.Tensor3D): tf.Tensor3D {
    return this.clsToken ? splitCls(features).tokens : features;
  }

  /** Pools run()'s output to [B, W]: the CLS features, or the mean over non-padding tokens (CLS excluded). */
  pool(features: tf.Tensor3D, padding: tf.Tensor2D | null): tf.Tensor2D {
    if (this.options.pooling === 'cls') return splitCls(features).cls;
    return meanPool(this.tokensOf(features), padding);
  }

  /** Unmasked features for probes: embedded tokens [B, N, W] -> pooled [B, W]. Call inside tf.tidy. */
  encode(embedded: tf.Tensor3D, padding: tf.Tensor2D | null, ctx: ForwardContext): tf.Tensor2D {
    return this.pool(this.run(this.addPositions(embedded), null, padding, ctx), padding);
  }

  variables(): NamedVariable[] {
    const cls: NamedVariable[] = this.clsToken ? [{ name: 'cls_token', variable: this.clsToken, decay: false }] : [];
    return [...cls, ...this.stack.variables()];
  }

  dispose(): void {
    for (const v of this.variables()) v.variable.dispose();
    this.positions.dispose();
  }
}
