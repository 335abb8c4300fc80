import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, basename } from 'node:path';
import { writeDirAtomic, writeFileAtomic } from '../util/fs-atomic.js';
import { UserError } from '../util/errors.js';
import type { NamedTensor } from '../optim/optimizer.js';
import { checkpointJsonProblem, weightElements } from './checkpoint-schema.js';

/** A checkpoint's model.json larger than this is refused unread (the state is small; weights live in weights.bin). */
export const MAX_CHECKPOINT_JSON_BYTES = 256 * 1024 * 1024;

export const CHECKPOINT_FORMAT = 'mtojs-checkpoint';
export const CHECKPOINT_VERSION = 1;

/** Everything a run needs to continue exactly where it stopped, besides tensors. */
export interface TrainingState {
  step: number;
  /** Epoch in progress (0-based) and how many of its batches are done. */
  epoch: number;
  batchInEpoch: number;
  /** States of the named RNG streams that carry state across steps. */
  rng: Record<string, unknown>;
  optimizer: Record<string, unknown>;
  /** Each plugin's own state, by plugin name. */
  plugins: Record<string, unknown>;
  /** The resolved config of the run. */
  config: unknown;
  /** Free-form extras (e.g. the mean losses of the epoch in progress). */
  extra?: Record<string, unknown>;
}

/**
 * The tfjs weights format: `model.json` with a weightsManifest pointing at `weights.bin`, plus
 * our `trainingState`. `tf.io` readers see a weights-only artifact.
 */
export interface CheckpointJson {
  format: typeof CHECKPOINT_FORMAT;
  formatVersion: number;
  modelTopology: null;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  trainingState: TrainingState;
}

export interface LoadedCheckpoint {
  dir: string;
  /** Its model.json, which error messages name. */
  file: string;
  state: TrainingState;
  /** Decoded tensors by name; the caller disposes them (see `disposeTensors`). */
  tensors: Map<string, tf.Tensor>;
}

export function checkpointName(step: number): string {
  return `step-${String(step).padStart(8, '0')}`;
}

/** Writes a checkpoint directory atomically and points `latest` at it. */
export async function saveCheckpoint(root: string, state: TrainingState, tensors: NamedTensor[]): Promise<string> {
  const { data, specs } = await tf.io.encodeWeights(tensors.map((t) => ({ name: t.name, tensor: t.tensor })));
  const json: CheckpointJson = {
    format: CHECKPOINT_FORMAT,
    formatVersion: CHECKPOINT_VERSION,
    modelTopology: null,
    weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
    trainingState: state,
  };
  const name = checkpointName(state.step);
  const dir = join(root, name);
  writeDirAtomic(dir, (tmp) => {
    writeFileSync(join(tmp, 'weights.bin'), new Uint8Array(data as ArrayBuffer));
    writeFileSync(join(tmp, 'model.json'), JSON.stringify(json, null, 1));
  });
  writeFileAtomic(join(root, 'latest'), name + '\n');
  return dir;
}

/** Checkpoint directories under `root`, oldest first. */
export function listCheckpoints(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((n) => /^step-\d+$/.test(n) && existsSync(join(root, n, 'model.json')))
    .sort()
    .map((n) => join(root, n));
}

/** Whether process `pid` is running (signal 0 tests for it without sending anything). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temp folders of checkpoint writes that never finished (`.step-N.tmp-PID-...`,
 * left by a process killed mid-write), skipping any whose writer is still running. Returns
 * their names. Writes in this process are synchronous, so none of its own is in progress here.
 */
