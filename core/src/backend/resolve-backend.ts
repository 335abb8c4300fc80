import * as tf from '@tensorflow/tfjs-core';
import type { Logger } from '../run/logger.js';
import { RunFailure, UserError } from '../util/errors.js';
import { installWasmKernels } from './wasm-kernels.js';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export type BackendRequest = BackendName | 'auto';

/** Loads a module by name (throws when it is not installed). Injected in tests. */
export type ModuleLoader = (name: string) => unknown;

/** The tensor API a resolver drives; the real one is tfjs-core's engine. Injected in tests. */
export interface BackendEngine {
  findBackend(name: string): unknown;
  setBackend(name: string): Promise<boolean>;
  getBackend(): string | undefined;
}

export interface BackendResolution {
  backend: BackendName;
  /** Why each earlier candidate was skipped, in order. */
  skipped: { backend: BackendName; reason: string }[];
  /** The one-line summary that is logged. */
  line: string;
}

// The native bindings are optional peers: tried in this order, used when installed and loadable.
const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

function reasonOf(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'MODULE_NOT_FOUND' || /Cannot find module/.test(String(err?.message))) return 'not installed';
  return String(err?.message ?? e).split('\n')[0];
}

async function tryTensorflow(load: ModuleLoader, engine: BackendEngine): Promise<string | null> {
  const reasons: string[] = [];
  for (const pkg of NATIVE_PACKAGES) {
    try {
      load(pkg);
    } catch (e) {
      reasons.push(`${pkg} ${reasonOf(e)}`);
      continue;
    }
    if (!engine.findBackend('tensorflow')) {
      reasons.push(`${pkg} loaded but registered its backend with another copy of @tensorflow/tfjs-core (align the versions)`);
      continue;
    }
    try {
      if (await engine.setBackend('tensorflow')) return null;
      reasons.push(`${pkg}: the backend failed to initialise`);
    } catch (e) {
      reasons.push(`${pkg}: ${reasonOf(e)}`);
    }
  }
  return reasons.join('; ');
}

async function tryRegistered(name: 'wasm' | 'cpu', pkg: string, load: ModuleLoader, engine: BackendEngine): Promise<string | null> {
  try {
    load(pkg);
  } catch (e) {
    return `${pkg} ${reasonOf(e)}`;
  }
  try {
    if (await engine.setBackend(name)) {
      if (name === 'wasm') installWasmKernels();
      return null;
    }
    return `${pkg}: the backend failed to initialise`;
  } catch (e) {
    return `${pkg}: ${reasonOf(e)}`;
  }
}

/**
 * Picks the tensor backend: tensorflow (tfjs-node-gpu, then tfjs-node), then wasm, then cpu;
 * or exactly the one requested. Logs one line saying which runs and why earlier ones were
 * skipped. A requested backend that cannot start is a UserError.
 */
export async function resolveBackend(
  request: BackendRequest = 'auto',
  opts: { load?: ModuleLoader; engine?: BackendEngine; logger?: Logger } = {},
): Promise<BackendResolution> {
  const load = opts.load ?? ((name: string) => require(name));
  const engine: BackendEngine = opts.engine ?? {
    findBackend: (n) => tf.findBackend(n),
    setBackend: (n) => tf.setBackend(n),
    getBackend: () => tf.getBackend(),
  };
  const candidates: BackendName[] = request === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [request];
  const skipped: { backend: BackendName; reason: string }[] = [];
  for (const c of candidates) {
    const reason =
      c === 'tensorflow'
        ? await tryTensorflow(load, engine)
        : c === 'wasm'
          ? await tryRegistered('wasm', '@tensorflow/tfjs-backend-wasm', load, engine)
          : await tryRegistered('cpu', '@tensorflow/tfjs-backend-cpu', load, engine);
    if (reason === null) {
      const why = skipped.length ? ` (skipped ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')})` : request === 'auto' ? '' : ' (requested)';
      const line = `backend: ${c}${why}`;
      opts.logger?.info(line);
      return { backend: c, skipped, line };
    }
    skipped.push({ backend: c, reason });
  }
  const detail = skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ');
  // A backend asked for by name is the config's to change (exit 2); none at all is the installation's failure (exit 1).
  if (request === 'auto') throw new RunFailure(`no tensor backend could start (${detail})`);
  throw new UserError(`backend '${request}' cannot start: ${detail}`);
}
