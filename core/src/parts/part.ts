import type * as tf from '@tensorflow/tfjs-core';
import type { z } from 'zod';
import type { DependencyContainer } from 'tsyringe';
import type { Rng } from '../rng/rng.js';
import type { Initializer } from '../train/initializer.js';
import type { Logger } from '../run/logger.js';

/**
 * Every swappable part (model, adapter, masking strategy, data source, optimizer, schedule,
 * plugin) round-trips through JSON the tfjs-layers way: a static `className` (the name used in
 * configs), a static `optionsSchema` (zod) that validates and defaults its options, and
 * `getConfig()` returning those options.
 */
export interface Configurable {
  getConfig(): Record<string, unknown>;
}

/** What a part's constructor receives beside its options. */
export interface PartContext {
  /** The run's root RNG; take a named stream (`ctx.rng.stream('masking')`), never share one. */
  rng: Rng;
  /** RNG-driven weight initialisers (the same seed gives the same weights). */
  init: Initializer;
  logger: Logger;
  /** The run's child container, to resolve other parts by token. */
  container: DependencyContainer;
  /** Directory that relative paths in options resolve from (the config file's folder); the working directory when absent. */
  baseDir?: string;
}

/** The constructor shape the registry stores. */
export interface PartClass<T = unknown, O = any> {
  new (options: O, ctx: PartContext): T;
  /** The name configs use, e.g. 'random', 'mae', 'adamw'. */
  readonly className: string;
  /** Validates and fills defaults of the options object. */
  readonly optionsSchema: z.ZodType<O>;
  /** One line for `--help` listings. */
  readonly description?: string;
}

/** A trainable variable with a stable name (checkpoints key on it). */
export interface NamedVariable {
  name: string;
  variable: tf.Variable;
  /** Whether decoupled weight decay applies (default: rank >= 2, i.e. not biases, norms or tokens). */
  decay?: boolean;
}

/** A part that owns trainable variables. */
export interface Trainable {
  variables(): NamedVariable[];
}

/** A part that keeps state to save in checkpoints (JSON-serialisable). */
export interface Stateful {
  getState(): unknown;
  setState(state: unknown): void;
}

export function isStateful(x: unknown): x is Stateful {
  return !!x && typeof (x as Stateful).getState === 'function' && typeof (x as Stateful).setState === 'function';
}
