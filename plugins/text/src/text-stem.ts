import * as tf from '@tensorflow/tfjs-core';
import { affine, gatherRows, type Initializer, type MaskBatch, type NamedVariable, type Stem } from '@mtojs/core';

/** Epsilon of the head transform's LayerNorm (BERT's 1e-12 is below float32's resolution at 1). */
const HEAD_NORM_EPSILON = 1e-6;

export interface TextStemOptions {
  /** BERT's prediction-head transform, dense + GELU + LayerNorm, before the tied projection. */
  headTransform: boolean;
}

/**
 * The text modality's trainable ends: a token embedding E [vocab, width] and a head that scores
 * every vocabulary entry with the same matrix (weights tied, as in BERT): logits = t(h) E^T + b,
 * t the optional transform. Positions come from the encoder (fixed 1-D sin-cos encodings).
 *
 * Scale: E is drawn with std 1/sqrt(width) and the lookup multiplies by sqrt(width) (the
 * Transformer's tied-embedding scaling), so an embedded token has unit variance per feature, as
 * large as the sin-cos encodings added to it, while the tied logits of unit-variance features
 * start with unit variance. BERT's std 0.02 with no scaling leaves the token 35x smaller than
 * its position encoding here (BERT's own positions are learned, also at 0.02), and a masked
 * token hard to tell from a visible one: the model then never leaves the unigram plateau.
 *
 * When the model's output width differs from its input width (MAE-style decoders), a linear
 * projection maps the features to the embedding width before the tied product.
 */
export class TextStem implements Stem {
  /** [vocab, inputWidth]. */
  readonly embedding: tf.Variable;
  /** [vocab] output bias. */
  readonly outputBias: tf.Variable;
  /** [outputWidth, inputWidth] when the widths differ, else null. */
  readonly projection: tf.Variable | null;
  /** The head transform (dense [inputWidth, inputWidth] + bias, LayerNorm scale and shift), or null. */
  readonly transform: { kernel: tf.Variable; bias: tf.Variable; gamma: tf.Variable; beta: tf.Variable } | null;
  private readonly embedScale: number;

  constructor(
    readonly vocabSize: number,
    readonly dims: { inputWidth: number; outputWidth: number },
    init: Initializer,
    readonly options: TextStemOptions = { headTransform: false },
  ) {
    const W = dims.inputWidth;
    this.embedScale = Math.sqrt(W);
    this.embedding = init.truncatedNormal([vocabSize, W], 1 / this.embedScale);
    this.outputBias = init.zeros([vocabSize]);
    this.projection = dims.outputWidth === W ? null : init.glorotUniform([dims.outputWidth, W]);
    this.transform = options.headTransform
      ? { kernel: init.glorotUniform([W, W]), bias: init.zeros([W]), gamma: init.ones([W]), beta: init.zeros([W]) }
      : null;
  }

  /** Ids [B, N] -> embeddings [B, N, width]: rows of E times sqrt(width). */
  embed(tokens: tf.Tensor): tf.Tensor3D {
    if (tokens.rank !== 2) throw new Error(`text stem: expected token ids [B, N], got [${tokens.shape.join(', ')}]`);
    const [B, N] = tokens.shape as [number, number];
    return tf.tidy(() => {
      const ids = tf.reshape(tf.cast(tokens, 'int32'), [B * N]) as tf.Tensor1D;
      const rows = tf.mul(gatherRows(this.embedding as tf.Tensor as tf.Tensor2D, ids), this.embedScale);
      return tf.reshape(rows, [B, N, this.dims.inputWidth]) as tf.Tensor3D;
    });
  }

  /** Features [B, T, outputWidth] -> logits over the vocabulary at every position [B, T, vocab]. */
  head(features: tf.Tensor3D): tf.Tensor3D {
    const [B, T, D] = features.shape;
    return tf.tidy(() => tf.reshape(this.logits(tf.reshape(features, [B * T, D]) as tf.Tensor2D), [B, T, this.vocabSize]) as tf.Tensor3D);
  }

  /**
   * Logits at the predicted positions only (`mask.target`, row-major order), [1, K, vocab]: the
   * loss reads nothing else, and with BERT's 15% this skips ~85% of the vocabulary products,
   * most of a step's cost. Models that support it call this instead of head() (see
   * `predictedPositions`).
   */
  headAtTargets(features: tf.Tensor3D, mask: MaskBatch): tf.Tensor3D {
    const [B, T, D] = features.shape;
    const rows = predictedPositions(mask);
    if (mask.sample.batchSize !== B || mask.sample.numTokens !== T) {
      throw new Error(`text stem: the mask is [${mask.sample.batchSize}, ${mask.sample.numTokens}] but the features are [${B}, ${T}]`);
    }
    return tf.tidy(() => {
      const picked = gatherRows(tf.reshape(features, [B * T, D]) as tf.Tensor2D, tf.tensor1d(rows, 'int32'));
      return tf.reshape(this.logits(picked), [1, rows.length, this.vocabSize]) as tf.Tensor3D;
    });
  }

  /** [M, outputWidth] -> [M, vocab]. */
  private logits(flat: tf.Tensor2D): tf.Tensor2D {
    let h = flat;
    if (this.projection) h = tf.matMul(h, this.projection as tf.Tensor as tf.Tensor2D);
    if (this.transform) {
      const t = this.transform;
      h = affine(h, t.kernel as tf.Tensor as tf.Tensor2D, t.bias as tf.Tensor as tf.Tensor1D);
      h = tf.mul(h, tf.mul(tf.add(tf.erf(tf.mul(h, Math.SQRT1_2)), 1), 0.5)); // exact GELU
      const { mean, variance } = tf.moments(h, -1, true);
      h = tf.add(tf.mul(tf.mul(tf.sub(h, mean), tf.rsqrt(tf.add(variance, HEAD_NORM_EPSILON))), t.gamma), t.beta);
    }
    // An explicit transpose and a plain matMul: wasm is slow at matMul with transposeB.
    return tf.add(tf.matMul(h, tf.transpose(this.embedding) as tf.Tensor2D), this.outputBias) as tf.Tensor2D;
  }

  variables(): NamedVariable[] {
    const t = this.transform;
    return [
      { name: 'token_embedding', variable: this.embedding },
      { name: 'output_bias', variable: this.outputBias },
      ...(this.projection ? [{ name: 'head/projection', variable: this.projection }] : []),
      ...(t
        ? [
            { name: 'head/transform/kernel', variable: t.kernel },
            { name: 'head/transform/bias', variable: t.bias, decay: false },
            { name: 'head/transform/norm/gamma', variable: t.gamma, decay: false },
            { name: 'head/transform/norm/beta', variable: t.beta, decay: false },
          ]
        : []),
    ];
  }
}

/**
 * Flat indices (b * N + i) of the positions a mask predicts (`sample.target`, else `sample.mask`),
 * ascending: the row order of `TextStem.headAtTargets`' logits.
 */
export function predictedPositions(mask: MaskBatch): Int32Array {
  const flags = mask.sample.target ?? mask.sample.mask;
  let k = 0;
  for (let i = 0; i < flags.length; i++) if (flags[i]) k++;
  const rows = new Int32Array(k);
  k = 0;
  for (let i = 0; i < flags.length; i++) if (flags[i]) rows[k++] = i;
  return rows;
}
