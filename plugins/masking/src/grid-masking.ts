import { z } from 'zod';
import { ConfigError, type MaskRequest, type MaskSample, type MaskingStrategy, type PartContext, type Rng, type TokenLayout } from '@mtojs/core';
import { checkMaskedCount, maskedCount, maskRatioSchema } from './mask-ratio.js';
import { checkMaskRequest, eligibleInRow, emptyMaskSample } from './mask-sample.js';
import { drawSubset } from './draw-subset.js';
import { checkTokenGrid } from './token-grid.js';
import { parseMaskingOptions } from './options.js';

const gridMaskingSchema = z.strictObject({
  /** Fraction of the blocks to mask. SimMIM: 0.6. */
  ratio: maskRatioSchema(0.6),
  /** Side of a square masked block, in tokens (SimMIM: a 32 px mask patch over 16 px tokens = 2). */
  maskPatchSize: z.number().int().min(1).default(2),
});
export type GridMaskingOptions = z.output<typeof gridMaskingSchema>;
export type GridMaskingInput = z.input<typeof gridMaskingSchema>;

/**
 * SimMIM's masking (Xie et al., 2022): the token grid is cut into maskPatchSize x
 * maskPatchSize blocks and round(ratio * blocks) blocks, chosen uniformly at random per
 * example, are masked whole. Larger blocks make the task harder to solve by copying neighbours.
 */
export class GridMasking implements MaskingStrategy {
  static readonly className = 'grid';
  static readonly description = "SimMIM's random masking of square token blocks (default ratio 0.6, maskPatchSize 2)";
  static readonly optionsSchema = gridMaskingSchema;
  readonly options: GridMaskingOptions;

  constructor(options: GridMaskingInput = {}, _ctx?: PartContext) {
    this.options = parseMaskingOptions(gridMaskingSchema, options);
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options };
  }

  check(layout: TokenLayout): void {
    checkTokenGrid(layout, GridMasking.className);
    const [rows, cols] = layout.grid;
    const { maskPatchSize, ratio } = this.options;
    if (rows % maskPatchSize !== 0 || cols % maskPatchSize !== 0) {
      throw new ConfigError(`masking.maskPatchSize: ${maskPatchSize} does not divide the ${rows}x${cols} token grid`);
    }
    checkMaskedCount(ratio, (rows / maskPatchSize) * (cols / maskPatchSize), `${maskPatchSize}x${maskPatchSize} blocks`);
  }

  sample(request: MaskRequest, rng: Rng): MaskSample {
    checkMaskRequest(request);
    this.check(request.layout);
    const { batchSize, layout } = request;
    const { numTokens } = layout;
    const cols = layout.grid[1];
    const { maskPatchSize: side, ratio } = this.options;
    const blockCols = cols / side;
    const numBlocks = (layout.grid[0] / side) * blockCols;
    const fullTarget = maskedCount(ratio, numBlocks) * side * side;
    const isProtected = request.protected;
    const out = emptyMaskSample(batchSize, numTokens);
    const blockOrder = new Int32Array(numBlocks);
    const blockTokens = new Int32Array(side * side);

    for (let b = 0; b < batchSize; b++) {
      const rowStart = b * numTokens;
      // Protected tokens inside a chosen block stay visible; further blocks top the count up,
      // so every row still masks the same number of tokens whenever enough are eligible.
      const target = isProtected ? Math.min(fullTarget, eligibleInRow(isProtected, b, numTokens)) : fullTarget;
      let remaining = target;
      for (let i = 0; i < numBlocks; i++) blockOrder[i] = i;
      for (let i = 0; remaining > 0 && i < numBlocks; i++) {
        // One more step of a Fisher-Yates shuffle: blocks come in uniformly random order, and
        // without protected tokens exactly round(ratio * blocks) are drawn.
        const j = i + rng.int(numBlocks - i);
        const block = blockOrder[j];
        blockOrder[j] = blockOrder[i];
        blockOrder[i] = block;
        const top = Math.floor(block / blockCols) * side;
        const left = (block % blockCols) * side;
        let free = 0;
        for (let dr = 0; dr < side; dr++) {
          for (let dc = 0; dc < side; dc++) {
            const token = (top + dr) * cols + left + dc;
            if (!isProtected || isProtected[rowStart + token] === 0) blockTokens[free++] = token;
          }
        }
        // Only with protected tokens can the last block overshoot: mask a random part of it.
        if (free > remaining) {
          drawSubset(blockTokens, free, remaining, rng);
          free = remaining;
        }
        for (let t = 0; t < free; t++) out.mask[rowStart + blockTokens[t]] = 1;
        remaining -= free;
      }
      out.maskedPerRow[b] = target - remaining;
    }
    return out;
  }
}
