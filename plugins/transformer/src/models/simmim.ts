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
import { scoped } from '../layers/layer.js';
import { TokenEncoder } from './token-encoder.js';
import { checkEncoderOptions, checkModelSize, encoderOptionsShape, stackParameters } from './options.js';

const simMimSchema = z.strictObject({ ...encoderOptionsShape }).superRefine((o, ctx) => {
  checkEncoderOptions(o, ctx);
  checkModelSize(stackParameters(o.width, o.depth, o.mlpRatio), o.maxParameters, ctx);
});
export type SimMimOptions = z.infer<typeof simMimSchema>;
export type SimMimOptionsInput = z.input<typeof simMimSchema>;

/** A stem that implements the core's optional `headAtTargets` (the text stem does). */
export type TargetsOnlyStem = Stem & Required<Pick<Stem, 'headAtTargets'>>;

function scoresTargetsOnly(stem: Stem): stem is TargetsOnlyStem {
  return typeof stem.headAtTargets === 'function';
}

interface SimMimParts {
  stem: Stem;
  encoder: TokenEncoder;
  /** The one shared learnable mask token, [width]. */
  maskToken: tf.Variable;
}

/**
 * SimMIM (Xie et al., 2022), and BERT with a discrete-token adapter: the shared mask token
 * replaces the embeddings of masked tokens at the input, the encoder sees every token, and the
 * adapter's head predicts from the encoder's features. Mask tokens meet visible tokens in the
 * encoder, so that is where MTO acts. Nothing here is modality-specific: the adapter's stem
 * embeds (continuous patches or int ids) and predicts.
 */
export class SimMimModel implements MaskedModel {
  static readonly className: string = 'simmim';
  static readonly description: string = 'SimMIM/BERT-style: mask token at the input, one encoder, the adapter head predicts';
  static readonly optionsSchema = simMimSchema;

  readonly mixingModule = 'encoder';
  readonly options: SimMimOptions;
  private parts: SimMimParts | null = null;

  constructor(options: SimMimOptionsInput = {}, _ctx?: PartContext) {
    this.options = simMimSchema.parse(options);
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options };
  }

  build(layout: TokenLayout, adapter: ModalityAdapter, init: Initializer): void {
    if (this.parts) throw new Error('simmim: build() was already called');
    const o = this.options;
    this.parts = {
      stem: adapter.createStem({ inputWidth: o.width, outputWidth: o.width }, init),
      encoder: new TokenEncoder(init, layout, o),
      maskToken: init.truncatedNormal([o.width], o.maskTokenStd),
    };
  }

  forward(batch: PreparedBatch, mask: MaskBatch, ctx: ForwardContext): ModelOutputs {
    const { stem, encoder } = this.built();
    const encoded = encoder.run(encoder.addPositions(this.mixingInput(batch, mask)), mask.mask, batch.padding ?? null, ctx);
    const tokens = encoder.tokensOf(encoded);
    // A stem that can score only the predicted positions (text's vocabulary head) does: its
    // adapter's loss reads nothing else. Every other stem predicts every position.
    return { pred: scoresTargetsOnly(stem) ? stem.headAtTargets(tokens, mask) : stem.head(tokens) };
  }

  /**
   * The tokens entering the mixing module (the encoder), before its positional encodings and
   * without CLS: [B, N, width], each visible token's embedding and the shared mask token at the
   * masked positions. For analysis (e.g. how far the mask token lies from real tokens);
   * forward() runs the same computation. Runs no attention, so it takes no hooks.
   */
  mixingInput(batch: PreparedBatch, mask: MaskBatch): tf.Tensor3D {
    const { stem, maskToken } = this.built();
    const embedded = stem.embed(batch.tokens);
    // x * (1 - m) + maskToken * m: masked embeddings are replaced, visible ones kept.
    const m = tf.expandDims(mask.mask, -1);
    return tf.add(tf.mul(embedded, tf.sub(1, m)), tf.mul(tf.reshape(maskToken, [1, 1, this.options.width]), m)) as tf.Tensor3D;
  }

  encode(batch: PreparedBatch, ctx: ForwardContext = noHooks()): tf.Tensor2D {
    const { stem, encoder } = this.built();
    return tf.tidy(() => encoder.encode(stem.embed(batch.tokens), batch.padding ?? null, ctx));
  }

  maskToken(): tf.Variable {
    return this.built().maskToken;
  }

  /**
   * 'stem/...' (the adapter's names), 'encoder/mask_token', 'encoder/cls_token' (with CLS),
   * 'encoder/block{i}/...', 'encoder/norm/...'. Fixed positional encodings are not variables.
   */
  variables(): NamedVariable[] {
    const { stem, encoder, maskToken } = this.built();
    return [
      ...scoped('stem', stem.variables()),
      ...scoped('encoder', [{ name: 'mask_token', variable: maskToken, decay: false }, ...encoder.variables()]),
    ];
  }

  /** Frees every variable (the stem's included); the model cannot be used afterwards. */
  dispose(): void {
    if (!this.parts) return;
    for (const v of this.variables()) v.variable.dispose();
    this.parts.encoder.positions.dispose();
    this.parts = null;
  }

  private built(): SimMimParts {
    if (!this.parts) throw new Error('simmim: call build() before using the model');
    return this.parts;
  }
}
