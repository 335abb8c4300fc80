import 'reflect-metadata';
import { container as rootContainer, instanceCachingFactory, type DependencyContainer, type InjectionToken } from 'tsyringe';
import { TOKENS } from './tokens.js';
import type { RunConfig } from '../config/schema.js';
import { registry as defaultRegistry, type Registry, type PartKind, type ComponentConfig } from '../registry/registry.js';
import { Rng } from '../rng/rng.js';
import { Initializer } from '../train/initializer.js';
import { TrainerHooks } from '../hooks/trainer-hooks.js';
import { TrainerEvents } from '../events/events.js';
import { ConsoleLogger, type Logger } from '../run/logger.js';
import { runPaths, type RunPaths } from '../run/run-dir.js';
import type { PartContext } from '../parts/part.js';
import type { TrainerPlugin } from '../parts/plugin.js';
import { Trainer } from '../train/trainer.js';
import { recordReplicaSource } from '../node/workers/replica-source.js';
import '../builtins.js';

export interface CreateTrainerOptions {
  /**
   * Parent container. Anything registered in it under a TOKENS entry replaces the config's
   * part (a user's own model class, a pre-built data source, extra plugins).
   */
  container?: DependencyContainer;
  /** Where the run writes; null (the default) writes nothing. */
  outDir?: string | null;
  logger?: Logger;
  registry?: Registry;
  /** Where relative paths in part options resolve from (the CLI passes the config file's folder). */
  baseDir?: string;
}

/**
 * Builds a run from a validated config through a child DI container: each part is resolved
 * from the container (a user registration wins) or constructed from the registry by the name
 * the config gives.
 */
export function createTrainer(config: RunConfig, opts: CreateTrainerOptions = {}): Trainer {
  const reg = opts.registry ?? defaultRegistry;
  const c = (opts.container ?? rootContainer).createChildContainer();
  const rng = new Rng(config.seed);
  const logger = opts.logger ?? new ConsoleLogger();
  const paths: RunPaths = runPaths(opts.outDir ?? null);
  c.register(TOKENS.Config, { useValue: config });
  c.register(TOKENS.Rng, { useValue: rng });
  if (!c.isRegistered(TOKENS.Logger, true)) c.register(TOKENS.Logger, { useValue: logger });
  c.register(TOKENS.Hooks, { useValue: new TrainerHooks() });
  c.register(TOKENS.Events, { useValue: new TrainerEvents() });
  c.register(TOKENS.RunPaths, { useValue: paths });
  const ctx: PartContext = { rng, init: new Initializer(rng.stream('init')), logger: c.resolve(TOKENS.Logger), container: c, baseDir: opts.baseDir };
  const parts: [InjectionToken<unknown>, PartKind, ComponentConfig][] = [
    [TOKENS.DataSource, 'data', config.data as ComponentConfig],
    [TOKENS.Adapter, 'adapter', config.adapter as ComponentConfig],
    [TOKENS.Masking, 'masking', config.masking as ComponentConfig],
    [TOKENS.Model, 'model', config.model as ComponentConfig],
    [TOKENS.Optimizer, 'optimizer', config.optimizer as ComponentConfig],
    [TOKENS.Schedule, 'schedule', config.schedule as ComponentConfig],
  ];
  // Parts the caller's container supplies cannot be rebuilt in a worker thread (trainer.workers).
  const supplied: string[] = [];
  for (const [token, kind, comp] of parts) {
    if (c.isRegistered(token, true)) {
      supplied.push(kind);
      continue;
    }
    c.register(token, { useFactory: instanceCachingFactory(() => reg.create(kind, comp, ctx, kind)) });
  }
  // Plugins: the parent's registrations (if any) plus the config's list, in config order.
  const inherited: TrainerPlugin[] = c.isRegistered(TOKENS.Plugin, true) ? c.resolveAll(TOKENS.Plugin) : [];
  const fromConfig = config.plugins.map((p, i) => reg.create<TrainerPlugin>('plugin', p as ComponentConfig, ctx, `plugins.${i}`));
  for (const p of [...inherited, ...fromConfig]) c.register(TOKENS.Plugin, { useValue: p });
  if (inherited.length) supplied.push(`${inherited.length} plugin(s)`);
  const trainer = c.resolve(Trainer);
  recordReplicaSource(
    trainer,
    supplied.length ? { reason: `the DI container supplies its ${supplied.join(', ')}` } : { config, baseDir: opts.baseDir ?? process.cwd() },
  );
  return trainer;
}
