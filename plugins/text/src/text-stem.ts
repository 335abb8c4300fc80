import * as tf from '@tensorflow/tfjs-core';
import type { Initializer, NamedVariable, Stem } from '@mtojs/core';

/**
 * The text modality's trainable ends: a token embedding E [vocab, width] and a head that scores
 * every vocabulary entry with the same matrix (weights tied, as in BERT): logits = h E^T + b.
 * Positions come from the encoder (fixed 1-D sin-cos encodings).
 *
 * When the model's output width differs from its input width (MAE-style decoders), a linear
 * projection maps the features to the embedding width before the tied product.
 */
export class TextStem implements Stem {
  /** [vocab, inputWidth], truncated normal (std 0.02) as BERT. */
  readonly embedding: tf.Variable;
  /** [vocab] output bias. */
  readonly outputBias: tf.Variable;
  /** [outputWidth, inputWidth] when the widths differ, else null. */
  readonly projection: tf.Variable | null;

  constructor(
    readonly vocabSize: number,
    readonly dims: { inputWidth: number; outputWidth: number },
    init: Initializer,
  ) {
    this.embedding = init.truncatedNormal([vocabSize, dims.inputWidth], 0.02);
    this.outputBias = init.zeros([vocabSize]);
    this.projection = dims.outputWidth === dims.inputWidth ? null : init.glorotUniform([dims.outputWidth, dims.inputWidth]);
  }

  /**
   * Ids [B, N] -> embeddings [B, N, width]. tf.gather's gradient needs the UnsortedSegmentSum
   * kernel, which the wasm backend lacks; there the lookup is onehot(ids) @ E (exact, and its
   * gradient is a matMul).
   */
  embed(tokens: tf.Tensor): tf.Tensor3D {
    if (tokens.rank !== 2) throw new Error(`text stem: expected token ids [B, N], got [${tokens.shape.join(', ')}]`);
    const [B, N] = tokens.shape as [number, number];
    return tf.tidy(() => {
      const ids = tf.reshape(tf.cast(tokens, 'int32'), [B * N]) as tf.Tensor1D;
      const rows = tf.getKernel('UnsortedSegmentSum', tf.getBackend())
        ? tf.gather(this.embedding, ids, 0)
        : // oneHot in int32, then cast: the wasm OneHot kernel returns zeros when asked for float32 (tfjs 4.22).
          tf.matMul(tf.cast(tf.oneHot(ids, this.vocabSize), 'float32') as tf.Tensor2D, this.embedding as tf.Tensor2D);
      return tf.reshape(rows, [B, N, this.dims.inputWidth]) as tf.Tensor3D;
    });
  }

  /** Features [B, T, outputWidth] -> logits over the vocabulary [B, T, vocab]. */
  head(features: tf.Tensor3D): tf.Tensor3D {
    const [B, T, D] = features.shape;
    return tf.tidy(() => {
      let flat = tf.reshape(features, [B * T, D]) as tf.Tensor2D;
      if (this.projection) flat = tf.matMul(flat, this.projection as tf.Tensor2D);
      // An explicit transpose and a plain matMul: wasm is slow at matMul with transposeB.
      const logits = tf.add(tf.matMul(flat, tf.transpose(this.embedding) as tf.Tensor2D), this.outputBias);
      return tf.reshape(logits, [B, T, this.vocabSize]) as tf.Tensor3D;
    });
  }

  variables(): NamedVariable[] {
    return [
      { name: 'token_embedding', variable: this.embedding },
      { name: 'output_bias', variable: this.outputBias },
      ...(this.projection ? [{ name: 'head/projection', variable: this.projection }] : []),
    ];
  }
}
