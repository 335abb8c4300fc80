import { registerCommand } from '@mtojs/core';
import { analyzeCommand } from './analyze/analyze-command.js';

export * from './browser.js';
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

// The Node entry: the browser entry (the 'mto' plugin) plus `mto analyze`, which the CLI finds
// because it imports this package at start.
registerCommand(analyzeCommand);
