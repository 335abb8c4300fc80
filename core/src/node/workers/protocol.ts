import type { RunConfig } from '../../config/schema.js';
import type { TrainingState } from '../../checkpoint/checkpoint.js';
import { ConfigError, NonFiniteLossError, RunFailure, UserError } from '../../util/errors.js';

/** What a worker thread is started with (its `workerData`). */
export interface WorkerInit {
  rank: number;
  ranks: number;
  config: RunConfig;
  baseDir: string;
  /** The backend the main thread runs ('wasm' or 'cpu'). */
  backend: string;
  /** Modules to import before the run is built (files or packages, absolute): they register parts. */
  imports: string[];
  /** The parameters, in the trainer's order, as the main thread built them. */
  params: { name: string; shape: number[] }[];
  /** Gradient slots: float32 [2 (step parity)][ranks][total parameter size]. */
  grads: SharedArrayBuffer;
}

/** A tensor crossing threads by value (state sync). */
export interface TensorCopy {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

/** Main thread -> worker. */
export type ToWorker =
  | { type: 'sync'; state: TrainingState; tensors: TensorCopy[] }
  | { type: 'step'; step: number; epoch: number; indices: Int32Array }
  | { type: 'apply'; step: number; lr: number; used: Uint8Array }
  | { type: 'digest' }
  | { type: 'ping' }
  | { type: 'event'; name: ForwardedEvent; payload: unknown };

/** The trainer events the main thread forwards to the workers, so that plugins listening there see what they would see in one process. */
export const FORWARDED_EVENTS = ['fitStart', 'epochStart', 'batchStart', 'batchEnd', 'epochEnd', 'evalEnd', 'checkpointSaved', 'fitEnd'] as const;
export type ForwardedEvent = (typeof FORWARDED_EVENTS)[number];

/** Worker -> main thread. */
export type FromWorker =
  | { type: 'built'; digest: { name: string; hash: number }[] }
  | { type: 'synced' }
  | { type: 'grads'; step: number; names: string[]; values: Float64Array; termCount: number; hasGrad: Uint8Array; ms: number }
  | { type: 'digest'; digest: { name: string; hash: number }[]; numTensors: number }
  | { type: 'pong' }
  | { type: 'error'; error: SerializedError };

/** An error as it crosses threads: enough to raise the same one in the main thread. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  exitCode?: number;
  hint?: string;
  nonFinite?: { step: number; term: string; value: number; lastCheckpointStep?: number | null };
}

export function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e) };
  const out: SerializedError = { name: e.name, message: e.message, stack: e.stack };
  if (e instanceof UserError) {
    out.exitCode = e.exitCode;
    if (e.hint !== undefined) out.hint = e.hint;
  }
  if (e instanceof NonFiniteLossError) out.nonFinite = { step: e.step, term: e.term, value: e.value, lastCheckpointStep: e.lastCheckpointStep };
  return out;
}

/** The error a worker threw, raised again in the main thread: the same class, message and exit code. */
export function reviveError(s: SerializedError): Error {
  let e: Error;
  const opts = s.hint !== undefined ? { hint: s.hint } : {};
  if (s.name === 'ConfigError') e = new ConfigError(s.message);
  else if (s.name === 'NonFiniteLossError' && s.nonFinite) e = new NonFiniteLossError(s.nonFinite.step, s.nonFinite.term, s.nonFinite.value, s.nonFinite.lastCheckpointStep);
  else if (s.name === 'RunFailure') e = new RunFailure(s.message, opts);
  else if (s.exitCode !== undefined) {
    // A UserError, or a plugin's subclass of it: the same line and exit code, under its own name.
    e = new UserError(s.message, s.exitCode, opts);
    e.name = s.name;
  } else {
    e = new Error(s.message);
    e.name = s.name;
  }
  // A bug's stack is the worker's, where it happened (user errors print no stack).
  if (s.stack && !(e instanceof UserError)) e.stack = s.stack;
  return e;
}
