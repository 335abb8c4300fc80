import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import {
  noHooks,
  type ForwardContext,
  type Initializer,
  type MaskBatch,
  type MaskedModel,
  type ModalityAdapter,
  type ModelOutputs,
  type NamedVariable,
  type PartContext,
  type PreparedBatch,
  type Stem,
  type TokenLayout,
} from '@mtojs/core';
import { Linear } from '../layers/linear.js';
import { TransformerStack } from '../layers/stack.js';
import { scoped } from '../layers/layer.js';
import { fixedPositions } from '../positional/fixed-positions.js';
import { gatherTokens } from '../tokens/gather-tokens.js';
import { prependCls, prependZeroColumn, splitCls } from '../tokens/cls.js';
import { repeatToken } from '../tokens/repeat-token.js';
import { TokenEncoder } from './token-encoder.js';
import { MODEL_LIMITS, checkEncoderOptions, checkModelSize, encoderOptionsShape, stackParameters } from './options.js';

const maeSchema = z
  .strictObject({
    ...encoderOptionsShape,
    /** Decoder width; the stem's head reads features of this width. */
    decoderWidth: z.number().int().min(1).max(MODEL_LIMITS.width).default(32),
    decoderDepth: z.number().int().min(1).max(MODEL_LIMITS.depth).default(2),
    /** Decoder attention heads; must divide decoderWidth. */
    decoderHeads: z.number().int().min(1).max(MODEL_LIMITS.width).default(4),
  })
  .superRefine((o, ctx) => {
    checkEncoderOptions(o, ctx);
    if (o.decoderWidth % o.decoderHeads !== 0) {
      ctx.addIssue({ code: 'custom', path: ['decoderHeads'], message: `decoderHeads (${o.decoderHeads}) must divide decoderWidth (${o.decoderWidth})` });
    }
    if (Math.round(o.decoderWidth * o.mlpRatio) < 1) {
      ctx.addIssue({ code: 'custom', path: ['mlpRatio'], message: `mlpRatio ${o.mlpRatio} x decoderWidth ${o.decoderWidth} rounds to an MLP of 0 hidden units; expected at least 1` });
    }
    const params = stackParameters(o.width, o.depth, o.mlpRatio) + stackParameters(o.decoderWidth, o.decoderDepth, o.mlpRatio) + o.width * o.decoderWidth;
    checkModelSize(params, o.maxParameters, ctx);
  });
export type MaeOptions = z.infer<typeof maeSchema>;
export type MaeOptionsInput = z.input<typeof maeSchema>;

/** Everything build() creates. */
interface MaeParts {
  stem: Stem;
  encoder: TokenEncoder;
  /** Encoder width -> decoder width. */
  decoderEmbed: Linear;
  /** The one shared learnable mask token, [decoderWidth]. */
  maskToken: tf.Variable;
  /** [N, decoderWidth] fixed sin-cos encodings. */
  decoderPositions: tf.Variable;
  decoder: TransformerStack;
}

/**
 * A masked autoencoder (He et al., 2022): the encoder sees only the visible tokens; a lighter
 * decoder receives them with the shared mask token at the masked positions, restored to token
 * order, and the adapter's head predicts every token. Mask tokens meet visible tokens in the
 * decoder, so that is where MTO acts.
 */
export class MaeModel implements MaskedModel {
  static readonly className: string = 'mae';
  static readonly description: string = 'masked autoencoder: encoder on visible tokens, light decoder with mask tokens';
  static readonly optionsSchema = maeSchema;

  readonly mixingModule = 'decoder';
  readonly options: MaeOptions;
  private parts: MaeParts | null = null;

