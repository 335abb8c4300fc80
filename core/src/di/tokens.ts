import type { InjectionToken } from 'tsyringe';
import type { RunConfig } from '../config/schema.js';
import type { MaskedModel } from '../parts/model.js';
import type { ModalityAdapter } from '../parts/adapter.js';
import type { DataSource } from '../parts/data.js';
import type { MaskingStrategy } from '../parts/masking.js';
import type { TrainerPlugin } from '../parts/plugin.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { LrSchedule } from '../optim/schedule.js';
import type { Logger } from '../run/logger.js';
import type { Rng } from '../rng/rng.js';
import type { TrainerHooks } from '../hooks/trainer-hooks.js';
import type { TrainerEvents } from '../events/events.js';
import type { RunPaths } from '../run/run-dir.js';

/**
 * Injection tokens of a run. Register your own class or instance under one of these in the
 * container passed to `createTrainer` and the run uses it instead of the config's part.
 */
export const TOKENS = {
  Config: Symbol.for('mtojs.Config') as InjectionToken<RunConfig>,
  Model: Symbol.for('mtojs.Model') as InjectionToken<MaskedModel>,
  Adapter: Symbol.for('mtojs.Adapter') as InjectionToken<ModalityAdapter>,
  DataSource: Symbol.for('mtojs.DataSource') as InjectionToken<DataSource>,
  Masking: Symbol.for('mtojs.Masking') as InjectionToken<MaskingStrategy>,
  Optimizer: Symbol.for('mtojs.Optimizer') as InjectionToken<Optimizer>,
  Schedule: Symbol.for('mtojs.Schedule') as InjectionToken<LrSchedule>,
  /** Many: every registration is a plugin (`container.resolveAll`). */
  Plugin: Symbol.for('mtojs.Plugin') as InjectionToken<TrainerPlugin>,
  Logger: Symbol.for('mtojs.Logger') as InjectionToken<Logger>,
  Rng: Symbol.for('mtojs.Rng') as InjectionToken<Rng>,
  Hooks: Symbol.for('mtojs.Hooks') as InjectionToken<TrainerHooks>,
  Events: Symbol.for('mtojs.Events') as InjectionToken<TrainerEvents>,
  /** Where the run writes (null paths when it writes nothing). */
  RunPaths: Symbol.for('mtojs.RunPaths') as InjectionToken<RunPaths>,
} as const;
