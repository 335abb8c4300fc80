import { resolveBackend, type BackendRequest } from '../backend/resolve-backend.js';
import { UserError } from '../util/errors.js';
import type { Logger } from '../run/logger.js';

const BACKENDS: readonly string[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

/** Checks a backend name (from --backend or the config's `backend`) and makes it the tfjs backend. */
export async function useBackend(name: string, logger: Logger): Promise<void> {
  if (!BACKENDS.includes(name)) throw new UserError(`--backend: unknown backend '${name}'; expected one of ${BACKENDS.join(', ')}`, 2);
  await resolveBackend(name as BackendRequest, { logger });
}
