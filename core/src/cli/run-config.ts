import { loadConfig, validateParts } from '../config/load.js';
import { resolveBackend, type BackendRequest } from '../backend/resolve-backend.js';
import type { RunConfig } from '../config/schema.js';
import type { Logger } from '../run/logger.js';
import { UserError } from '../util/errors.js';
import { importBuiltins, importConfigured } from './imports.js';

export const BACKEND_CHOICES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;

/**
 * A config file as the commands use it: read with `--set` overrides, the installed first-party
 * packages and the config's `imports:` loaded (so its part names resolve), then the parts'
 * options validated. Nothing is created on disk.
 */
export async function loadRunConfig(path: string, sets: string[], logger?: Logger): Promise<{ config: RunConfig; baseDir: string }> {
  const loaded = loadConfig(path, sets);
  await importBuiltins(logger);
  await importConfigured(loaded.config.imports, loaded.baseDir, path);
  return { config: validateParts(loaded.config, path), baseDir: loaded.baseDir };
}

/** Selects the backend a command runs on: `override` (--backend) or the config's `backend`. */
export async function useRunBackend(config: RunConfig, override: string | undefined, logger: Logger): Promise<void> {
  const request = override ?? config.backend;
  if (!(BACKEND_CHOICES as readonly string[]).includes(request)) {
    throw new UserError(`--backend: unknown backend '${request}'; expected one of ${BACKEND_CHOICES.join(', ')}`, 2);
  }
  await resolveBackend(request as BackendRequest, { logger });
}
