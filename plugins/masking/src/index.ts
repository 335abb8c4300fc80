import { registry } from '@mtojs/core';
import { RandomMasking } from './random-masking.js';
import { GridMasking } from './grid-masking.js';
import { BlockMasking } from './block-masking.js';

export { RandomMasking, type RandomMaskingOptions, type RandomMaskingInput } from './random-masking.js';
export { GridMasking, type GridMaskingOptions, type GridMaskingInput } from './grid-masking.js';
export { BlockMasking, type BlockMaskingOptions, type BlockMaskingInput } from './block-masking.js';
export { drawSubset } from './draw-subset.js';
export { emptyMaskSample, checkMaskRequest, eligibleInRow } from './mask-sample.js';
export { maskRatioSchema, maskedCount, checkMaskedCount } from './mask-ratio.js';

// Importing the package (or listing it under `imports:` in a config) makes these names available.
registry.register('masking', RandomMasking);
registry.register('masking', GridMasking);
registry.register('masking', BlockMasking);
