import * as tf from '@tensorflow/tfjs-core';
import { affine } from '../ops/affine.js';
import type { Initializer } from '../train/initializer.js';
import type { NamedVariable } from './part.js';
import type { Stem, TokenLayout } from './adapter.js';

/** A linear map on the last axis of [B, T, in] through `affine` (fast on wasm). Glorot weights, zero bias. */
export class TokenLinear {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;

  constructor(
    readonly inDim: number,
    readonly outDim: number,
    init: Initializer,
  ) {
    this.kernel = init.glorotUniform([inDim, outDim]);
    this.bias = init.zeros([outDim]);
  }

  /** [B, T, inDim] -> [B, T, outDim]. */
  apply(x: tf.Tensor3D): tf.Tensor3D {
    const [B, T, D] = x.shape;
    if (D !== this.inDim) throw new Error(`linear layer expects ${this.inDim} features, got [${x.shape.join(', ')}]`);
    return tf.tidy(() => {
      const y = affine(tf.reshape(x, [B * T, D]) as tf.Tensor2D, this.kernel as tf.Tensor as tf.Tensor2D, this.bias as tf.Tensor as tf.Tensor1D);
      return tf.reshape(y, [B, T, this.outDim]) as tf.Tensor3D;
    });
  }
}

/**
 * The stem of a modality with continuous tokens (image patches, spectrogram patches): a linear
 * embedding of each token and a linear head back to the targets. Variables: embed/kernel,
 * embed/bias, head/kernel, head/bias.
 */
export class LinearStem implements Stem {
  private readonly embedLayer: TokenLinear;
  private readonly headLayer: TokenLinear;

  /** @param modality named in shape errors, e.g. 'image'. */
  constructor(
    layout: TokenLayout,
    dims: { inputWidth: number; outputWidth: number },
    init: Initializer,
    private readonly modality: string,
  ) {
    this.embedLayer = new TokenLinear(layout.tokenDim, dims.inputWidth, init);
    this.headLayer = new TokenLinear(dims.outputWidth, layout.targetDim, init);
  }

  embed(tokens: tf.Tensor): tf.Tensor3D {
    if (tokens.rank !== 3) throw new Error(`${this.modality} stem: expected patch tokens [B, N, tokenDim], got [${tokens.shape.join(', ')}]`);
    return this.embedLayer.apply(tokens as tf.Tensor3D);
  }

  head(features: tf.Tensor3D): tf.Tensor3D {
    return this.headLayer.apply(features);
  }

  variables(): NamedVariable[] {
    return [
      { name: 'embed/kernel', variable: this.embedLayer.kernel },
      { name: 'embed/bias', variable: this.embedLayer.bias },
      { name: 'head/kernel', variable: this.headLayer.kernel },
      { name: 'head/bias', variable: this.headLayer.bias },
    ];
  }
}
