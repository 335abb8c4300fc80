// The browser entry (`@mtojs/mto` under the `browser` condition): the MTO plugin and its measures;
// `mto analyze` (a command over checkpoints on disk) is Node-only.
import { registry } from '@mtojs/core';
import { MtoPlugin } from './plugin.js';

export * from './roles.js';
export * from './entropy.js';
export * from './heterogeneity.js';
export { attentionJs, meanAttentionRow } from './measures/attention-js.js';
export { entropyGap } from './measures/entropy-gap.js';
export { featureCosine } from './measures/feature-cosine.js';
export { supportEntropyGap } from './measures/support-entropy-gap.js';
export * from './attention-mass.js';
export * from './heterogeneity-losses.js';
export * from './recalibration.js';
export * from './warmup.js';
export * from './options.js';
export * from './diagnostics.js';
export * from './profile.js';
export * from './plugin.js';

registry.register('plugin', MtoPlugin);
