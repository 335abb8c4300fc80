import { z } from 'zod';
import type { MaskRequest, MaskSample, MaskingStrategy, PartContext, Rng, TokenLayout } from '@mtojs/core';
import { checkMaskedCount, maskedCount, maskRatioSchema } from './mask-ratio.js';
import { checkMaskRequest, emptyMaskSample } from './mask-sample.js';
import { drawSubset } from './draw-subset.js';
import { fewestEligible, fitRowCount } from './batch-count.js';
import { checkTokenGrid } from './token-grid.js';
import { parseMaskingOptions } from './options.js';

/** Spans drawn per row before the remaining budget is topped up with random tokens. */
const MAX_SPANS_PER_TOKEN = 4;

const specAugmentSchema = z.strictObject({
  /** Fraction of the eligible tokens to mask (of the fewest-eligible row, with padding). */
  ratio: maskRatioSchema(0.5),
  /** Widest time span, in grid columns; widths are uniform in 1..maxTimeSpan. */
  maxTimeSpan: z.number().int().min(1).default(2),
  /** Widest frequency span, in grid rows; widths are uniform in 1..maxFreqSpan. */
  maxFreqSpan: z.number().int().min(1).default(2),
  /** Probability that a span is a time span (else a frequency span). */
  timeShare: z.number().min(0).max(1).default(0.5),
});
export type SpecAugmentMaskingOptions = z.output<typeof specAugmentSchema>;
export type SpecAugmentMaskingInput = z.input<typeof specAugmentSchema>;

/**
 * SpecAugment-style span masking (Park et al., 2019) on the token grid (rows = frequency bands,
 * columns = time steps): a time span masks `w` consecutive columns across all bands, a frequency
 * span `w` consecutive rows across all time steps. Spans (time with probability timeShare, width
 * uniform in 1..max, position uniform) are added until the row's budget is reached; the span
 * that crosses the budget masks a uniformly random part of its new tokens, so every row masks
 * exactly the budget.
 *
 * The budget is round(ratio * N) without protected tokens. With protected tokens (never masked)
 * it is round(ratio * the fewest eligible tokens of any row of the batch), one count per batch
 * as MAE-style models need. If spans stop adding tokens (every line drawn is already masked),
 * the rest of the budget is masked as uniformly random eligible tokens.
 */
export class SpecAugmentMasking implements MaskingStrategy {
  static readonly className = 'spec-augment';
  static readonly description = 'SpecAugment-style spans of time columns and frequency rows until round(ratio * tokens) are masked (default ratio 0.5)';
  static readonly optionsSchema = specAugmentSchema;
  readonly options: SpecAugmentMaskingOptions;

  constructor(options: SpecAugmentMaskingInput = {}, _ctx?: PartContext) {
    this.options = parseMaskingOptions(specAugmentSchema, options);
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options };
  }

  check(layout: TokenLayout): void {
    checkTokenGrid(layout, SpecAugmentMasking.className);
    checkMaskedCount(this.options.ratio, layout.numTokens, 'tokens');
  }

  sample(request: MaskRequest, rng: Rng): MaskSample {
    checkMaskRequest(request);
    checkTokenGrid(request.layout, SpecAugmentMasking.className);
    const { batchSize, layout } = request;
    const { numTokens } = layout;
    const [rows, cols] = layout.grid;
    const isProtected = request.protected;
    const target = maskedCount(this.options.ratio, fewestEligible(isProtected, batchSize, numTokens));
    const out = emptyMaskSample(batchSize, numTokens);
    const fresh = new Int32Array(numTokens);
    const scratch = new Int32Array(numTokens);

    for (let b = 0; b < batchSize; b++) {
      const start = b * numTokens;
      let masked = 0;
      for (let span = 0; masked < target && span < MAX_SPANS_PER_TOKEN * numTokens; span++) {
        const isTime = rng.random() < this.options.timeShare;
        const lines = isTime ? cols : rows;
        const width = 1 + rng.int(Math.min(isTime ? this.options.maxTimeSpan : this.options.maxFreqSpan, lines));
        const first = rng.int(lines - width + 1);
        // Tokens this span would newly mask.
        let added = 0;
        for (let line = first; line < first + width; line++) {
          for (let k = 0; k < (isTime ? rows : cols); k++) {
            const token = isTime ? k * cols + line : line * cols + k;
            if (!out.mask[start + token] && (!isProtected || !isProtected[start + token])) fresh[added++] = token;
          }
        }
        const take = Math.min(added, target - masked);
        // Only the span that crosses the budget is cut, keeping a uniformly random part of it.
        if (take < added) drawSubset(fresh, added, take, rng);
        for (let j = 0; j < take; j++) out.mask[start + fresh[j]] = 1;
        masked += take;
      }
      out.maskedPerRow[b] = masked < target ? fitRowCount(out.mask, b, numTokens, isProtected, target, rng, scratch) : masked;
    }
    return out;
  }
}