export function removeStaleTemps(root: string): string[] {
  if (!existsSync(root)) return [];
  const removed: string[] = [];
  for (const name of readdirSync(root)) {
    const m = /^\.step-\d+\.tmp-(\d+)-/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && isRunning(pid)) continue;
    rmSync(join(root, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** Removes all but the newest `keep` checkpoints, and what unfinished writes left behind. */
export function pruneCheckpoints(root: string, keep: number): void {
  const all = listCheckpoints(root);
  for (const dir of all.slice(0, Math.max(0, all.length - keep))) rmSync(dir, { recursive: true, force: true });
  removeStaleTemps(root);
}

/**
 * Finds the checkpoint to load from a path that may be a checkpoint directory, a run's
 * `checkpoints/` directory, or a run directory.
 */
export function findCheckpoint(path: string, opts: { warn?: (message: string) => void } = {}): string {
  if (!existsSync(path)) throw new UserError(`${path}: no such checkpoint or run directory`);
  if (existsSync(join(path, 'model.json'))) return path;
  for (const root of [path, join(path, 'checkpoints')]) {
    const latest = join(root, 'latest');
    let named: string | null = null;
    if (existsSync(latest)) {
      try {
        named = statSync(latest).isFile() ? readFileSync(latest, 'utf8').slice(0, 200).trim() : '(not a file)';
      } catch {
        named = '(unreadable)';
      }
      // `latest` names a folder beside it: anything else (a path, '..') is damage, never followed.
      const dir = join(root, named);
      if (/^step-\d+$/.test(named) && existsSync(join(dir, 'model.json'))) return dir;
    }
    const all = listCheckpoints(root);
    if (all.length) {
      const found = all[all.length - 1]!;
      // An older checkpoint than the newest one written: whoever resumes must know.
      if (named !== null) opts.warn?.(`${latest} names ${named}, which has no model.json (damaged or deleted); using ${basename(found)} instead`);
      return found;
    }
  }
  throw new UserError(`${path}: holds no checkpoint (expected model.json, or checkpoints/step-*/model.json)`);
}

export function loadCheckpoint(path: string, opts: { warn?: (message: string) => void } = {}): LoadedCheckpoint {
  const dir = findCheckpoint(path, opts);
  const jsonPath = join(dir, 'model.json');
  let raw: unknown;
  try {
    const size = statSync(jsonPath).size;
    if (size > MAX_CHECKPOINT_JSON_BYTES) throw new Error(`${size} bytes, more than the ${MAX_CHECKPOINT_JSON_BYTES} a checkpoint's model.json may hold`);
    raw = JSON.parse(readFileSync(jsonPath, 'utf8'));
  } catch (e) {
    throw new UserError(`${jsonPath}: not a readable checkpoint (${(e as Error).message.split('\n')[0]})`, 2);
  }
  const format = (raw as { format?: unknown } | null)?.format;
  if (format !== CHECKPOINT_FORMAT && raw !== null && typeof raw === 'object' && !Array.isArray(raw)) throw new UserError(`${jsonPath}: not an mtojs checkpoint (format field is ${JSON.stringify(format) ?? 'missing'})`, 2);
  // Every field is checked before any is used: a tampered file is named, never half-applied.
  const problem = checkpointJsonProblem(raw);
  if (problem) throw new UserError(`${jsonPath}: ${problem}`, 2);
  const json = raw as CheckpointJson;
  // Sizes are checked against the files before a byte is read or decoded.
  const groups: { files: string[]; bytes: number }[] = [];
  for (const group of json.weightsManifest) {
    const files = group.paths.map((p) => join(dir, p));
    let total = 0;
    for (const file of files) {
      let st;
      try {
        st = statSync(file);
      } catch {
        throw new UserError(`${file}: weight file named in ${basename(jsonPath)} is missing`, 2);
      }
      if (!st.isFile()) throw new UserError(`${file}: weight file named in ${basename(jsonPath)} is not a file`, 2);
      total += st.size;
    }
    const expected = group.weights.reduce((a, w) => a + weightElements(w.shape) * 4, 0);
    if (total !== expected) throw new UserError(`${files[0]}: ${total} bytes, expected ${expected} for the weights listed in model.json`, 2);
    groups.push({ files, bytes: total });
  }
  const tensors = new Map<string, tf.Tensor>();
  try {
    for (const [g, group] of json.weightsManifest.entries()) {
      const joined = new Uint8Array(groups[g]!.bytes);
      let off = 0;
      for (const file of groups[g]!.files) {
        const b = readFileSync(file);
        joined.set(b.subarray(0, joined.byteLength - off), off);
        off += b.byteLength;
      }
      const decoded = tf.io.decodeWeights(joined.buffer, group.weights);
      for (const [k, v] of Object.entries(decoded)) tensors.set(k, v);
    }
  } catch (e) {
    disposeTensors(tensors);
    throw e;
  }
  return { dir, file: jsonPath, state: json.trainingState, tensors };
}

export function disposeTensors(tensors: Map<string, tf.Tensor>): void {
  for (const t of tensors.values()) t.dispose();
  tensors.clear();
}

/** Copies checkpoint values into variables by name; a missing name or wrong shape is an error naming both. */
export function assignByName(dir: string, tensors: Map<string, tf.Tensor>, targets: { name: string; variable: tf.Variable }[], prefix: string): void {
  for (const t of targets) {
    const key = `${prefix}${t.name}`;
    const src = tensors.get(key);
    if (!src) throw new UserError(`${dir}: checkpoint has no weight '${key}' (was it written by a different model config?)`);
    if (src.shape.join(',') !== t.variable.shape.join(',')) {
      throw new UserError(`${dir}: weight '${key}' has shape [${src.shape}], the model expects [${t.variable.shape}]`);
    }
    t.variable.assign(src);
  }
}

export function isCheckpointDir(p: string): boolean {
  try {
    return statSync(p).isDirectory() && existsSync(join(p, 'model.json'));
  } catch {
    return false;
  }
}
