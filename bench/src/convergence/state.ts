import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { writeFileAtomic } from '@mtojs/core';
import { planDifferences, runKey, type RunSpec, type StudyPlan } from './plan.js';
import { readEpochRecords } from './metrics.js';

/** A study directory's state was made by something else, or is in use: one line, exit 2. */
export class StudyStateError extends Error {}

/** What `done.json` records: written (atomically) only once the run is complete. */
export interface DoneRecord {
  key: string;
  arm: string;
  seed: number;
  epochs: number;
  evalSplit: 'val' | 'test' | null;
  /** Wall time of the run's child processes, summed over its attempts (interrupted and resumed). */
  seconds: number;
  finishedAt: string;
}

export type RunStatus =
  | { kind: 'done'; done: DoneRecord }
  /** Interrupted after a checkpoint: `mto train --resume` continues it. */
  | { kind: 'resume' }
  /** Nothing usable yet: start (or restart) from scratch. */
  | { kind: 'fresh' }
  /** Trained from a different spec (config edited, overrides changed): redone only under --force. */
  | { kind: 'stale'; why: string };

export const doneFile = (run: RunSpec) => join(run.dir, 'done.json');
export const runFile = (run: RunSpec) => join(run.dir, 'run.json');
export const logFile = (run: RunSpec) => join(run.dir, 'train.log');
export const metricsFile = (run: RunSpec) => join(run.dir, 'metrics.jsonl');
const pidFile = (run: RunSpec) => join(run.dir, 'child.pid');

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** Where a run stands on disk. */
export function runStatus(run: RunSpec): RunStatus {
  if (!existsSync(run.dir)) return { kind: 'fresh' };
  const key = runKey(run);
  const started = readJson<{ key?: string }>(runFile(run));
  if (started && started.key !== key) return { kind: 'stale', why: `${relative(process.cwd(), run.dir)} was trained from another config or other overrides` };
  const done = readJson<DoneRecord>(doneFile(run));
  if (done && done.key === key) return { kind: 'done', done };
  if (started && existsSync(join(run.dir, 'checkpoints', 'latest'))) return { kind: 'resume' };
  return { kind: 'fresh' };
}

/** Gets a run's directory ready for its child; returns whether the child resumes. */
export function prepareRun(run: RunSpec, status: RunStatus): boolean {
  if (status.kind === 'done') throw new Error(`prepareRun: ${run.dir} is finished`);
  if (status.kind === 'resume') return true;
  // A fresh start: whatever a killed first attempt left (no checkpoint yet) would make the CLI
  // refuse --out or mix its metrics lines with the new run's.
  rmSync(run.dir, { recursive: true, force: true });
  mkdirSync(run.dir, { recursive: true });
  writeFileAtomic(runFile(run), `${JSON.stringify({ key: runKey(run), arm: run.arm, seed: run.seed, config: run.config, sets: run.sets, startedAt: new Date().toISOString() }, null, 2)}\n`);
  return false;
}

/**
 * Marks a run finished after its child exited 0: only when the epoch records reach the planned
 * last epoch. Returns the problem instead when they do not.
 */
export function finishRun(run: RunSpec, seconds: number, evalSplit: 'val' | 'test' | null): DoneRecord | string {
  const records = readEpochRecords(metricsFile(run));
  const last = records[records.length - 1];
  if (!last || last.epoch !== run.epochs - 1) {
    return `the child exited 0 but metrics.jsonl ends at ${last ? `epoch ${last.epoch + 1}` : 'no epoch'} of ${run.epochs}`;
  }
  const done: DoneRecord = { key: runKey(run), arm: run.arm, seed: run.seed, epochs: run.epochs, evalSplit, seconds, finishedAt: new Date().toISOString() };
  writeFileAtomic(doneFile(run), `${JSON.stringify(done, null, 2)}\n`);
  return done;
}

/** Adds one child's wall time to the run's total (kept across interruptions); returns the total. */
export function addElapsed(run: RunSpec, seconds: number): number {
  const file = join(run.dir, 'elapsed.json');
  const total = (readJson<{ seconds?: number }>(file)?.seconds ?? 0) + seconds;
  writeFileAtomic(file, `${JSON.stringify({ seconds: total })}\n`);
  return total;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Is `pid` a live process whose command line mentions `needle`? (Linux; elsewhere: is it alive.) */
function aliveWith(pid: number, needle: string): boolean {
  if (!alive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle);
  } catch {
    return !existsSync('/proc/self');
  }
}

export function recordChildPid(run: RunSpec, pid: number): void {
  writeFileAtomic(pidFile(run), `${pid}\n`);
}

export function clearChildPid(run: RunSpec): void {
  rmSync(pidFile(run), { force: true });
}

/** A child of an earlier runner that was killed outright may still be training into the run's directory. */
export function orphanPid(run: RunSpec): number | null {
  const text = existsSync(pidFile(run)) ? readFileSync(pidFile(run), 'utf8').trim() : '';
  const pid = Number(text);
  return text && Number.isInteger(pid) && pid > 0 && aliveWith(pid, run.dir) ? pid : null;
}

/** One runner per study directory at a time. Returns the release function. */
export function acquireLock(studyDir: string): () => void {
  const file = join(studyDir, 'runner.lock');
  const held = readJson<{ pid?: number }>(file);
  if (held?.pid && held.pid !== process.pid && aliveWith(held.pid, 'convergence')) {
    throw new StudyStateError(`${relative(process.cwd(), studyDir) || '.'} is in use by another convergence runner (pid ${held.pid}); wait for it or stop it`);
  }
  writeFileAtomic(file, `${JSON.stringify({ pid: process.pid, since: new Date().toISOString() })}\n`);
  return () => {
    if (readJson<{ pid?: number }>(file)?.pid === process.pid) rmSync(file, { force: true });
  };
}

export const studyFile = (studyDir: string) => join(studyDir, 'study.json');

export function readStudyPlan(studyDir: string): StudyPlan | null {
  const file = studyFile(studyDir);
  if (!existsSync(file)) return null;
  const plan = readJson<StudyPlan>(file);
  if (!plan || plan.version !== 1 || !Array.isArray(plan.arms)) throw new StudyStateError(`${relative(process.cwd(), file)}: not a study plan this version can read; move it away or use another --out`);
  return plan;
}

/**
 * Records the plan, or checks it against the one already there: a different plan in the same
 * directory is an error naming the differences, unless `force` (then the new plan replaces it).
 */
export function ensureStudyPlan(studyDir: string, plan: StudyPlan, force: boolean): { replaced: string[] } {
  const old = readStudyPlan(studyDir);
  const diffs = old ? planDifferences(old, plan) : [];
  if (diffs.length && !force) {
    throw new StudyStateError(`${relative(process.cwd(), studyFile(studyDir))} holds another plan (${diffs.join('; ')}); use another --out, or --force to replace the plan and redo the runs it changes`);
  }
  if (!old || diffs.length) writeFileAtomic(studyFile(studyDir), `${JSON.stringify(plan, null, 2)}\n`);
  return { replaced: diffs };
}
