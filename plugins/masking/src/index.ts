import { registry } from '@mtojs/core';
import { RandomMasking } from './random-masking.js';
import { GridMasking } from './grid-masking.js';
import { BlockMasking } from './block-masking.js';
import { BertMasking } from './bert-masking.js';
import { WholeWordMasking } from './whole-word-masking.js';
import { SpanMasking } from './span-masking.js';
import { TimeFrequencyMasking } from './time-frequency-masking.js';
import { SpecAugmentMasking } from './spec-augment-masking.js';

export { RandomMasking, type RandomMaskingOptions, type RandomMaskingInput } from './random-masking.js';
export { GridMasking, type GridMaskingOptions, type GridMaskingInput } from './grid-masking.js';
export { BlockMasking, type BlockMaskingOptions, type BlockMaskingInput } from './block-masking.js';
export { TimeFrequencyMasking, type TimeFrequencyMaskingOptions, type TimeFrequencyMaskingInput } from './time-frequency-masking.js';
export { SpecAugmentMasking, type SpecAugmentMaskingOptions, type SpecAugmentMaskingInput } from './spec-augment-masking.js';
export { fewestEligible, fitRowCount } from './batch-count.js';
export { BertMasking, type BertMaskingOptions, type BertMaskingInput } from './bert-masking.js';
export { WholeWordMasking, type WholeWordMaskingOptions, type WholeWordMaskingInput } from './whole-word-masking.js';
export { SpanMasking, type SpanMaskingOptions, type SpanMaskingInput } from './span-masking.js';
export { applyBertRule, bertRuleShape, checkBertRule, type BertRule } from './bert-rule.js';
export { drawSubset } from './draw-subset.js';
export { emptyMaskSample, checkMaskRequest, eligibleInRow } from './mask-sample.js';
export { maskRatioSchema, maskedCount, checkMaskedCount } from './mask-ratio.js';

// Importing the package (or listing it under `imports:` in a config) makes these names available.
registry.register('masking', RandomMasking);
registry.register('masking', GridMasking);
registry.register('masking', BlockMasking);
registry.register('masking', TimeFrequencyMasking);
registry.register('masking', SpecAugmentMasking);
registry.register('masking', BertMasking);
registry.register('masking', WholeWordMasking);
registry.register('masking', SpanMasking);
