// The Node entry: everything that runs anywhere (./browser.ts) plus what needs Node: the trainer
// and its run directories, checkpoints on disk, file-system helpers, backend loading and the CLI.
import 'reflect-metadata';
import './backend/gradients.js';

export * from './browser.js';
export * from './util/fs-atomic.js';
export * from './config/load.js';
export * from './config/config-text.js';
export * from './backend/resolve-backend.js';
export * from './checkpoint/checkpoint.js';
export * from './checkpoint/checkpoint-schema.js';
export * from './node/png.js';
export * from './node/artifact-writer.js';
export * from './run/run-dir.js';
export * from './run/metrics-writer.js';
export * from './train/trainer.js';
export * from './train/heldout-loss.js';
export * from './train/resume-message.js';
export * from './di/create-trainer.js';
export * from './node/trainer-from-config.js';
export { DataParallel, resolveWorkerCount, type DataParallelOptions } from './node/workers/data-parallel.js';
export type { Shard, ShardShares, ShardGradients } from './train/shard-batch.js';
export * from './run/progress.js';
export * from './cli/commands.js';
export * from './cli/log-options.js';
export * from './cli/imports.js';
export * from './cli/export-command.js';
export { main as runCli } from './cli/main.js';
export * from './data/folders.js';
export * from './node/data-path.js';
export * from './node/run-lock.js';
export * from './node/fs-errors.js';
export * from './node/encoder-files.js';
// The Node entry's loadEncoder also takes folder paths (the browser entry's: URLs and tf.io handlers).
export { loadEncoder } from './node/encoder-files.js';
