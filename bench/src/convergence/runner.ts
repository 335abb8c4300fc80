import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { childArgs, type PlannedStudy, type RunSpec } from './plan.js';
import { ChildPool, STOP_GRACE_MS } from './pool.js';
import { metricCurve, readEpochRecords, readEvalSplit } from './metrics.js';
import {
  StudyStateError,
  acquireLock,
  addElapsed,
  clearChildPid,
  ensureStudyPlan,
  finishRun,
  logFile,
  metricsFile,
  orphanPid,
  prepareRun,
  recordChildPid,
  runStatus,
} from './state.js';

export interface RunnerOptions {
  jobs: number;
  nice: number;
  force: boolean;
  mtoBin: string;
  log(line: string): void;
  /** How often the progress of running children is read (ms). */
  pollMs?: number;
}

export interface RunnerOutcome {
  skipped: number;
  finished: number;
  failed: { run: RunSpec; why: string }[];
  /** A problem that stopped the whole study (wrong metric, missing split): exit 2. */
  fatal: string | null;
}

const label = (r: RunSpec) => `${r.study}/${r.arm}/seed-${r.seed}`;

function logTail(run: RunSpec, lines = 6): string {
  if (!existsSync(logFile(run))) return '';
  const all = readFileSync(logFile(run), 'utf8').trimEnd().split('\n');
  return all.slice(-lines).map((l) => `    ${l}`).join('\n');
}

/**
 * Checks the study directories (plan, lock, leftovers), then trains every run that is not
 * finished, `jobs` at a time. `pool.stop()` (the CLI's signal handler) interrupts cleanly:
 * finished runs keep their done.json, running ones checkpoint and resume next time.
 */
export async function runStudies(studies: PlannedStudy[], pool: ChildPool, opts: RunnerOptions): Promise<RunnerOutcome> {
  const releases: (() => void)[] = [];
  const outcome: RunnerOutcome = { skipped: 0, finished: 0, failed: [], fatal: null };
  const timers: NodeJS.Timeout[] = [];
  try {
    const pending: RunSpec[] = [];
    for (const s of studies) {
      mkdirSync(s.dir, { recursive: true });
      releases.push(acquireLock(s.dir));
      const { replaced } = ensureStudyPlan(s.dir, s.plan, opts.force);
      if (replaced.length) opts.log(`${s.plan.name}: plan replaced (--force): ${replaced.join('; ')}`);
      for (const run of s.runs) {
        const st = runStatus(run);
        if (st.kind === 'stale' && !opts.force) throw new StudyStateError(`${st.why}; --force redoes it`);
        const orphan = orphanPid(run);
        if (orphan !== null) throw new StudyStateError(`${relative(process.cwd(), run.dir)} is still being trained by pid ${orphan} (left by an earlier runner); stop that process first`);
        if (st.kind === 'done') outcome.skipped++;
        else pending.push(run);
      }
    }
    // Seed-major across studies too: complete comparisons come first.
    pending.sort((a, b) => a.seed - b.seed);
    const total = pending.length;
    if (outcome.skipped) opts.log(`${outcome.skipped} run(s) already finished; ${total} to go`);
    const progress = new Map<RunSpec, number>();
    const poll = setInterval(() => {
      for (const [run, seen] of progress) {
        const recs = readEpochRecords(metricsFile(run));
        if (recs.length <= seen) continue;
        progress.set(run, recs.length);
        const last = recs[recs.length - 1];
        const metric = studies.find((s) => s.plan.name === run.study)!.plan.metric;
        const v = last[metric];
        opts.log(`${label(run)}: epoch ${last.epoch + 1}/${run.epochs}${v !== undefined ? ` ${metric}=${v.toFixed(4)}` : ''}`);
      }
    }, opts.pollMs ?? 5000);
    poll.unref();
    timers.push(poll);

    let started = 0;
    await pool.map(pending, async (run) => {
      if (outcome.fatal) return;
      started++;
      const st = runStatus(run);
      const resume = prepareRun(run, st);
      opts.log(`${label(run)}: ${resume ? 'resuming from its last checkpoint' : 'starting'} (${started}/${total})`);
      progress.set(run, resume ? readEpochRecords(metricsFile(run)).length : 0);
      const result = await pool.spawnChild({
        args: childArgs(opts.mtoBin, run, resume),
        logFile: logFile(run),
        nice: opts.nice,
        onSpawn: (pid) => recordChildPid(run, pid),
      });
      progress.delete(run);
      clearChildPid(run);
      const seconds = addElapsed(run, result.seconds);
      if (result.code !== 0) {
        if (result.stopped) {
          opts.log(`${label(run)}: interrupted; the next invocation continues it (from its last checkpoint, if it saved one)`);
          return;
        }
        const why = result.signal ? `killed by ${result.signal}` : `exited with code ${result.code}`;
        outcome.failed.push({ run, why });
        opts.log(`${label(run)}: FAILED (${why}); the end of ${relative(process.cwd(), logFile(run))}:\n${logTail(run)}`);
        return;
      }
      const split = readEvalSplit(join(run.dir, 'summary.json'));
      const plan = studies.find((s) => s.plan.name === run.study)!.plan;
      if (split !== null && split !== plan.split) {
        outcome.fatal = `${label(run)} evaluated on the ${split} split, not ${plan.split}: its data source has no ${plan.split} split; give it one (e.g. --set data.valSize=1000 for mnist, --set data.valFraction=0.1 for idx, --set data.split.valFraction=0.1 for folders)`;
        pool.stop('fatal', STOP_GRACE_MS);
        return;
      }
      const recs = readEpochRecords(metricsFile(run));
      if (metricCurve(recs, plan.metric).length === 0) {
        const keys = Object.keys(recs[recs.length - 1] ?? {}).filter((k) => k.startsWith('eval/'));
        outcome.fatal = `${label(run)} finished, but its epoch records have no ${plan.metric} (they have: ${keys.join(', ') || 'no eval/* metric'}); choose one with --metric`;
        pool.stop('fatal', STOP_GRACE_MS);
        return;
      }
      const done = finishRun(run, seconds, split);
      if (typeof done === 'string') {
        outcome.failed.push({ run, why: done });
        opts.log(`${label(run)}: FAILED (${done})`);
        return;
      }
      outcome.finished++;
      const final = recs[recs.length - 1][plan.metric];
      opts.log(`${label(run)}: finished in ${seconds.toFixed(0)} s, final ${plan.metric}=${final !== undefined ? final.toFixed(4) : '-'} (${outcome.finished}/${total} done)`);
    });
    return outcome;
  } finally {
    for (const t of timers) clearInterval(t);
    for (const r of releases) r();
  }
}
