import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { finalMetrics, metricCurve, readRunRecords, type Curve } from './metrics.js';
import type { PlannedStudy, RunSpec, StudyPlan } from './plan.js';
import { metricsFile, runStatus, type DoneRecord } from './state.js';
import { auc, epochsToTarget, mean, meanCurve, pairedDifference, ratio, spread, type PairedDifference, type Spread } from './stats.js';

/** One finished run, reduced to what the report needs. */
export interface RunResult {
  arm: string;
  seed: number;
  /** Relative to the study directory. */
  dir: string;
  epochs: number;
  curve: Curve;
  final: Record<string, number>;
  auc: number | null;
  /** The raw-input and random-init probes, when the run scored them. */
  baselines: Record<string, number> | null;
  seconds: number;
  evalSplit: 'val' | 'test' | null;
}

export interface EpochsToTarget {
  seed: number;
  /** The baseline's final value this seed is compared with. */
  target: number;
  /** First epoch (1-based) reaching the target; null: not reached within the budget. */
  epoch: number | null;
  /** epoch / the baseline's epoch count. */
  ratio: number | null;
}

export interface TargetSummary {
  target: number | null;
  perSeed: EpochsToTarget[];
  reached: number;
  n: number;
  /** Over the seeds that reached the target. */
  epochs: Spread;
  ratio: Spread;
}

export interface ArmResult {
  name: string;
  baseline: boolean;
  config: string;
  planned: number;
  finished: number;
  metric: Spread;
  final: Record<string, Spread>;
  auc: Spread;
  /** The final metric minus the baseline's, seed by seed (the same seed: same data order, init and masks). */
  paired: PairedDifference;
  /** Per seed AUC_arm / AUC_baseline, over the seeds both finished. */
  rauc: Spread;
  /** Mean AUC of the arm / mean AUC of the baseline. */
  raucOfMeans: number | null;
  /** Target: the baseline's final value of the same seed. */
  toTargetSameSeed: TargetSummary;
  /** Target: the mean over seeds of the baseline's final values. */
  toTargetBaselineMean: TargetSummary;
  /** First epoch of the arm's mean curve reaching the baseline's mean final value. */
  meanCurveToTarget: number | null;
  curve: { epoch: number; mean: number; std: number | null; n: number }[];
  seconds: Spread;
}

export interface StudyResults {
  study: string;
  title: string;
  generatedAt: string;
  metric: string;
  direction: 'max' | 'min';
  split: 'val' | 'test';
  /** What the runs trained on, from the first finished run's config.json. */
  modality: { data: string; adapter: string; model: string } | null;
  seeds: number[];
  sets: string[];
  arms: ArmResult[];
  runs: RunResult[];
  missing: { arm: string; seed: number; dir: string }[];
  warnings: string[];
}

function readDone(run: RunSpec): DoneRecord | null {
  const st = runStatus(run);
  if (st.kind !== 'done') return null;
  return st.done;
}

/** Reads one finished run's epoch records. */
export function runResult(run: RunSpec, studyDir: string, metric: string, done: DoneRecord): RunResult {
  const { epochs: records, baseline } = readRunRecords(metricsFile(run));
  const curve = metricCurve(records, metric);
  return {
    arm: run.arm,
    seed: run.seed,
    dir: relative(studyDir, run.dir),
    epochs: run.epochs,
    curve,
    final: finalMetrics(records),
    auc: auc(curve),
    baselines: baseline,
    seconds: done.seconds,
    evalSplit: done.evalSplit,
  };
}

function targetSummary(arm: RunResult[], targets: Map<number, number | null>, baselineEpochs: Map<number, number>, direction: 'max' | 'min', commonTarget: number | null): TargetSummary {
  const perSeed: EpochsToTarget[] = [];
  for (const r of arm) {
    const target = targets.get(r.seed);
    if (target === undefined || target === null) continue;
    const epoch = epochsToTarget(r.curve, target, direction);
    perSeed.push({ seed: r.seed, target, epoch, ratio: epoch === null ? null : ratio(epoch, baselineEpochs.get(r.seed) ?? null) });
  }
  const hit = perSeed.filter((p) => p.epoch !== null);
  return {
    target: commonTarget,
    perSeed,
    reached: hit.length,
    n: perSeed.length,
    epochs: spread(hit.map((p) => p.epoch!)),
    ratio: spread(hit.map((p) => p.ratio!).filter((x) => x !== null)),
  };
}

