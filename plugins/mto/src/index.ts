import { registerCommand, registry } from '@mtojs/core';
import { MtoPlugin } from './plugin.js';
import { analyzeCommand } from './analyze/analyze-command.js';

export * from './roles.js';
export * from './entropy.js';
export * from './heterogeneity.js';
export { attentionJs, meanAttentionRow } from './measures/attention-js.js';
export { entropyGap } from './measures/entropy-gap.js';
export { featureCosine } from './measures/feature-cosine.js';
export * from './attention-mass.js';
export * from './heterogeneity-losses.js';
export * from './recalibration.js';
export * from './warmup.js';
export * from './options.js';
export * from './diagnostics.js';
export * from './profile.js';
export * from './plugin.js';
export * from './analyze/analysis-report.js';
export * from './analyze/analyze-trainer.js';
export * from './analyze/mixing-input.js';
export * from './analyze/mixing-layers.js';
export * from './analyze/spatial-randomness.js';
export * from './analyze/substitutional-consistency.js';
export * from './analyze/data-singularity.js';
export { chiSquareUpperTail, normalUpperTail } from './analyze/normal-tail.js';
export { formatReport } from './analyze/format-report.js';
export { checkpointRunConfig, type ResolvedRunConfig } from './analyze/checkpoint-run-config.js';
export { analyzeCommand, ANALYZE_USAGE } from './analyze/analyze-command.js';

registry.register('plugin', MtoPlugin);
// `mto analyze`: the CLI imports this package at start, so the command is there when installed.
registerCommand(analyzeCommand);
