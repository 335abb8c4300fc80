import type { Rng } from '@mtojs/core';

/**
 * Moves a uniformly random `count`-subset of `pool[0..size)` into `pool[0..count)`: the first
 * `count` steps of a Fisher-Yates shuffle. Every subset is equally likely whatever order the
 * pool starts in, which is the same distribution as MAE's "argsort of uniform noise, keep the
 * first k", at O(count) cost and `count` draws instead of a sort of `size` noise values.
 */
export function drawSubset(pool: Int32Array, size: number, count: number, rng: Rng): void {
  if (count > size) throw new RangeError(`drawSubset: cannot draw ${count} of ${size}`);
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(size - i);
    const picked = pool[j];
    pool[j] = pool[i];
    pool[i] = picked;
  }
}
