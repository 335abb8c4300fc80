import { z } from 'zod';

/** How encode() pools encoder features to one vector: the mean of the (non-padding) tokens, or the CLS token. */
export const poolingSchema = z.enum(['mean', 'cls']);
export type Pooling = z.infer<typeof poolingSchema>;

/**
 * Bounds of the model options: beyond them a config is a typo or a memory bomb, refused before
 * a tensor is allocated. `maxParameters` is the option a user raises for a larger model.
 */
export const MODEL_LIMITS = { width: 16384, depth: 256, mlpRatio: 64, maxParameters: 100_000_000 };

/** Parameters of `depth` transformer blocks of `width` (attention, MLP, norms), the stem aside. */
export function stackParameters(width: number, depth: number, mlpRatio: number): number {
  const hidden = Math.round(width * mlpRatio);
  return depth * (4 * width * width + 4 * width + 2 * width * hidden + hidden + width + 4 * width);
}

/** The encoder options MAE and SimMIM share. */
export const encoderOptionsShape = {
  /** Encoder width (features per token). */
  width: z.number().int().min(1).max(MODEL_LIMITS.width).default(64),
  /** Encoder blocks. */
  depth: z.number().int().min(1).max(MODEL_LIMITS.depth).default(4),
  /** Encoder attention heads; must divide width. */
  heads: z.number().int().min(1).max(MODEL_LIMITS.width).default(4),
  /** MLP hidden width = mlpRatio * width (rounded; at least 1). */
  mlpRatio: z.number().positive().max(MODEL_LIMITS.mlpRatio).default(4),
  /**
   * The most parameters the model may have, checked before anything is allocated (a float32
   * parameter costs 16 bytes in training: the weight, its gradient and Adam's two moments).
   */
  maxParameters: z.number().int().min(1).default(MODEL_LIMITS.maxParameters),
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
  maxParameters: number;
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
  if (Math.round(o.width * o.mlpRatio) < 1) {
    ctx.addIssue({ code: 'custom', path: ['mlpRatio'], message: `mlpRatio ${o.mlpRatio} x width ${o.width} rounds to an MLP of 0 hidden units; expected at least 1` });
  }
  if (o.pooling === 'cls' && !o.cls) {
    ctx.addIssue({ code: 'custom', path: ['pooling'], message: "pooling 'cls' needs cls: true" });
  }
}

/** Refuses a model whose parameter count (the transformer stacks, `extra` aside) passes `maxParameters`. */
export function checkModelSize(parameters: number, maxParameters: number, ctx: z.RefinementCtx): void {
  if (parameters > maxParameters) {
    ctx.addIssue({
      code: 'custom',
      path: ['maxParameters'],
      message: `the model would have about ${parameters.toExponential(2)} parameters (${(parameters * 16 / 2 ** 30).toFixed(1)} GiB to train), more than maxParameters (${maxParameters}); shrink width/depth/mlpRatio, or raise model.maxParameters`,
    });
  }
}
