import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { setPriority } from 'node:os';

export interface ChildJob {
  /** Arguments after the node executable. */
  args: string[];
  /** stdout and stderr are appended here. */
  logFile: string;
  /** Niceness 0-19. */
  nice: number;
  onSpawn?(pid: number): void;
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  seconds: number;
  /** The pool was stopping when the child ended: its outcome is an interruption, not a failure. */
  stopped: boolean;
}

/** How long stopped children get to save a checkpoint and exit before they are killed. */
export const STOP_GRACE_MS = 10_000;

/**
 * Runs node child processes, at most `jobs` at once, and stops them together. Each child gets its
 * own process group, so a terminal's Ctrl-C reaches only the runner, which forwards a single
 * SIGINT: `mto train` is meant to save a checkpoint after its current step and exit (a second
 * SIGINT would make it quit without one). Children still running after the grace period are
 * killed; they resume from their last epoch checkpoint, which is written atomically.
 */
export class ChildPool {
  private readonly children = new Set<ChildProcess>();
  private stopReason: string | null = null;
  private killTimer: NodeJS.Timeout | null = null;

  constructor(readonly jobs: number) {}

  get stopping(): boolean {
    return this.stopReason !== null;
  }

  get reason(): string | null {
    return this.stopReason;
  }

  get running(): number {
    return this.children.size;
  }

  /** Calls `work` on each item, at most `jobs` at a time, in order; no new item starts once stopping. */
  async map<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    const lane = async () => {
      while (!this.stopping && next < items.length) await work(items[next++]);
    };
    await Promise.all(Array.from({ length: Math.min(this.jobs, items.length) }, lane));
  }

  /** Starts one child; resolves when it has exited (never rejects for a failed child). */
  spawnChild(job: ChildJob): Promise<ChildResult> {
    const t0 = performance.now();
    const fd = openSync(job.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, job.args, { stdio: ['ignore', fd, fd], detached: true, env: { ...process.env, FORCE_COLOR: '0' } });
    } finally {
      closeSync(fd);
    }
    this.children.add(child);
    if (child.pid !== undefined) {
      if (job.nice > 0) {
        try {
          setPriority(child.pid, job.nice);
        } catch {
          /* not permitted here: the run just competes at normal priority */
        }
      }
      job.onSpawn?.(child.pid);
    }
    return new Promise((resolvePromise) => {
      let settled = false;
      const done = (code: number | null, signal: NodeJS.Signals | null) => {
        if (settled) return;
        settled = true;
        this.children.delete(child);
        if (this.children.size === 0 && this.killTimer) (clearTimeout(this.killTimer), (this.killTimer = null));
        resolvePromise({ code, signal, seconds: (performance.now() - t0) / 1000, stopped: this.stopping });
      };
      child.once('error', () => done(null, null));
      child.once('exit', (code, signal) => done(code, signal));
    });
  }

  /** Stops launching, asks every child to checkpoint and exit, and kills what is left after `graceMs`. */
  stop(reason: string, graceMs: number): void {
    if (this.stopping) return;
    this.stopReason = reason;
    for (const c of this.children) signalGroup(c, 'SIGINT');
    if (this.children.size) {
      this.killTimer = setTimeout(() => this.kill(), graceMs);
      this.killTimer.unref();
    }
  }

  /** Kills every child now. */
  kill(): void {
    this.stopReason ??= 'killed';
    for (const c of this.children) signalGroup(c, 'SIGKILL');
  }
}

function signalGroup(c: ChildProcess, signal: NodeJS.Signals): void {
  if (c.pid === undefined) return;
  try {
    process.kill(-c.pid, signal);
  } catch {
    try {
      c.kill(signal);
    } catch {
      /* already gone */
    }
  }
}
