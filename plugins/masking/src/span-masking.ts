import { z } from 'zod';
import type { MaskRequest, MaskSample, MaskingStrategy, PartContext, Rng } from '@mtojs/core';
import { maskRatioSchema } from './mask-ratio.js';
import { checkMaskRequest } from './mask-sample.js';
import { parseMaskingOptions } from './options.js';
import { applyBertRule, bertRuleShape, checkBertRule, checkDiscreteRequest } from './bert-rule.js';

const spanMaskingSchema = z
  .strictObject({
    /** Fraction of each example's eligible tokens selected, in contiguous spans. SpanBERT: 0.15. */
    selectRatio: maskRatioSchema(0.15),
    /** Mean span length before clipping: lengths are geometric on 1, 2, ... with p = 1 / meanSpanLength. */
    meanSpanLength: z.number().min(1).default(3),
    /** Longest span (SpanBERT clips at 10). */
    maxSpanLength: z.number().int().min(1).default(10),
    ...bertRuleShape,
  })
  .superRefine(checkBertRule);
export type SpanMaskingOptions = z.output<typeof spanMaskingSchema>;
export type SpanMaskingInput = z.input<typeof spanMaskingSchema>;

/** Tries before giving up on placing a span in a crowded row. */
const MAX_TRIES_PER_ROW = 200;

/**
 * Span masking (SpanBERT, Joshi et al., 2020): contiguous spans of tokens with geometric
 * lengths (mean `meanSpanLength`, clipped to `maxSpanLength` and to the budget) are selected at
 * uniformly random starts until round(selectRatio * eligible) tokens are selected; a span stops
 * at a protected token. BERT's 80/10/10 rule then applies per token. Spans are of word pieces,
 * not whole words. For SimMIM/BERT-style models.
 */
export class SpanMasking implements MaskingStrategy {
  static readonly className = 'span';
  static readonly description = 'SpanBERT masking: contiguous spans, geometric lengths (mean configurable), then 80/10/10 as BERT';
  static readonly optionsSchema = spanMaskingSchema;
  readonly options: SpanMaskingOptions;

  constructor(options: SpanMaskingInput = {}, _ctx?: PartContext) {
    this.options = parseMaskingOptions(spanMaskingSchema, options);
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options };
  }

  /** A span length: geometric on {1, 2, ...} with mean meanSpanLength, clipped to maxSpanLength. */
  drawLength(rng: Rng): number {
    const p = 1 / this.options.meanSpanLength;
    if (p >= 1) return 1;
    const length = 1 + Math.floor(Math.log(1 - rng.random()) / Math.log(1 - p));
    return Math.min(length, this.options.maxSpanLength);
  }

  sample(request: MaskRequest, rng: Rng): MaskSample {
    checkMaskRequest(request);
    checkDiscreteRequest(request);
    const { batchSize } = request;
    const N = request.layout.numTokens;
    const isProtected = request.protected;
    const selected = new Uint8Array(batchSize * N);
    const free = (i: number) => (!isProtected || isProtected[i] === 0) && !selected[i];
    for (let b = 0; b < batchSize; b++) {
      const row = b * N;
      let eligible = 0;
      for (let i = 0; i < N; i++) if (!isProtected || isProtected[row + i] === 0) eligible++;
      const budget = Math.round(this.options.selectRatio * eligible);
      let taken = 0;
      for (let tries = 0; taken < budget && tries < MAX_TRIES_PER_ROW; tries++) {
        const length = Math.min(this.drawLength(rng), budget - taken);
        const start = rng.int(N);
        if (!free(row + start)) continue;
        for (let j = start; j < Math.min(N, start + length) && free(row + j); j++) {
          selected[row + j] = 1;
          taken++;
        }
      }
    }
    return applyBertRule(selected, request, this.options, rng);
  }
}
