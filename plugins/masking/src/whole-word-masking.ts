import { z } from 'zod';
import type { MaskRequest, MaskSample, MaskingStrategy, PartContext, Rng, TokenLayout } from '@mtojs/core';
import { maskRatioSchema } from './mask-ratio.js';
import { checkMaskRequest } from './mask-sample.js';
import { drawSubset } from './draw-subset.js';
import { parseMaskingOptions } from './options.js';
import { applyBertRule, bertRuleShape, checkBertRule, checkDiscreteRequest, checkDiscreteLayout } from './bert-rule.js';

const wholeWordMaskingSchema = z
  .strictObject({
    /** Target fraction of each example's eligible tokens selected, in whole words. */
    selectRatio: maskRatioSchema(0.15),
    ...bertRuleShape,
  })
  .superRefine(checkBertRule);
export type WholeWordMaskingOptions = z.output<typeof wholeWordMaskingSchema>;
export type WholeWordMaskingInput = z.input<typeof wholeWordMaskingSchema>;

/**
 * Whole-word masking (BERT's later release): words, not word pieces, are selected, so a word's
 * '##' continuations are selected with its first piece. A word is an eligible token with
 * wordStarts = 1 and the eligible continuations (wordStarts = 0) after it. Words are taken in
 * random order while they fit in round(selectRatio * eligible) tokens (so a row may select a
 * little less), then BERT's 80/10/10 rule applies per token. Without `wordStarts` in the
 * request every token is its own word (plain BERT masking). For SimMIM/BERT-style models.
 */
export class WholeWordMasking implements MaskingStrategy {
  static readonly className = 'whole-word';
  static readonly description = 'Whole-word MLM masking: selects whole words (pieces together), then 80/10/10 as BERT';
  static readonly optionsSchema = wholeWordMaskingSchema;
  readonly options: WholeWordMaskingOptions;

  constructor(options: WholeWordMaskingInput = {}, _ctx?: PartContext) {
    this.options = parseMaskingOptions(wholeWordMaskingSchema, options);
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options };
  }

  check(layout: TokenLayout): void {
    checkDiscreteLayout('whole-word', layout);
  }

  sample(request: MaskRequest, rng: Rng): MaskSample {
    checkMaskRequest(request);
    checkDiscreteRequest(request);
    const { batchSize } = request;
    const N = request.layout.numTokens;
    const isProtected = request.protected;
    const starts = request.wordStarts;
    const selected = new Uint8Array(batchSize * N);
    const wordStart = new Int32Array(N);
    const wordLength = new Int32Array(N);
    const order = new Int32Array(N);
    for (let b = 0; b < batchSize; b++) {
      const row = b * N;
      const eligible = (i: number) => !isProtected || isProtected[row + i] === 0;
      let words = 0;
      let eligibleCount = 0;
      for (let i = 0; i < N; i++) {
        if (!eligible(i)) continue;
        eligibleCount++;
        if (words > 0 && starts && starts[row + i] === 0 && wordStart[words - 1] + wordLength[words - 1] === i) {
          wordLength[words - 1]++;
        } else {
          wordStart[words] = i;
          wordLength[words] = 1;
          words++;
        }
      }
      const budget = Math.round(this.options.selectRatio * eligibleCount);
      for (let w = 0; w < words; w++) order[w] = w;
      drawSubset(order, words, words, rng);
      let taken = 0;
      for (let k = 0; k < words && taken < budget; k++) {
        const w = order[k];
        if (taken + wordLength[w] > budget) continue;
        for (let j = 0; j < wordLength[w]; j++) selected[row + wordStart[w] + j] = 1;
        taken += wordLength[w];
      }
    }
    return applyBertRule(selected, request, this.options, rng);
  }
}
