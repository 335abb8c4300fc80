import type { Rng } from '@mtojs/core';
import { drawSubset } from './draw-subset.js';
import { eligibleInRow } from './mask-sample.js';

/**
 * The fewest eligible (non-protected) tokens of any row of the batch. Strategies that give every
 * row of a batch the same masked count (what MAE-style models need when padding is protected)
 * size their target from it.
 */
export function fewestEligible(isProtected: Uint8Array | undefined, batchSize: number, numTokens: number): number {
  if (!isProtected) return numTokens;
  let fewest = numTokens;
  for (let b = 0; b < batchSize; b++) fewest = Math.min(fewest, eligibleInRow(isProtected, b, numTokens));
  return fewest;
}

/**
 * Brings row `row` of `mask` to exactly `target` masked tokens: when it has more, a uniformly
 * random subset of its masked tokens is unmasked; when it has fewer, a uniformly random subset of
 * its visible eligible tokens is masked. Draws from `rng` only when a change is needed.
 * `pool` is scratch space of at least `numTokens`. Returns the row's masked count (target, or
 * every eligible token when fewer are eligible).
 */
export function fitRowCount(
  mask: Uint8Array,
  row: number,
  numTokens: number,
  isProtected: Uint8Array | undefined,
  target: number,
  rng: Rng,
  pool: Int32Array,
): number {
  const start = row * numTokens;
  let masked = 0;
  for (let i = 0; i < numTokens; i++) masked += mask[start + i];
  if (masked > target) {
    let size = 0;
    for (let i = 0; i < numTokens; i++) if (mask[start + i]) pool[size++] = i;
    drawSubset(pool, size, masked - target, rng);
    for (let j = 0; j < masked - target; j++) mask[start + pool[j]] = 0;
    return target;
  }
  if (masked < target) {
    let size = 0;
    for (let i = 0; i < numTokens; i++) if (!mask[start + i] && (!isProtected || !isProtected[start + i])) pool[size++] = i;
    const add = Math.min(target - masked, size);
    drawSubset(pool, size, add, rng);
    for (let j = 0; j < add; j++) mask[start + pool[j]] = 1;
    return masked + add;
  }
  return masked;
}
