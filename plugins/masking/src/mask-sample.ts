import type { MaskRequest, MaskSample } from '@mtojs/core';

/** An all-visible sample for `batchSize` rows of `numTokens` tokens. */
export function emptyMaskSample(batchSize: number, numTokens: number): MaskSample {
  return {
    batchSize,
    numTokens,
    mask: new Uint8Array(batchSize * numTokens),
    maskedPerRow: new Int32Array(batchSize),
  };
}

/**
 * Rejects a malformed request. These are caller bugs (the core or an adapter), not user
 * mistakes, so they are plain RangeErrors.
 */
export function checkMaskRequest(request: MaskRequest): void {
  const { batchSize, layout } = request;
  if (!Number.isInteger(batchSize) || batchSize < 0) throw new RangeError(`mask request: batchSize must be an integer >= 0, got ${batchSize}`);
  if (!Number.isInteger(layout.numTokens) || layout.numTokens < 1) {
    throw new RangeError(`mask request: layout.numTokens must be an integer >= 1, got ${layout.numTokens}`);
  }
  if (request.protected && request.protected.length !== batchSize * layout.numTokens) {
    throw new RangeError(
      `mask request: protected has ${request.protected.length} flags, expected batchSize * numTokens = ${batchSize * layout.numTokens}`,
    );
  }
}

/** Number of tokens of row `row` that may be masked (not protected). */
export function eligibleInRow(isProtected: Uint8Array | undefined, row: number, numTokens: number): number {
  if (!isProtected) return numTokens;
  let eligible = 0;
  const start = row * numTokens;
  for (let i = 0; i < numTokens; i++) if (isProtected[start + i] === 0) eligible++;
  return eligible;
}
