import type * as tf from '@tensorflow/tfjs-core';
import type { TrainerHooks } from '../hooks/trainer-hooks.js';
import type { TrainerEvents } from '../events/events.js';
import type { MaskedModel } from '../parts/model.js';
import type { ModalityAdapter, TokenLayout } from '../parts/adapter.js';
import type { MaskingStrategy } from '../parts/masking.js';
import type { DataSource } from '../parts/data.js';
import type { Logger } from '../run/logger.js';
import type { RunConfig } from '../config/schema.js';
import type { RunPaths } from '../run/run-dir.js';

/** What a plugin sees of the trainer when it is applied. */
export interface PluginHost {
  readonly hooks: TrainerHooks;
  readonly events: TrainerEvents;
  readonly model: MaskedModel;
  readonly adapter: ModalityAdapter;
  readonly masking: MaskingStrategy;
  readonly data: DataSource;
  readonly layout: TokenLayout;
  readonly config: RunConfig;
  readonly logger: Logger;
  readonly paths: RunPaths;
  /**
   * Reports a scalar computed inside the step (e.g. a diagnostic). The trainer keeps the tensor,
   * reads it after the step with the losses, logs it under `name` and disposes it. Call it only
   * from hooks, and only on steps where `wantsMetrics(step)` is true to keep steps cheap.
   */
  report(name: string, value: tf.Scalar): void;
  /** True on steps whose metrics are written (every `trainer.logEvery` steps). */
  wantsMetrics(step: number): boolean;
  /** Asks the trainer to stop after the current step (early stopping). */
  requestStop(reason: string): void;
}
