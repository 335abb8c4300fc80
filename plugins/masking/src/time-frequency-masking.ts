import { z } from 'zod';
import { ConfigError, type MaskRequest, type MaskSample, type MaskingStrategy, type PartContext, type Rng, type TokenLayout } from '@mtojs/core';
import { maskedCount } from './mask-ratio.js';
import { checkMaskRequest, emptyMaskSample } from './mask-sample.js';
import { drawSubset } from './draw-subset.js';
import { fitRowCount } from './batch-count.js';
import { checkTokenGrid } from './token-grid.js';
import { parseMaskingOptions } from './options.js';

const lineRatio = (defaultRatio: number) => z.number().min(0).lt(1).default(defaultRatio);

const timeFrequencySchema = z
  .strictObject({
    /** Fraction of the time steps (grid columns) masked whole. */
    timeRatio: lineRatio(0.6),
    /** Fraction of the frequency bands (grid rows) masked whole. */
    freqRatio: lineRatio(0.5),
  })
  .refine((o) => o.timeRatio > 0 || o.freqRatio > 0, { path: ['timeRatio'], message: 'timeRatio and freqRatio are both 0: nothing would be masked' });
export type TimeFrequencyMaskingOptions = z.output<typeof timeFrequencySchema>;
export type TimeFrequencyMaskingInput = z.input<typeof timeFrequencySchema>;

/**
 * AudioMAE's 2-D time-frequency masking (Huang et al., *Masked Autoencoders that Listen*, 2022):
 * on a frequency x time token grid (rows = frequency bands, columns = time steps), each example
 * masks round(timeRatio * columns) whole time columns and round(freqRatio * rows) whole
 * frequency rows, chosen uniformly at random; a token is masked when its column or its row is.
 * Without protected tokens every row masks exactly N - (cols - mt) * (rows - mf) tokens.
 *
 * Protected tokens (padding) are never masked. Columns and rows are then drawn among those
 * holding an eligible token (so padded time steps do not use up the time budget), and, so that
 * MAE-style models still get one count per batch, every row is trimmed to the smallest count of
 * the batch by unmasking uniformly random masked tokens (drawn from the same RNG). With padding,
 * the masks are therefore whole lines minus a few random tokens.
 */
export class TimeFrequencyMasking implements MaskingStrategy {
  static readonly className = 'time-frequency';
  static readonly description = "AudioMAE's 2-D masking: whole time columns (timeRatio 0.6) and frequency rows (freqRatio 0.5) of the token grid";
  static readonly optionsSchema = timeFrequencySchema;
  readonly options: TimeFrequencyMaskingOptions;

  constructor(options: TimeFrequencyMaskingInput = {}, _ctx?: PartContext) {
    this.options = parseMaskingOptions(timeFrequencySchema, options);
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options };
  }

  check(layout: TokenLayout): void {
    checkTokenGrid(layout, TimeFrequencyMasking.className);
    const [rows, cols] = layout.grid;
    const mt = maskedCount(this.options.timeRatio, cols);
    const mf = maskedCount(this.options.freqRatio, rows);
    if (mt === 0 && mf === 0) throw new ConfigError(`masking.timeRatio: ${this.options.timeRatio} of ${cols} time columns and freqRatio ${this.options.freqRatio} of ${rows} frequency rows mask nothing; raise one`);
    if (mt === cols || mf === rows) throw new ConfigError(`masking.timeRatio: timeRatio ${this.options.timeRatio} and freqRatio ${this.options.freqRatio} mask every token of the ${rows}x${cols} grid; lower them`);
  }

  sample(request: MaskRequest, rng: Rng): MaskSample {
    checkMaskRequest(request);
    this.check(request.layout);
    const { batchSize, layout } = request;
    const { numTokens } = layout;
    const [rows, cols] = layout.grid;
    const isProtected = request.protected;
    const out = emptyMaskSample(batchSize, numTokens);
    const columnPool = new Int32Array(cols);
    const rowPool = new Int32Array(rows);
    const scratch = new Int32Array(numTokens);
    const eligible = (b: number, r: number, c: number) => !isProtected || isProtected[b * numTokens + r * cols + c] === 0;

    let smallest = numTokens;
    for (let b = 0; b < batchSize; b++) {
      let freeColumns = 0;
      for (let c = 0; c < cols; c++) {
        let any = false;
        for (let r = 0; r < rows && !any; r++) any = eligible(b, r, c);
        if (any) columnPool[freeColumns++] = c;
      }
      let freeRows = 0;
      for (let r = 0; r < rows; r++) {
        let any = false;
        for (let c = 0; c < cols && !any; c++) any = eligible(b, r, c);
        if (any) rowPool[freeRows++] = r;
      }
      // Keep at least one eligible column and row unmasked, so every example shows the encoder something.
      const mt = Math.min(maskedCount(this.options.timeRatio, freeColumns), Math.max(0, freeColumns - 1));
      const mf = Math.min(maskedCount(this.options.freqRatio, freeRows), Math.max(0, freeRows - 1));
      drawSubset(columnPool, freeColumns, mt, rng);
      drawSubset(rowPool, freeRows, mf, rng);
      const start = b * numTokens;
      for (let j = 0; j < mt; j++) for (let r = 0; r < rows; r++) if (eligible(b, r, columnPool[j])) out.mask[start + r * cols + columnPool[j]] = 1;
      for (let j = 0; j < mf; j++) for (let c = 0; c < cols; c++) if (eligible(b, rowPool[j], c)) out.mask[start + rowPool[j] * cols + c] = 1;
      let masked = 0;
      for (let i = 0; i < numTokens; i++) masked += out.mask[start + i];
      out.maskedPerRow[b] = masked;
      smallest = Math.min(smallest, masked);
    }
    // One count per batch: trim rows above the smallest count (a no-op without protected tokens).
    for (let b = 0; b < batchSize; b++) {
      if (out.maskedPerRow[b] > smallest) out.maskedPerRow[b] = fitRowCount(out.mask, b, numTokens, isProtected, smallest, rng, scratch);
    }
    return out;
  }
}
