import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The files of a run directory. `root` is null for runs that write nothing (tests, embedding). */
export interface RunPaths {
  root: string | null;
  config: string | null;
  metrics: string | null;
  checkpoints: string | null;
  artifacts: string | null;
}

export function runPaths(root: string | null): RunPaths {
  if (root === null) return { root: null, config: null, metrics: null, checkpoints: null, artifacts: null };
  const r = resolve(root);
  return {
    root: r,
    config: join(r, 'config.json'),
    metrics: join(r, 'metrics.jsonl'),
    checkpoints: join(r, 'checkpoints'),
    artifacts: join(r, 'artifacts'),
  };
}

/** Local time as YYYYMMDD-HHMMSS, for file and directory names. */
export function timeStamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** A fresh directory name under `parent` for a run called `name`. */
export function newRunDir(parent: string, name: string): string {
  const base = join(parent, `${name}-${timeStamp()}`);
  let dir = base;
  for (let i = 1; existsSync(dir); i++) dir = `${base}-${i}`;
  return dir;
}

/** The most recent run directory of `name` under `parent` that holds a checkpoint, if any. */
export function latestRunDir(parent: string, name: string): string | null {
  if (!existsSync(parent)) return null;
  const dirs = readdirSync(parent)
    .filter((d) => d.startsWith(`${name}-`) && existsSync(join(parent, d, 'checkpoints')))
    .map((d) => join(parent, d))
    .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
  return dirs.length ? dirs[dirs.length - 1] : null;
}

export function ensureRunDirs(p: RunPaths): void {
  if (!p.root) return;
  mkdirSync(p.checkpoints!, { recursive: true });
  mkdirSync(p.artifacts!, { recursive: true });
}
