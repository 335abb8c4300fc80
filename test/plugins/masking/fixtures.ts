import { container } from 'tsyringe';
import { Initializer, MemoryLogger, Rng, type MaskSample, type PartContext, type TokenLayout } from '@mtojs/core';

/** A token layout of a rows x cols grid (the values other than numTokens and grid do not matter to masking). */
export function gridLayout(rows: number, cols: number): TokenLayout {
  return { numTokens: rows * cols, tokenDim: 16, targetDim: 16, grid: [rows, cols], discrete: false };
}

/** A complete PartContext, as the trainer builds one, for `registry.create`. */
export function partContext(seed = 0): PartContext {
  const rng = new Rng(seed);
  return { rng, init: new Initializer(rng.stream('init')), logger: new MemoryLogger(), container: container.createChildContainer() };
}

/** Masked tokens of row `b`, counted from the mask itself. */
export function countRow(sample: MaskSample, b: number): number {
  let n = 0;
  for (let i = 0; i < sample.numTokens; i++) n += sample.mask[b * sample.numTokens + i];
  return n;
}

/** How often each token position was masked over the batch. */
export function positionCounts(sample: MaskSample): Float64Array {
  const counts = new Float64Array(sample.numTokens);
  for (let b = 0; b < sample.batchSize; b++) for (let i = 0; i < sample.numTokens; i++) counts[i] += sample.mask[b * sample.numTokens + i];
  return counts;
}

/** Random protected flags: each token protected with probability `p` (seeded). */
export function randomProtected(batchSize: number, numTokens: number, p: number, seed: number): Uint8Array {
  const rng = new Rng(seed, 'protected');
  const flags = new Uint8Array(batchSize * numTokens);
  for (let i = 0; i < flags.length; i++) flags[i] = rng.random() < p ? 1 : 0;
  return flags;
}
