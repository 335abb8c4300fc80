import { closeSync, existsSync, openSync, readFileSync, readdirSync, rmdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fsUserError, makeDirs, withFsErrors } from './fs-errors.js';
import { hostname } from 'node:os';
import { RunFailure, UserError } from '../util/errors.js';

/** The lock file of a run directory: one writer at a time (`mto train`). */
export const RUN_LOCK_FILE = '.lock';

/** A held run-directory lock; `release()` removes it (also done at process exit). */
export interface RunLock {
  readonly path: string;
  /** Whether this process created the run directory itself (so a refused start may remove it). */
  readonly createdDir: boolean;
  release(): void;
}

/** Whether process `pid` is running (signal 0 tests for it without sending anything). */
export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the lock of run directory `root` (creating the folder if needed): `root/.lock` holds the
 * writer's pid. A lock whose process still runs refuses the second writer with its pid; one
 * whose process is gone (killed) is taken over. With `fresh`, the folder must hold none of the
 * files a run writes (a new run never appends to or overwrites another run's files). Errors are
 * UserErrors (exit 2; a live run holding the lock or a full disk: a RunFailure, exit 1) and leave
 * the folder as it was (a folder this call created is removed again).
 */
export function acquireRunLock(root: string, opts: { fresh: boolean }): RunLock {
  const dir = resolve(root);
  const created = withFsErrors(() => makeDirs(dir), 2, '--out: ');
  const path = join(dir, RUN_LOCK_FILE);
  const undo = () => {
    for (const d of [...created].reverse()) {
      try {
        rmdirSync(d);
      } catch {
        break;
      }
    }
  };
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        try {
          writeSync(fd, `${process.pid} ${hostname()} ${new Date().toISOString()}\n`);
        } finally {
          closeSync(fd);
        }
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw e;
        const holder = lockHolder(path);
        if (holder !== null && holder !== process.pid && isProcessRunning(holder)) {
          // Nothing given is wrong, and the same command succeeds once that run ends: exit 1.
          throw new RunFailure(`${dir}: in use by another mto train (process ${holder}, lock ${path}); wait for it to finish, or remove the lock if that process is not a run`);
        }
        // The holder is gone (killed mid-run): its lock is stale.
        unlinkSync(path);
      }
    }
  } catch (e) {
    undo();
    if (e instanceof UserError) throw e;
    throw fsUserError(e, '--out: ') ?? e;
  }
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    try {
      if (lockHolder(path) === process.pid) unlinkSync(path);
    } catch {
      // already gone
    }
  };
  process.on('exit', release);
  if (opts.fresh) {
    // What a run writes or appends to, left by another run (or a failed one): never mixed into.
    // Other files (a caller's log beside the run, as the convergence benchmark keeps) stay.
    const taken = readdirSync(dir).filter((n) => RUN_WRITES.has(n));
    if (taken.length) {
      release();
      throw new UserError(`--out: ${dir} already holds files a run writes (${taken.join(', ')}) and no checkpoint to resume; a new run needs a folder of its own: choose another --out, or remove them`, 2);
    }
  }
  return {
    path,
    createdDir: created.length > 0,
    release: () => {
      release();
      // A run refused after the lock (a failed resume, a bad checkpoint) leaves no folder it made.
      if (created.length && existsSync(dir) && readdirSync(dir).length === 0) undo();
    },
  };
}

/** The pid written in a lock file, or null when it cannot be read. */
function lockHolder(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8').split(/\s/)[0]);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** The entries of a run directory a new run would write or append to. */
const RUN_WRITES = new Set(['config.json', 'config.previous.json', 'metrics.jsonl', 'summary.json', 'vocab.txt', 'checkpoints', 'artifacts', 'finetune']);

/** What a run directory holds, by kind: each one that exists must be of its kind. */
const RUN_ENTRIES: Record<string, 'file' | 'folder'> = {
  'config.json': 'file',
  'config.previous.json': 'file',
  'metrics.jsonl': 'file',
  'summary.json': 'file',
  'vocab.txt': 'file',
  checkpoints: 'folder',
  'checkpoints/latest': 'file',
  artifacts: 'folder',
};

/**
 * Checks that the run directory's files and folders are of their kind (a metrics.jsonl that is
 * a folder, a checkpoints that is a file), before anything is written: a UserError (exit 2)
 * naming the entry instead of a failure halfway through the run.
 */
export function checkRunEntries(root: string): void {
  for (const [name, kind] of Object.entries(RUN_ENTRIES)) {
    const p = join(root, name);
    let st;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    if (kind === 'file' ? !st.isFile() : !st.isDirectory()) {
      throw new UserError(`${p}: expected a ${kind}, found a ${st.isDirectory() ? 'folder' : st.isFile() ? 'file' : 'device or pipe'}; this run directory is damaged`, 2);
    }
  }
}
