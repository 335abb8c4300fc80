import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@mtojs/core';

export interface AugmentOptions {
  /** Largest translation in pixels along each axis; uncovered pixels are filled with 0. */
  maxShift: number;
  /** Mirror left-right with probability 1/2. */
  flip: boolean;
}

/**
 * Random translation (and optional horizontal flip) of each image of a batch [B, H, W, C].
 * Offsets are drawn in JS from `rng`, per example in batch order (dy, dx, then flip), so the
 * same seed gives the same augmented batches on every backend.
 */
export function augmentImages(images: tf.Tensor4D, options: AugmentOptions, rng: Rng): tf.Tensor4D {
  const [B, H, W, C] = images.shape;
  const s = options.maxShift;
  if (B === 0 || (s === 0 && !options.flip)) return tf.clone(images);
  const draws: { dy: number; dx: number; flip: boolean }[] = [];
  for (let b = 0; b < B; b++) {
    const dy = s > 0 ? rng.int(2 * s + 1) - s : 0;
    const dx = s > 0 ? rng.int(2 * s + 1) - s : 0;
    const flip = options.flip ? rng.random() < 0.5 : false;
    draws.push({ dy, dx, flip });
  }
  return tf.tidy(() => {
    const padded = s > 0 ? tf.pad(images, [[0, 0], [s, s], [s, s], [0, 0]]) : images;
    const shifted = draws.map(({ dy, dx, flip }, b) => {
      // Output pixel (y, x) is input pixel (y - dy, x - dx): start the window at s - dy.
      const one = tf.slice(padded, [b, s - dy, s - dx, 0], [1, H, W, C]);
      return flip ? tf.reverse(one, 2) : one;
    });
    return tf.concat(shifted, 0) as tf.Tensor4D;
  });
}
