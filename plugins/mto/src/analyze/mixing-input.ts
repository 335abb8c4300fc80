import type * as tf from '@tensorflow/tfjs-core';
import type { ForwardContext, MaskBatch, MaskedModel, PreparedBatch } from '@mtojs/core';

/**
 * An optional capability of a model: the tokens entering its mixing module before positional
 * encodings, [B, N, W] (no CLS), each visible token's embedding and the shared mask token at
 * masked positions. It puts real tokens in the space the mask token lives in: the encoder input
 * width for SimMIM/BERT-style models, the decoder width (projected visible features) for MAE.
 * `mae` and `simmim` provide it; `mto analyze` needs it for the substitution and singularity
 * checks and reports them as unavailable for a model without it.
 */
export interface MixingInputSource {
  mixingInput(batch: PreparedBatch, mask: MaskBatch, ctx?: ForwardContext): tf.Tensor3D;
}

export function hasMixingInput(model: MaskedModel): model is MaskedModel & MixingInputSource {
  return typeof (model as Partial<MixingInputSource>).mixingInput === 'function';
}
