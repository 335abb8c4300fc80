import { resolve } from 'node:path';
import type { DependencyContainer } from 'tsyringe';
import { checkParts, checkTopLevel, readConfigFile } from '../config/load.js';
import type { RunConfig, RunConfigInput } from '../config/schema.js';
import { resolveBackend, type BackendRequest, type BackendResolution } from '../backend/resolve-backend.js';
import { createTrainer } from '../di/create-trainer.js';
import { absoluteImports, importBuiltins, importConfigured } from '../cli/imports.js';
import { ConsoleLogger, type Logger } from '../run/logger.js';
import type { Registry } from '../registry/registry.js';
import { ConfigError, UserError } from '../util/errors.js';
import type { Trainer } from '../train/trainer.js';

/** A run config as a YAML/JSON file path, or as an object in the config file's shape. */
export type ConfigSource = string | RunConfigInput | Record<string, unknown>;

export interface PrepareRunConfigOptions {
  /** `--set KEY=VALUE` overrides, applied before validation (e.g. `['trainer.epochs=3']`). */
  set?: string[];
  /**
   * Where relative `imports:` and data paths resolve from. Default: the config file's folder
   * for a path, the working directory for an object.
   */
  baseDir?: string;
  logger?: Logger;
  registry?: Registry;
  /** Names an object config in error messages (default 'config'; a file is named by its path). */
  source?: string;
}

/** A validated run config, every part it names registered. */
export interface PreparedRunConfig {
  /** Validated, with every part's options defaulted, and `imports` made absolute (see `absoluteImports`). */
  config: RunConfig;
  /** Where relative paths in part options resolve from. */
  baseDir: string;
  /** The config file, or null for an object. */
  file: string | null;
  /** Names the config in messages: the file as given, or 'config'. */
  source: string;
}

/**
 * What `mto train` does before building a run: reads the config (file or object), applies
 * overrides, imports the installed first-party part packages and the config's `imports:`
 * (files relative to `baseDir`, packages as `import()` resolves them), and validates every
 * part's name and options. Throws ConfigError / UserError (one line, exit code 2) on bad input;
 * nothing is written.
 */
export async function prepareRunConfig(source: ConfigSource, opts: PrepareRunConfigOptions = {}): Promise<PreparedRunConfig> {
  let input: Record<string, unknown>;
  let baseDir: string;
  let file: string | null = null;
  let label: string;
  if (typeof source === 'string') {
    file = resolve(source);
    input = readConfigFile(file);
    baseDir = opts.baseDir ? resolve(opts.baseDir) : resolve(file, '..');
    label = source;
  } else {
    if (source === null || typeof source !== 'object' || Array.isArray(source)) {
      throw new UserError(`config: expected a file path or an object of fields (name, data, adapter, masking, model, ...), got ${Array.isArray(source) ? 'an array' : typeof source}`, 2);
    }
    input = structuredClone(source) as Record<string, unknown>;
    label = opts.source ?? 'config';
    baseDir = resolve(opts.baseDir ?? process.cwd());
  }
  // Every problem of the config is reported in one pass: the overrides', the top level's and
  // every part's. Parts are checked even when the top level has problems (the imports that
  // register them permitting), so one mistake does not hide the next.
  const top = checkTopLevel(input, opts.set ?? [], label);
  const issues = [...top.issues];
  await importBuiltins(opts.logger);
  const imports = top.config?.imports ?? (Array.isArray(input.imports) && input.imports.every((i) => typeof i === 'string' && i !== '') ? (input.imports as string[]) : []);
  try {
    await importConfigured(imports, baseDir, label);
  } catch (e) {
    // Without the imports, the parts they register would read as unknown names: stop here.
    if (e instanceof UserError && issues.length) throw new ConfigError([...issues, ...e.message.split('\n')]);
    throw e;
  }
  const parts = checkParts(top.config ?? input, label, opts.registry, top.switches);
  issues.push(...parts.issues);
  if (issues.length || !top.config) throw new ConfigError(issues);
  for (const note of parts.notes) opts.logger?.warn(note);
  const config = parts.config as RunConfig;
  opts.logger?.debug(
    `${label}: valid (${(opts.set ?? []).length} --set); data ${config.data.name}, adapter ${config.adapter.name}, masking ${config.masking.name}, ` +
      `model ${config.model.name}, optimizer ${config.optimizer.name}, schedule ${config.schedule.name}, plugins ${config.plugins.map((p) => p.name).join(', ') || 'none'}`,
  );
  config.imports = absoluteImports(config.imports, baseDir);
  return { config, baseDir, file, source: label };
}

const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'];

/** Checks a backend name (the config's or a `--backend` flag's) and starts that backend. */
export async function startBackend(request: string, logger?: Logger): Promise<BackendResolution> {
  if (!BACKENDS.includes(request)) {
    throw new UserError(`--backend: unknown backend '${request}'; expected one of ${BACKENDS.join(', ')}`, 2);
  }
  return resolveBackend(request as BackendRequest, { logger });
}

export interface FromConfigOptions extends PrepareRunConfigOptions {
  /**
   * Where the run writes (config-independent path, or a function of the validated config,
   * called after validation and before the trainer is built). null or absent: nothing is written.
   */
  outDir?: string | null | ((config: RunConfig) => string | null);
  /** Overrides the config's `backend`. */
  backend?: BackendRequest;
  /** Parent DI container: a part registered in it under a TOKENS entry replaces the config's. */
  container?: DependencyContainer;
}

/**
 * The programmatic `mto train`: prepares the config (`prepareRunConfig`), starts the config's
 * backend (or `opts.backend`), and builds the trainer through a child DI container. Call
 * `await trainer.fit()` (it sets up first) and `trainer.dispose()` when done.
 */
export async function trainerFromConfig(source: ConfigSource, opts: FromConfigOptions = {}): Promise<Trainer> {
  const logger = opts.logger ?? new ConsoleLogger();
  const prepared = await prepareRunConfig(source, { ...opts, logger });
  await startBackend(opts.backend ?? prepared.config.backend, logger);
  const outDir = typeof opts.outDir === 'function' ? opts.outDir(prepared.config) : (opts.outDir ?? null);
  return createTrainer(prepared.config, {
    container: opts.container,
    outDir: outDir === null ? null : resolve(outDir),
    logger,
    registry: opts.registry,
    baseDir: prepared.baseDir,
  });
}
