import type * as tf from '@tensorflow/tfjs-core';
import type { Initializer, TokenLayout } from '@mtojs/core';
import { positionalEncoding } from './sincos.js';

/**
 * The fixed sin-cos encodings of a layout's tokens, [N, width], as a non-trainable variable.
 * Not listed in a model's variables(): it is recomputed from the layout, never learned or saved.
 */
export function fixedPositions(init: Initializer, layout: TokenLayout, width: number, optionName: string): tf.Variable {
  const sequence = layout.grid[0] === 1;
  if (width % (sequence ? 2 : 4) !== 0) {
    throw new Error(
      `${optionName} must be divisible by ${sequence ? 2 : 4} for ${sequence ? '1-D' : '2-D'} sin-cos positional encodings, got ${width}`,
    );
  }
  return init.constant(positionalEncoding(layout, width), [layout.numTokens, width]);
}
