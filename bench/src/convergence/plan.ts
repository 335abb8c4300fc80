import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { UserError, loadConfig, prepareRunConfig } from '@mtojs/core';
import { ConvergenceUsageError, type ConvergenceArgs } from './args.js';
import { ARM_NAME, REPO_ROOT, defaultDirection, presetByName, type StudyDef } from './study.js';

/** The plan of a study as `study.json` keeps it; a later invocation must match it (or pass --force). */
export interface StudyPlan {
  version: 1;
  name: string;
  metric: string;
  direction: 'max' | 'min';
  split: 'val' | 'test';
  seeds: number[];
  /** Fractions of the epochs each arm is trained for (absent in older plans: [1]). */
  budgets?: number[];
  /** Overrides of every arm, in order. */
  sets: string[];
  arms: PlannedArm[];
}

export interface PlannedArm {
  name: string;
  /** Absolute path of the config file. */
  config: string;
  /** sha256 of the file's bytes: an edited config is a different plan. */
  configSha256: string;
  sets: string[];
  /** trainer.epochs after the overrides: the run's budget. */
  epochs: number;
  /** With --budgets: the arm it was expanded from and the fraction of its epochs (its name is ARM@FRACTION). */
  base?: string;
  budget?: number;
}

/** One training run of a study. */
export interface RunSpec {
  study: string;
  arm: string;
  seed: number;
  config: string;
  configSha256: string;
  /** Every `--set` the child gets, in order: common, the arm's, then the study's own. */
  sets: string[];
  epochs: number;
  dir: string;
}

export interface PlannedStudy {
  dir: string;
  plan: StudyPlan;
  runs: RunSpec[];
  /** Differences between arms beyond what the study compares (printed, not fatal). */
  warnings: string[];
  title: string;
  /** Each arm's config file and overrides as its runs will read them, for `checkArmParts`. */
  armSources?: { arm: string; source: string; set: string[] }[];
}

/** Builds the study definitions the flags describe (one per preset, or one custom study). */
export function studyDefs(args: ConvergenceArgs): StudyDef[] {
  const common = [...args.sets];
  if (args.epochs !== null) common.push(`trainer.epochs=${args.epochs}`);
  if (args.probeLabels !== null) common.push(`eval.maxTrainExamples=${args.probeLabels}`);
  const withArmSets = (arms: { name: string; config: string }[]) => arms.map((a) => ({ ...a, sets: [...(args.armSets[a.name] ?? [])] }));
  const defs: StudyDef[] = [];
  if (args.studies.length === 0) {
    const sets = [...common];
    if (args.maskRatio !== null) sets.push(`masking.ratio=${args.maskRatio}`);
    const metric = args.metric ?? 'eval/probe_acc';
    defs.push({ name: args.name ?? 'custom', arms: withArmSets(args.arms), seeds: args.seeds, budgets: args.budgets, sets, metric, direction: args.direction ?? defaultDirection(metric), split: args.split });
  }
  for (const name of args.studies) {
    const p = presetByName(name)!;
    const sets = [...common];
    if (args.maskRatio !== null) sets.push(`${p.maskRatioKey}=${args.maskRatio}`);
    const arms = [...p.arms.map((a) => ({ name: a.name, config: resolve(REPO_ROOT, a.config) })), ...args.arms];
    const seen = new Set<string>();
    for (const a of arms) {
      if (seen.has(a.name)) throw new ConvergenceUsageError(`--arm: the study '${name}' already has an arm named '${a.name}'`);
      seen.add(a.name);
    }
    const metric = args.metric ?? p.metric;
    defs.push({ name, arms: withArmSets(arms), seeds: args.seeds, budgets: args.budgets, sets, metric, direction: args.direction ?? defaultDirection(metric), split: args.split });
  }
  for (const arm of Object.keys(args.armSets)) {
    if (!defs.some((d) => d.arms.some((a) => a.name === arm))) throw new ConvergenceUsageError(`--arm-set: no arm is named '${arm}' (arms: ${[...new Set(defs.flatMap((d) => d.arms.map((a) => a.name)))].join(', ')})`);
  }
  return defs;
}