/** The study's statistics from the runs that are finished (`done.json`); the others are listed as missing. */
export function analyzeStudy(study: PlannedStudy, metricOverride?: { metric: string; direction: 'max' | 'min' }): StudyResults {
  const plan: StudyPlan = study.plan;
  const metric = metricOverride?.metric ?? plan.metric;
  const direction = metricOverride?.direction ?? plan.direction;
  const results: RunResult[] = [];
  const missing: StudyResults['missing'] = [];
  for (const run of study.runs) {
    const done = readDone(run);
    if (done) results.push(runResult(run, study.dir, metric, done));
    else missing.push({ arm: run.arm, seed: run.seed, dir: relative(study.dir, run.dir) });
  }
  const warnings = [...study.warnings];
  const withoutMetric = results.filter((r) => r.curve.length === 0);
  if (withoutMetric.length) {
    const keys = [...new Set(withoutMetric.flatMap((r) => Object.keys(r.final).filter((k) => k.startsWith('eval/'))))];
    warnings.push(`${withoutMetric.length} finished run(s) never report ${metric} (their last epoch has: ${keys.join(', ') || 'no eval/* metric'}); choose another --metric`);
  }
  const wrongSplit = results.filter((r) => r.evalSplit !== null && r.evalSplit !== plan.split);
  if (wrongSplit.length) warnings.push(`${wrongSplit.length} run(s) evaluated on '${wrongSplit[0].evalSplit}', not '${plan.split}': the data source has no ${plan.split} split (e.g. --set data.valSize=1000 for mnist)`);

  const baseName = plan.arms[0].name;
  const base = results.filter((r) => r.arm === baseName);
  const baseFinal = new Map<number, number | null>(base.map((r) => [r.seed, r.curve.length ? r.curve[r.curve.length - 1][1] : null]));
  const baseEpochs = new Map<number, number>(base.map((r) => [r.seed, r.epochs]));
  const baseFinalMean = mean([...baseFinal.values()].filter((v): v is number => v !== null));
  const baseAuc = new Map<number, number | null>(base.map((r) => [r.seed, r.auc]));
  const baseAucMean = mean(base.map((r) => r.auc).filter((v): v is number => v !== null));

  const arms: ArmResult[] = plan.arms.map((a, i) => {
    const runs = results.filter((r) => r.arm === a.name);
    const finals: Record<string, number[]> = {};
    for (const r of runs) for (const [k, v] of Object.entries(r.final)) (finals[k] ??= []).push(v);
    const aucs = runs.map((r) => r.auc).filter((v): v is number => v !== null);
    const raucs = runs.map((r) => ratio(r.auc, baseAuc.get(r.seed) ?? null)).filter((v): v is number => v !== null);
    const curve = meanCurve(runs.map((r) => r.curve).filter((c) => c.length > 0));
    const meanTargets = new Map<number, number | null>(runs.map((r) => [r.seed, baseFinalMean]));
    const baseEpochCount = baseEpochs.size ? mean([...baseEpochs.values()]) : null;
    const meanCurveEpoch = baseFinalMean === null ? null : epochsToTarget(curve.map((p) => [p.epoch, p.mean]), baseFinalMean, direction);
    return {
      name: a.name,
      baseline: i === 0,
      config: relative(process.cwd(), a.config),
      planned: plan.seeds.length,
      finished: runs.length,
      metric: spread(runs.map((r) => (r.curve.length ? r.curve[r.curve.length - 1][1] : NaN))),
      final: Object.fromEntries(Object.entries(finals).map(([k, v]) => [k, spread(v)])),
      auc: spread(aucs),
      paired: pairedDifference(
        runs.flatMap((r) => {
          const b = baseFinal.get(r.seed);
          const v = r.curve.length ? r.curve[r.curve.length - 1][1] : null;
          return b === undefined || b === null || v === null ? [] : [{ seed: r.seed, arm: v, baseline: b }];
        }),
      ),
      rauc: spread(raucs),
      raucOfMeans: ratio(mean(aucs), baseAucMean),
      toTargetSameSeed: targetSummary(runs, baseFinal, baseEpochs, direction, null),
      toTargetBaselineMean: targetSummary(runs, meanTargets, new Map(runs.map((r) => [r.seed, baseEpochCount ?? r.epochs])), direction, baseFinalMean),
      meanCurveToTarget: meanCurveEpoch,
      curve,
      seconds: spread(runs.map((r) => r.seconds)),
    };
  });

  let modality: StudyResults['modality'] = null;
  const first = results[0] && join(study.dir, results[0].dir, 'config.json');
  if (first && existsSync(first)) {
    try {
      const c = JSON.parse(readFileSync(first, 'utf8')) as { data?: { name?: string }; adapter?: { name?: string }; model?: { name?: string } };
      modality = { data: c.data?.name ?? '?', adapter: c.adapter?.name ?? '?', model: c.model?.name ?? '?' };
    } catch {
      /* a config.json being rewritten by a resumed child: leave it out */
    }
  }

  return {
    study: plan.name,
    title: study.title,
    generatedAt: new Date().toISOString(),
    metric,
    direction,
    split: plan.split,
    modality,
    seeds: plan.seeds,
    sets: plan.sets,
    arms,
    runs: results,
    missing,
    warnings,
  };
}
