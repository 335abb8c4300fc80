/**
 * The entry point for bundlers and browsers (`@mtojs/core` under the `browser` condition): what
 * runs anywhere, with no Node built-ins. Parts, hooks, events, the registry, config schemas,
 * optimisers, probes, ops and models' building blocks are here; the trainer's run directories,
 * checkpoints on disk, file data sources, backends' native loading and the CLI are Node-only and
 * live in the Node entry (`index.ts`), which re-exports everything here.
 */
import 'reflect-metadata';

export * from './rng/rng.js';
export * from './util/errors.js';
export * from './util/did-you-mean.js';
export * from './hooks/ordering.js';
export * from './hooks/hook.js';
export * from './hooks/trainer-hooks.js';
export * from './events/events.js';
export * from './parts/part.js';
export * from './parts/data.js';
export * from './parts/masking.js';
export * from './parts/adapter.js';
export * from './parts/model.js';
export * from './parts/plugin.js';
export * from './parts/options.js';
export * from './parts/linear-stem.js';
export * from './registry/registry.js';
export * from './config/schema.js';
export * from './config/overrides.js';
export * from './config/zod-format.js';
export * from './train/mask-batch.js';
export * from './train/initializer.js';
export * from './train/plugin-host.js';
export * from './optim/optimizer.js';
export * from './optim/adam.js';
export * from './optim/sgd.js';
export * from './optim/clip.js';
export * from './optim/schedule.js';
export * from './eval/eval-context.js';
export * from './eval/rgba-image.js';
export * from './eval/features.js';
export * from './eval/knn.js';
export * from './eval/linear-probe.js';
export * from './eval/probes.js';
export * from './eval/few-labels.js';
export * from './eval/classifier-head.js';
export * from './eval/finetune.js';
export * from './optim/layer-decay.js';
export * from './run/logger.js';
export * from './di/tokens.js';
export * from './builtins.js';
export * from './ops/affine.js';
export * from './backend/wasm-kernels.js';
export * from './ops/gather-rows.js';
export * from './data/splits.js';
export * from './version.js';
export * from './encoder/format.js';
export * from './encoder/encoder.js';
export * from './encoder/export.js';
export * from './encoder/load.js';