  constructor(options: MaeOptionsInput = {}, _ctx?: PartContext) {
    this.options = maeSchema.parse(options);
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options };
  }

  build(layout: TokenLayout, adapter: ModalityAdapter, init: Initializer): void {
    if (this.parts) throw new Error('mae: build() was already called');
    const o = this.options;
    this.parts = {
      stem: adapter.createStem({ inputWidth: o.width, outputWidth: o.decoderWidth }, init),
      encoder: new TokenEncoder(init, layout, o),
      decoderEmbed: new Linear(init, o.width, o.decoderWidth),
      maskToken: init.truncatedNormal([o.decoderWidth], o.maskTokenStd),
      decoderPositions: fixedPositions(init, layout, o.decoderWidth, 'decoderWidth'),
      decoder: new TransformerStack(init, { width: o.decoderWidth, depth: o.decoderDepth, heads: o.decoderHeads, mlpRatio: o.mlpRatio }),
    };
  }

  forward(batch: PreparedBatch, mask: MaskBatch, ctx: ForwardContext): ModelOutputs {
    const { stem, decoderPositions, decoder } = this.built();
    const padding = batch.padding ?? null;
    const { cls, tokens } = this.decoderInput(batch, mask, ctx);
    const restored = tf.add(tokens, decoderPositions) as tf.Tensor3D;

    const withCls = (flags: tf.Tensor2D | null) => (flags && cls ? prependZeroColumn(flags) : flags);
    const decoded = decoder.apply(cls ? prependCls(restored, cls) : restored, { module: 'decoder', tokenMask: withCls(mask.mask), tokenPadding: withCls(padding) }, ctx);
    return { pred: stem.head(cls ? splitCls(decoded).tokens : decoded) };
  }

  /**
   * The tokens entering the mixing module (the decoder), before its positional encodings and
   * without CLS: [B, N, decoderWidth], each visible token's projected encoder features and the
   * shared mask token at the masked positions, in token order. For analysis (e.g. how far the
   * mask token lies from real tokens); forward() runs the same computation.
   */
  mixingInput(batch: PreparedBatch, mask: MaskBatch, ctx: ForwardContext = noHooks(mask.mask, batch.padding ?? null)): tf.Tensor3D {
    return this.decoderInput(batch, mask, ctx).tokens;
  }

  /** Encoder on the visible tokens, projection to the decoder width, mask tokens appended and token order restored. */
  private decoderInput(batch: PreparedBatch, mask: MaskBatch, ctx: ForwardContext): { cls: tf.Tensor2D | null; tokens: tf.Tensor3D } {
    const { stem, encoder, decoderEmbed, maskToken } = this.built();
    const { keepIdx, restoreIdx } = mask;
    if (!keepIdx || !restoreIdx) {
      throw new Error(
        `mae: MAE-style models need the same number of masked tokens in every row (got ${[...new Set(mask.maskedPerRow)].join(', ')}); use a masking strategy with a fixed count`,
      );
    }
    const [B, N] = mask.mask.shape;
    const K = keepIdx.shape[1];
    const padding = batch.padding ?? null;

    // Encoder: positions are added to every token, then only the visible ones are kept.
    const visible = gatherTokens(encoder.addPositions(stem.embed(batch.tokens)), keepIdx);
    const encoded = encoder.run(visible, null, padding ? gatherTokens(padding, keepIdx) : null, ctx);

    // Decoder input: visible features, then the mask token for the N - K masked positions, put back in token order.
    const projected = decoderEmbed.apply(encoded);
    const { cls, tokens: visibleFeatures } = this.options.cls ? splitCls(projected) : { cls: null, tokens: projected };
    const appended = N > K ? (tf.concat([visibleFeatures, repeatToken(maskToken, B, N - K)], 1) as tf.Tensor3D) : visibleFeatures;
    return { cls, tokens: gatherTokens(appended, restoreIdx) };
  }

  encode(batch: PreparedBatch, ctx: ForwardContext = noHooks()): tf.Tensor2D {
    const { stem, encoder } = this.built();
    return tf.tidy(() => encoder.encode(stem.embed(batch.tokens), batch.padding ?? null, ctx));
  }

  maskToken(): tf.Variable {
    return this.built().maskToken;
  }

  /**
   * 'stem/...' (the adapter's names), 'encoder/cls_token' (with CLS), 'encoder/block{i}/...',
   * 'encoder/norm/...', 'decoder/embed/{kernel,bias}', 'decoder/mask_token',
   * 'decoder/block{i}/...', 'decoder/norm/...'. Fixed positional encodings are not variables.
   */
  variables(): NamedVariable[] {
    const { stem, encoder, decoderEmbed, maskToken, decoder } = this.built();
    return [
      ...scoped('stem', stem.variables()),
      ...scoped('encoder', encoder.variables()),
      ...scoped('decoder', [
        ...scoped('embed', decoderEmbed.variables()),
        { name: 'mask_token', variable: maskToken, decay: false },
        ...decoder.variables(),
      ]),
    ];
  }

  /** Frees every variable (the stem's included); the model cannot be used afterwards. */
  dispose(): void {
    if (!this.parts) return;
    for (const v of this.variables()) v.variable.dispose();
    this.parts.encoder.positions.dispose();
    this.parts.decoderPositions.dispose();
    this.parts = null;
  }

  private built(): MaeParts {
    if (!this.parts) throw new Error('mae: call build() before using the model');
    return this.parts;
  }
}
