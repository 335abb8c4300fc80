import type { RunConfig } from '../../config/schema.js';
import type { Trainer } from '../../train/trainer.js';

/**
 * How a trainer was built, so that a worker thread can build the same run: from the config
 * alone (registry parts, `imports:`), relative paths resolving from `baseDir`. Absent (with
 * the reason) when a part came from the caller's DI container, which cannot cross to a thread.
 */
export type ReplicaSource = { config: RunConfig; baseDir: string } | { reason: string };

const sources = new WeakMap<Trainer, ReplicaSource>();

/** Recorded by `createTrainer` for every trainer it builds. */
export function recordReplicaSource(trainer: Trainer, source: ReplicaSource): void {
  sources.set(trainer, source);
}

export function replicaSourceOf(trainer: Trainer): ReplicaSource {
  return sources.get(trainer) ?? { reason: 'it was not built by createTrainer or Trainer.fromConfig' };
}
