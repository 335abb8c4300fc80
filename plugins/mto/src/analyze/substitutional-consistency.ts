import type { MaskedModel } from '@mtojs/core';

/** Names that look like a mask-token variable, whatever its scope ('decoder/mask_token', 'maskToken'). */
const MASK_TOKEN_NAME = /mask[_-]?token/i;

/**
 * Property (b), substitutional consistency: every masked position is replaced by the same
 * learnable vector (before its positional encoding).
 */
export interface SubstitutionalConsistency {
  /** The model's shared mask token (`maskToken()`): its variable name in checkpoints (null if not among the model's variables) and shape. */
  maskToken: { name: string | null; shape: number[] };
  /** The model's variables whose names look like mask tokens; exactly one is expected. */
  maskTokenVariables: string[];
  /** Masked positions of the analysis sample that were checked (0 when not measurable). */
  maskedPositions: number;
  /**
   * Largest |mixing-module input - mask token| over the masked positions and features: exactly 0
   * when every masked position receives the very same vector. Null when the model does not
   * expose its mixing-module input.
   */
  maxDeviation: number | null;
  /** Why part of the check is missing, when it is. */
  note: string | null;
  /** Verdict: one mask-token variable, it is the model's maskToken(), and (when measured) every masked position receives it exactly. */
  consistent: boolean;
}

/**
 * Checks the model's (named `modelName` in the config) mask-token variables, and, given the mixing-module input of a sample
 * (`MixingInputSource`), that each masked position holds exactly the mask token.
 * @param mixing the sample's mixing-module input, row-major [B, N, W], or null
 * @param mask row-major [B, N], 1 = masked (padding is never masked)
 */
export function substitutionalConsistency(
  model: MaskedModel,
  modelName: string,
  mixing: { values: Float32Array; numTokens: number; width: number } | null,
  mask: ArrayLike<number>,
): SubstitutionalConsistency {
  const token = model.maskToken();
  const variables = model.variables();
  const own = variables.find((v) => v.variable === token);
  const lookalikes = variables.filter((v) => MASK_TOKEN_NAME.test(v.name)).map((v) => v.name);
  const tokenValues = token.dataSync();
  let maskedPositions = 0;
  let maxDeviation: number | null = null;
  let note: string | null = null;
  if (!mixing) {
    note = `model '${modelName}' does not expose mixingInput(batch, mask); the masked positions' inputs could not be checked`;
  } else {
    if (mixing.width !== tokenValues.length) throw new Error(`mixing input width ${mixing.width} differs from the mask token's ${tokenValues.length} values`);
    maxDeviation = 0;
    for (let r = 0; r < mask.length; r++) {
      if (!mask[r]) continue;
      maskedPositions++;
      const base = r * mixing.width;
      for (let d = 0; d < mixing.width; d++) maxDeviation = Math.max(maxDeviation, Math.abs(mixing.values[base + d] - tokenValues[d]));
    }
  }
  return {
    maskToken: { name: own?.name ?? null, shape: [...token.shape] },
    maskTokenVariables: lookalikes,
    maskedPositions,
    maxDeviation,
    note,
    consistent: own !== undefined && lookalikes.length === 1 && (maxDeviation === null || maxDeviation === 0),
  };
}