/** What the study adds to every run: the seed, an evaluation every epoch, the split. */
export function forcedSets(seed: number, split: 'val' | 'test'): string[] {
  return [`seed=${seed}`, 'trainer.evalEvery=1', 'eval.enabled=true', `eval.split=${split}`];
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

const show = (p: string) => relative(process.cwd(), p) || '.';

/**
 * Resolves a study against the files: reads and validates each arm's config with its overrides
 * (so a bad file or `--set` stops everything before a run starts) and lists the runs.
 */
export function planStudy(def: StudyDef, outRoot: string, title = def.name): PlannedStudy {
  if (!ARM_NAME.test(def.name)) throw new ConvergenceUsageError(`study name '${def.name}' must hold only letters, digits, '.', '_' and '-'`);
  const dir = resolve(outRoot, def.name);
  const arms: PlannedArm[] = [];
  const resolved: { arm: string; config: Record<string, unknown> }[] = [];
  const armSources: { arm: string; source: string; set: string[] }[] = [];
  for (const arm of def.arms) {
    const file = resolve(arm.config);
    if (!existsSync(file)) throw new ConvergenceUsageError(`arm '${arm.name}': config file ${arm.config} not found`);
    const source = relative(process.cwd(), file) || file;
    const set = [...def.sets, ...arm.sets, ...forcedSets(def.seeds[0], def.split)];
    let loaded;
    try {
      loaded = loadConfig(source, set);
    } catch (e) {
      if (e instanceof UserError) throw new ConvergenceUsageError(`arm '${arm.name}': ${e.message}`);
      throw e;
    }
    const epochs = (loaded.config as { trainer: { epochs: number } }).trainer.epochs;
    const budgets = def.budgets ?? [1];
    if (budgets.length === 1 && budgets[0] === 1) {
      arms.push({ name: arm.name, config: file, configSha256: sha256(file), sets: [...arm.sets], epochs });
    } else {
      // Each budget is its own run with its own full schedule (trainer.epochs set last), not a
      // point read inside the longer run's schedule.
      for (const budget of budgets) {
        const e = budgetEpochs(epochs, budget);
        arms.push({ name: `${arm.name}@${budget}`, base: arm.name, budget, config: file, configSha256: sha256(file), sets: [...arm.sets, `trainer.epochs=${e}`], epochs: e });
      }
    }
    resolved.push({ arm: arm.name, config: loaded.config as unknown as Record<string, unknown> });
    armSources.push({ arm: arm.name, source, set });
  }
  const plan: StudyPlan = { version: 1, name: def.name, metric: def.metric, direction: def.direction, split: def.split, seeds: [...def.seeds], ...(def.budgets && !(def.budgets.length === 1 && def.budgets[0] === 1) ? { budgets: [...def.budgets] } : {}), sets: [...def.sets], arms };
  const runs = runsOf(plan, dir);
  return { dir, plan, runs, warnings: budgetWarnings(resolved), title, armSources };
}

/**
 * Checks every arm's parts and their options (a plugin option that does not exist, a value out
 * of range) with `prepareRunConfig`, as `mto train` will, after importing the installed part
 * packages and each config's `imports:`: a mistake stops the study before anything is written,
 * not run by run.
 */
export async function checkArmParts(studies: readonly PlannedStudy[]): Promise<void> {
  for (const s of studies) {
    for (const r of s.armSources ?? []) {
      try {
        await prepareRunConfig(r.source, { set: r.set });
      } catch (e) {
        if (e instanceof UserError) throw new ConvergenceUsageError(`arm '${r.arm}': ${e.message.split('\n').join(`\narm '${r.arm}': `)}`);
        throw e;
      }
    }
  }
}

/** The epochs of a budget: the fraction of the full epochs, rounded, at least 1. */
export function budgetEpochs(epochs: number, budget: number): number {
  return Math.max(1, Math.round(epochs * budget));
}

/** An arm's directory inside the study: ARM, or ARM/budget-F for an arm expanded by --budgets. */
export function armDir(arm: Pick<PlannedArm, 'name' | 'base' | 'budget'>): string {
  return arm.base !== undefined ? join(arm.base, `budget-${arm.budget}`) : arm.name;
}

/** The runs of a plan. Seed-major: with fewer jobs than runs, every arm of seed 0 finishes before
 * seed 1 starts, so an interrupted study still holds complete comparisons. */
export function runsOf(plan: StudyPlan, dir: string): RunSpec[] {
  return plan.seeds.flatMap((seed) =>
    plan.arms.map((arm) => ({
      study: plan.name,
      arm: arm.name,
      seed,
      config: arm.config,
      configSha256: arm.configSha256,
      sets: [...plan.sets, ...arm.sets, ...forcedSets(seed, plan.split)],
      epochs: arm.epochs,
      dir: join(dir, armDir(arm), `seed-${seed}`),
    })),
  );
}

/** The config fields where the arms may differ without the comparison being unfair. */
const COMPARED = new Set(['name', 'plugins', 'imports']);

/** Fields (other than the name and the plugins) where an arm's resolved config differs from the baseline's. */
export function budgetWarnings(configs: { arm: string; config: Record<string, unknown> }[]): string[] {
  const [base, ...others] = configs;
  const out: string[] = [];
  for (const o of others) {
    const diffs: string[] = [];
    diffPaths(base.config, o.config, '', diffs);
    const relevant = diffs.filter((p) => !COMPARED.has(p.split('.')[0]));
    if (relevant.length) out.push(`arm '${o.arm}' differs from '${base.arm}' beyond name and plugins: ${relevant.join(', ')}`);
  }
  return out;
}

function diffPaths(a: unknown, b: unknown, path: string, out: string[]): void {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) diffPaths((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k, out);
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push(path);
}

/** How two plans differ, one phrase per difference; empty when they are the same plan. */
export function planDifferences(old: StudyPlan, now: StudyPlan): string[] {
  const out: string[] = [];
  const j = (x: unknown) => JSON.stringify(x);
  for (const k of ['metric', 'direction', 'split', 'seeds', 'budgets', 'sets'] as const) {
    if (j(old[k]) !== j(now[k])) out.push(`${k}: ${j(old[k])} before, ${j(now[k])} now`);
  }
  const oldNames = old.arms.map((a) => a.name);
  const newNames = now.arms.map((a) => a.name);
  if (j(oldNames) !== j(newNames)) out.push(`arms: ${j(oldNames)} before, ${j(newNames)} now`);
  for (const a of now.arms) {
    const o = old.arms.find((x) => x.name === a.name);
    if (!o) continue;
    if (o.config !== a.config) out.push(`arm '${a.name}': config ${show(o.config)} before, ${show(a.config)} now`);
    else if (o.configSha256 !== a.configSha256) out.push(`arm '${a.name}': ${show(a.config)} was edited since the study started`);
    if (j(o.sets) !== j(a.sets)) out.push(`arm '${a.name}': overrides ${j(o.sets)} before, ${j(a.sets)} now`);
  }
  return out;
}

/** The identity of a run: a finished run counts only if it was trained from exactly this. */
export function runKey(r: Pick<RunSpec, 'config' | 'configSha256' | 'sets'>): string {
  return JSON.stringify({ config: r.config, configSha256: r.configSha256, sets: r.sets });
}

/** The child's command line (after `node`): the project's `mto train`. */
export function childArgs(mtoBin: string, run: RunSpec, resume: boolean): string[] {
  return [mtoBin, 'train', '--config', run.config, ...run.sets.flatMap((s) => ['--set', s]), '--out', run.dir, ...(resume ? ['--resume'] : [])];
}

/** The `mto` launcher of @mtojs/core (bin/mto.js). */
export function mtoBinPath(): string {
  return join(resolve(require.resolve('@mtojs/core/package.json'), '..'), 'bin', 'mto.js');
}
