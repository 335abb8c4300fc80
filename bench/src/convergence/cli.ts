#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { ConvergenceUsageError, USAGE, parseConvergenceArgs, type ConvergenceArgs } from './args.js';
import { analyzeStudy } from './analyze.js';
import { checkArmParts, childArgs, mtoBinPath, planDifferences, planStudy, runsOf, studyDefs, type PlannedStudy } from './plan.js';
import { ChildPool, STOP_GRACE_MS } from './pool.js';
import { formatStudyMarkdown, writeStudyReport } from './report.js';
import { runStudies } from './runner.js';
import { StudyStateError, readStudyPlan, runStatus } from './state.js';
import { defaultDirection, presetByName } from './study.js';

const TAG = 'bench:convergence';
const err = (line: string) => process.stderr.write(`${TAG}: ${line}\n`);
const rel = (p: string) => relative(process.cwd(), p) || '.';

/** The studies as the flags describe them, read and checked against the files. */
function planned(args: ConvergenceArgs): PlannedStudy[] {
  return studyDefs(args).map((d) => planStudy(d, resolve(args.out), presetByName(d.name)?.title ?? `custom study (${d.arms.map((a) => a.name).join(' vs ')})`));
}

/** `--report-only`: the plans on disk are the truth; the flags only name the studies. */
function onDisk(args: ConvergenceArgs): PlannedStudy[] {
  const names = args.studies.length ? args.studies : [args.name ?? 'custom'];
  return names.map((name) => {
    const dir = resolve(args.out, name);
    const plan = readStudyPlan(dir);
    if (!plan) throw new StudyStateError(`--report-only: ${rel(dir)} holds no study.json (nothing was run there)`);
    return { dir, plan, runs: runsOf(plan, dir), warnings: [], title: presetByName(name)?.title ?? `custom study (${plan.arms.map((a) => a.name).join(' vs ')})` };
  });
}

function printPlan(studies: PlannedStudy[], args: ConvergenceArgs, mtoBin: string): void {
  const lines: string[] = [];
  for (const s of studies) {
    const p = s.plan;
    lines.push(`study ${p.name}: ${s.title}`, `  directory: ${rel(s.dir)}`, `  metric: ${p.metric} (${p.direction === 'max' ? 'higher' : 'lower'} is better), evaluated every epoch on the ${p.split} split`);
    lines.push(`  seeds: ${p.seeds.join(', ')}`, `  overrides of every arm: ${p.sets.length ? p.sets.join(' ') : '(none)'}`);
    for (const a of p.arms) lines.push(`  arm ${a.name}${a === p.arms[0] ? ' (baseline)' : ''}: ${rel(a.config)}${a.sets.length ? ` ${a.sets.join(' ')}` : ''}; ${a.epochs} epochs`);
    const old = readStudyPlan(s.dir);
    const diffs = old ? planDifferences(old, p) : [];
    if (diffs.length) lines.push(`  study.json there holds another plan (${diffs.join('; ')}): ${args.force ? '--force replaces it' : 'a run would stop (pass --force to replace it)'}`);
    for (const w of s.warnings) lines.push(`  warning: ${w}`);
    const counts: Record<string, number> = {};
    for (const r of s.runs) {
      const k = runStatus(r).kind;
      counts[k] = (counts[k] ?? 0) + 1;
    }
    lines.push(`  runs: ${s.runs.length} (${Object.entries(counts).map(([k, n]) => `${n} ${k === 'done' ? 'finished' : k === 'resume' ? 'to resume' : k === 'fresh' ? 'to start' : 'stale'}`).join(', ')})`);
    for (const r of s.runs) lines.push(`    ${rel(r.dir)}: ${runStatus(r).kind}`);
    if (s.runs[0]) lines.push(`  each run: node ${childArgs(rel(mtoBin), { ...s.runs[0], dir: rel(s.runs[0].dir), config: rel(s.runs[0].config) }, false).join(' ')}`);
  }
  lines.push(`jobs: ${args.jobs} at a time${args.nice ? `, nice ${args.nice}` : ''}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

function report(studies: PlannedStudy[], args: ConvergenceArgs): void {
  const override = args.reportOnly && args.metric ? { metric: args.metric, direction: args.direction ?? defaultDirection(args.metric) } : undefined;
  for (const s of studies) {
    if (!existsSync(s.dir)) continue;
    const results = analyzeStudy(s, override);
    const files = writeStudyReport(s.dir, results);
    process.stdout.write(`\n${formatStudyMarkdown(results)}\n`);
    err(`wrote ${rel(files.json)}, ${rel(files.md)}, ${rel(files.svg)}`);
  }
}

async function main(argv: string[]): Promise<number> {
  let args: ConvergenceArgs;
  let studies: PlannedStudy[];
  try {
    args = parseConvergenceArgs(argv);
    if (args.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    studies = args.reportOnly ? onDisk(args) : planned(args);
    if (!args.reportOnly) await checkArmParts(studies);
  } catch (e) {
    if (e instanceof ConvergenceUsageError || e instanceof StudyStateError) {
      err(e.message);
      return 2;
    }
    throw e;
  }
  const mtoBin = mtoBinPath();
  if (args.dryRun) {
    printPlan(studies, args, mtoBin);
    return 0;
  }
  if (args.reportOnly) {
    report(studies, args);
    return 0;
  }

  const pool = new ChildPool(args.jobs);
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      err(`${sig}: stopping; running runs get ${STOP_GRACE_MS / 1000} s to save a checkpoint, then are killed; they continue next time (again to kill them at once)`);
      pool.stop(sig, STOP_GRACE_MS);
    } else pool.kill();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const t0 = performance.now();
  let outcome;
  try {
    outcome = await runStudies(studies, pool, { jobs: args.jobs, nice: args.nice, force: args.force, mtoBin, log: err });
  } catch (e) {
    pool.kill();
    if (e instanceof StudyStateError) {
      err(e.message);
      return 2;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  report(studies, args);
  err(`${outcome.finished} run(s) trained, ${outcome.skipped} already finished, ${outcome.failed.length} failed; ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  if (outcome.fatal) {
    err(outcome.fatal);
    return 2;
  }
  if (pool.reason === 'SIGINT') return 130;
  if (pool.reason === 'SIGTERM') return 143;
  return outcome.failed.length ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    err(`${(e as Error).stack ?? e}`);
    process.exit(1);
  },
);
