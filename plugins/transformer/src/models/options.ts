import { z } from 'zod';

/** How encode() pools encoder features to one vector: the mean of the (non-padding) tokens, or the CLS token. */
export const poolingSchema = z.enum(['mean', 'cls']);
export type Pooling = z.infer<typeof poolingSchema>;

/** The encoder options MAE and SimMIM share. */
export const encoderOptionsShape = {
  /** Encoder width (features per token). */
  width: z.number().int().min(1).default(64),
  /** Encoder blocks. */
  depth: z.number().int().min(1).default(4),
  /** Encoder attention heads; must divide width. */
  heads: z.number().int().min(1).default(4),
  /** MLP hidden width = mlpRatio * width. */
  mlpRatio: z.number().positive().default(4),
  /** Prepend a learnable CLS token (zero positional encoding, always visible). */
  cls: z.boolean().default(false),
  /** 'mean' excludes CLS and padding; 'cls' needs cls: true. */
  pooling: poolingSchema.default('mean'),
  /**
   * Std of the mask token's truncated-normal initialisation (BEiT/MAE's 0.02). A small mask token
   * starts next to every real token that embeds near the stem's bias (blank image patches), which
   * `mto analyze` reports as a data-singularity collision (docs/mto.md).
   */
  maskTokenStd: z.number().min(0).max(100).default(0.02),
};

export interface EncoderOptions {
  width: number;
  depth: number;
  heads: number;
  mlpRatio: number;
  cls: boolean;
  pooling: Pooling;
  maskTokenStd: number;
}

/** Cross-field checks of the encoder options, reported on the offending field. */
export function checkEncoderOptions(o: EncoderOptions, ctx: z.RefinementCtx): void {
  if (o.width % o.heads !== 0) {
    ctx.addIssue({ code: 'custom', path: ['heads'], message: `heads (${o.heads}) must divide width (${o.width})` });
  }
  if (o.pooling === 'cls' && !o.cls) {
    ctx.addIssue({ code: 'custom', path: ['pooling'], message: "pooling 'cls' needs cls: true" });
  }
}
