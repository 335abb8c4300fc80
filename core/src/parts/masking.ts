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
}

/**
 * A batch of masks as plain arrays (strategies work in JS; the core turns them into tensors).
 * Row-major: element b * N + i is token i of example b.
 */
export interface MaskSample {
  batchSize: number;
  numTokens: number;
  /** [B * N] 1 = masked. */
  mask: Uint8Array;
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
