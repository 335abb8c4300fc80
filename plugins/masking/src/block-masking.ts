import { z } from 'zod';
import type { MaskRequest, MaskSample, MaskingStrategy, PartContext, Rng, TokenLayout } from '@mtojs/core';
import { checkMaskedCount, maskedCount, maskRatioSchema } from './mask-ratio.js';
import { checkMaskRequest, eligibleInRow, emptyMaskSample } from './mask-sample.js';
import { drawSubset } from './draw-subset.js';
import { checkTokenGrid } from './token-grid.js';
import { parseMaskingOptions } from './options.js';

/** BEiT gives up on a block after this many rejected rectangles. */
const ATTEMPTS_PER_BLOCK = 10;

const blockMaskingSchema = z
  .strictObject({
    /** Fraction of the tokens to mask. BEiT: 75 of 196 tokens, about 0.4. */
    ratio: maskRatioSchema(0.4),
    /** Smallest block area drawn, in tokens (BEiT's min_num_patches). */
    minBlockTokens: z.number().int().min(1).default(4),
    /** Largest block area drawn (BEiT's max_num_patches); by default only the remaining budget caps it. */
    maxBlockTokens: z.number().int().min(1).optional(),
    /** Smallest height/width ratio of a block; log-aspect is uniform in [log(minAspect), log(maxAspect)]. */
    minAspect: z.number().gt(0).max(1).default(0.3),
    /** Largest height/width ratio; defaults to 1 / minAspect. */
    maxAspect: z.number().gt(0).optional(),
  })
  .refine((o) => o.maxAspect === undefined || o.maxAspect >= o.minAspect, {
    path: ['maxAspect'],
    message: 'must be at least minAspect',
  })
  .refine((o) => o.maxBlockTokens === undefined || o.maxBlockTokens >= o.minBlockTokens, {
    path: ['maxBlockTokens'],
    message: 'must be at least minBlockTokens',
  });
export type BlockMaskingOptions = z.output<typeof blockMaskingSchema>;
export type BlockMaskingInput = z.input<typeof blockMaskingSchema>;

/**
 * BEiT's blockwise masking (Bao et al., 2022): rectangles of random area and aspect ratio,
 * placed uniformly, are masked until round(ratio * tokens) tokens are. Blocks may overlap.
 *
 * Exact count: BEiT accepts a rectangle only when the tokens it newly masks fit the remaining
 * budget, so the block phase never overshoots the target; it can stop short, when ten
 * rectangles in a row are rejected (typically with a budget of a few tokens left). BEiT leaves
 * those rows short. Here the shortfall is masked as uniformly random remaining tokens, so every
 * row masks exactly the target and MAE-style models, which need one count per batch, can use
 * this strategy too. Protected tokens inside a rectangle are skipped and do not count.
 *
 * One deliberate difference from BEiT: a block may be as tall or as wide as the grid (BEiT
 * requires strictly smaller), so a one-row grid (a sequence) gets span masking rather than
 * no blocks at all. On a 14x14 grid the change is negligible.
 *
 * Known property (also BEiT's): a block must fit inside the grid, so tokens near the edges and
 * corners are masked less often than central ones.
 */
export class BlockMasking implements MaskingStrategy {
  static readonly className = 'block';
  static readonly description = "BEiT's blockwise masking: random rectangles until round(ratio * tokens) are masked (default ratio 0.4)";
  static readonly optionsSchema = blockMaskingSchema;
  readonly options: BlockMaskingOptions;
  private readonly logAspectRange: [number, number];

  constructor(options: BlockMaskingInput = {}, _ctx?: PartContext) {
    this.options = parseMaskingOptions(blockMaskingSchema, options);
    const { minAspect, maxAspect = 1 / minAspect } = this.options;
    this.logAspectRange = [Math.log(minAspect), Math.log(maxAspect)];
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options };
  }

  check(layout: TokenLayout): void {
    checkTokenGrid(layout, BlockMasking.className);
    checkMaskedCount(this.options.ratio, layout.numTokens, 'tokens');
  }

  sample(request: MaskRequest, rng: Rng): MaskSample {
    checkMaskRequest(request);
    checkTokenGrid(request.layout, BlockMasking.className);
    const { batchSize, layout } = request;
    const { numTokens } = layout;
    const isProtected = request.protected;
    const fullTarget = maskedCount(this.options.ratio, numTokens);
    const maxBlockTokens = this.options.maxBlockTokens ?? Infinity;
    const out = emptyMaskSample(batchSize, numTokens);
    const pool = new Int32Array(numTokens);

    for (let b = 0; b < batchSize; b++) {
      const rowStart = b * numTokens;
      const target = isProtected ? Math.min(fullTarget, eligibleInRow(isProtected, b, numTokens)) : fullTarget;
      let masked = 0;
      while (masked < target) {
        const added = this.placeBlock(out.mask, rowStart, layout.grid, isProtected, Math.min(target - masked, maxBlockTokens), rng);
        if (added === 0) break;
        masked += added;
      }
      if (masked < target) {
        // BEiT would stop short here; top up with uniformly random eligible tokens (see class doc).
        let free = 0;
        for (let i = 0; i < numTokens; i++) {
          if (out.mask[rowStart + i] === 0 && (!isProtected || isProtected[rowStart + i] === 0)) pool[free++] = i;
        }
        const shortfall = target - masked;
        drawSubset(pool, free, shortfall, rng);
        for (let j = 0; j < shortfall; j++) out.mask[rowStart + pool[j]] = 1;
        masked = target;
      }
      out.maskedPerRow[b] = masked;
    }
    return out;
  }

  /**
   * BEiT's `_mask`: up to ten tries at a rectangle whose newly masked tokens number between 1
   * and `budget`. Masks it and returns how many tokens it added, or 0 when every try failed.
   */
  private placeBlock(
    mask: Uint8Array,
    rowStart: number,
    [rows, cols]: [number, number],
    isProtected: Uint8Array | undefined,
    budget: number,
    rng: Rng,
  ): number {
    for (let attempt = 0; attempt < ATTEMPTS_PER_BLOCK; attempt++) {
      // As Python's random.uniform, this also draws from [budget, min] when budget < min.
      const area = rng.uniform(this.options.minBlockTokens, budget);
      const aspect = Math.exp(rng.uniform(this.logAspectRange[0], this.logAspectRange[1]));
      const height = Math.round(Math.sqrt(area * aspect));
      const width = Math.round(Math.sqrt(area / aspect));
      if (height > rows || width > cols) continue;
      const top = rng.int(rows - height + 1);
      const left = rng.int(cols - width + 1);
      let added = 0;
      for (let r = top; r < top + height; r++) {
        for (let c = left; c < left + width; c++) {
          const at = rowStart + r * cols + c;
          if (mask[at] === 0 && (!isProtected || isProtected[at] === 0)) added++;
        }
      }
      if (added === 0 || added > budget) continue;
      for (let r = top; r < top + height; r++) {
        for (let c = left; c < left + width; c++) {
          const at = rowStart + r * cols + c;
          if (!isProtected || isProtected[at] === 0) mask[at] = 1;
        }
      }
      return added;
    }
    return 0;
  }
}
