import type { Configurable } from './part.js';
import type { Rng } from '../rng/rng.js';
import type { TokenLayout } from './adapter.js';

/** What a masking strategy is asked for. */
export interface MaskRequest {
  batchSize: number;
  layout: TokenLayout;
  /**
   * Optional [B * N] flags: 1 where a token must never be masked (padding, special tokens).
   * Strategies must honour it.
   */
  protected?: Uint8Array;
  /** Optional [B * N] token ids, for discrete layouts: strategies that swap in random tokens (BERT) or read words use them. */
  tokens?: Int32Array;
  /** Optional [B * N] flags: 1 where a token starts a word (whole-word masking); 0 for '##' continuations. */
  wordStarts?: Uint8Array;
}

/**
 * A batch of masks as plain arrays (strategies work in JS; the core turns them into tensors).
 * Row-major: element b * N + i is token i of example b.
 */
export interface MaskSample {
  batchSize: number;
  numTokens: number;
  /**
   * [B * N] 1 = masked: the positions whose input is replaced by the model's shared mask token
   * ([MASK] for text). This is what MTO calls masked, and what MAE-style models gather on.
   */
  mask: Uint8Array;
  /**
   * Optional [B * N] 1 = predicted by the loss. Defaults to `mask`. BERT's rule predicts more
   * positions than it masks: the selected tokens that were replaced by a random token or kept
   * unchanged are targets with mask = 0.
   */
  target?: Uint8Array;
  /**
   * Optional [B * N] replacement ids for discrete inputs: at a position with target = 1 and
   * mask = 0, the id the model is fed instead of the original, or -1 to keep the original.
   * Ignored elsewhere. The trainer applies it to `PreparedBatch.tokenIds` before the forward pass.
   */
  replaceIds?: Int32Array;
  /** Number of masked tokens in each row. */
  maskedPerRow: Int32Array;
}

/**
 * Chooses which tokens to hide. Strategies draw only from the RNG they are given, so a seed
 * reproduces every mask.
 */
export interface MaskingStrategy extends Configurable {
  /** Validate the strategy against the token layout once (e.g. grid sizes must divide). Throws a UserError. */
  check?(layout: TokenLayout): void;
  sample(request: MaskRequest, rng: Rng): MaskSample;
}
