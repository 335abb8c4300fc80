import { z } from 'zod';
import type { MaskRequest, MaskSample, MaskingStrategy, PartContext, Rng, TokenLayout } from '@mtojs/core';
import { checkMaskedCount, maskedCount, maskRatioSchema } from './mask-ratio.js';
import { checkMaskRequest, emptyMaskSample } from './mask-sample.js';
import { drawSubset } from './draw-subset.js';
import { fewestEligible } from './batch-count.js';
import { parseMaskingOptions } from './options.js';

const randomMaskingSchema = z.strictObject({
  /** Fraction of the eligible (non-protected) tokens to mask in each example. MAE: 0.75. */
  ratio: maskRatioSchema(0.75),
  /**
   * With protected tokens, mask round(ratio * the fewest eligible tokens of any row of the
   * batch) in every row, so padded batches (audio clips of different lengths) keep one masked
   * count per batch, as MAE-style models need. Off (absent): each row masks round(ratio * its own eligible tokens).
   */
  equalCounts: z.boolean().optional(),
});
export type RandomMaskingOptions = z.output<typeof randomMaskingSchema>;
export type RandomMaskingInput = z.input<typeof randomMaskingSchema>;

/**
 * MAE's per-sample random masking (He et al., 2021): each example masks a uniformly random
 * subset of exactly round(ratio * eligible) tokens, where eligible excludes protected tokens
 * (so, as in BERT, the ratio is of the real tokens). With no protected tokens every row masks
 * the same count, which an MAE encoder needs to gather the visible tokens into a dense batch.
 */
export class RandomMasking implements MaskingStrategy {
  static readonly className = 'random';
  static readonly description = "MAE's per-example random masking of round(ratio * tokens) tokens (default ratio 0.75)";
  static readonly optionsSchema = randomMaskingSchema;
  readonly options: RandomMaskingOptions;

  constructor(options: RandomMaskingInput = {}, _ctx?: PartContext) {
    this.options = parseMaskingOptions(randomMaskingSchema, options);
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options };
  }

  check(layout: TokenLayout): void {
    checkMaskedCount(this.options.ratio, layout.numTokens, 'tokens');
  }

  sample(request: MaskRequest, rng: Rng): MaskSample {
    checkMaskRequest(request);
    const { batchSize } = request;
    const numTokens = request.layout.numTokens;
    const isProtected = request.protected;
    const { ratio } = this.options;
    const out = emptyMaskSample(batchSize, numTokens);
    const pool = new Int32Array(numTokens);
    const batchCount = this.options.equalCounts ? maskedCount(ratio, fewestEligible(isProtected, batchSize, numTokens)) : null;
    for (let b = 0; b < batchSize; b++) {
      const rowStart = b * numTokens;
      let eligible = 0;
      for (let i = 0; i < numTokens; i++) if (!isProtected || isProtected[rowStart + i] === 0) pool[eligible++] = i;
      const count = batchCount ?? maskedCount(ratio, eligible);
      drawSubset(pool, eligible, count, rng);
      for (let j = 0; j < count; j++) out.mask[rowStart + pool[j]] = 1;
      out.maskedPerRow[b] = count;
    }
    return out;
  }
}
