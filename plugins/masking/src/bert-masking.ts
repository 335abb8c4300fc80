import { z } from 'zod';
import type { MaskRequest, MaskSample, MaskingStrategy, PartContext, Rng, TokenLayout } from '@mtojs/core';
import { maskedCount, maskRatioSchema } from './mask-ratio.js';
import { checkMaskRequest } from './mask-sample.js';
import { drawSubset } from './draw-subset.js';
import { parseMaskingOptions } from './options.js';
import { applyBertRule, bertRuleShape, checkBertRule, checkDiscreteRequest, checkDiscreteLayout } from './bert-rule.js';

const bertMaskingSchema = z
  .strictObject({
    /** Fraction of each example's eligible (non-special, non-padding) tokens selected for prediction. BERT: 0.15. */
    selectRatio: maskRatioSchema(0.15),
    ...bertRuleShape,
  })
  .superRefine(checkBertRule);
export type BertMaskingOptions = z.output<typeof bertMaskingSchema>;
export type BertMaskingInput = z.input<typeof bertMaskingSchema>;

/**
 * BERT's masked-language-model masking: each example selects a uniformly random
 * round(selectRatio * eligible) of its eligible tokens (protected ones, i.e. padding and
 * special tokens, never), then 80% of those get [MASK], 10% a random token and 10% stay, and
 * all selected ones are predicted. Rows mask different counts, so use it with SimMIM/BERT-style
 * models (mask token at the input), not MAE-style ones.
 */
export class BertMasking implements MaskingStrategy {
  static readonly className = 'bert';
  static readonly description = "BERT's MLM masking: select 15% of non-special tokens; 80% [MASK], 10% random, 10% unchanged";
  static readonly optionsSchema = bertMaskingSchema;
  readonly options: BertMaskingOptions;

  constructor(options: BertMaskingInput = {}, _ctx?: PartContext) {
    this.options = parseMaskingOptions(bertMaskingSchema, options);
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options };
  }

  check(layout: TokenLayout): void {
    checkDiscreteLayout('bert', layout);
  }

  sample(request: MaskRequest, rng: Rng): MaskSample {
    checkMaskRequest(request);
    checkDiscreteRequest(request);
    const { batchSize } = request;
    const N = request.layout.numTokens;
    const isProtected = request.protected;
    const selected = new Uint8Array(batchSize * N);
    const pool = new Int32Array(N);
    for (let b = 0; b < batchSize; b++) {
      let eligible = 0;
      for (let i = 0; i < N; i++) if (!isProtected || isProtected[b * N + i] === 0) pool[eligible++] = i;
      const count = maskedCount(this.options.selectRatio, eligible);
      drawSubset(pool, eligible, count, rng);
      for (let j = 0; j < count; j++) selected[b * N + pool[j]] = 1;
    }
    return applyBertRule(selected, request, this.options, rng);
  }
}
