import { availableParallelism } from 'node:os';
import { PRESETS, ARM_NAME } from './study.js';

/** A command-line mistake: the CLI prints the message on one line and exits with status 2. */
export class ConvergenceUsageError extends Error {}

export interface ConvergenceArgs {
  /** Preset names (`--study a,b`); empty for a custom study. */
  studies: string[];
  /** Custom arms in order: `--baseline`, `--mto`, then each `--arm`. */
  arms: { name: string; config: string }[];
  /** `--arm-set ARM:KEY=VALUE`, by arm. */
  armSets: Record<string, string[]>;
  name: string | null;
  seeds: number[];
  /** Fractions of the epoch budget each arm is trained for, each run with its own full schedule (default [1]). */
  budgets: number[];
  sets: string[];
  epochs: number | null;
  probeLabels: number | null;
  maskRatio: number | null;
  metric: string | null;
  direction: 'max' | 'min' | null;
  split: 'val' | 'test';
  jobs: number;
  nice: number;
  out: string;
  force: boolean;
  dryRun: boolean;
  reportOnly: boolean;
  help: boolean;
}

/** Parallel runs by default: all cores but one, so the machine stays usable. */
export const DEFAULT_JOBS = Math.max(1, availableParallelism() - 1);

export const DEFAULT_OUT = 'bench-results/convergence';

export function defaultArgs(): ConvergenceArgs {
  return {
    studies: [],
    arms: [],
    armSets: {},
    name: null,
    seeds: [0, 1, 2],
    budgets: [1],
    sets: [],
    epochs: null,
    probeLabels: null,
    maskRatio: null,
    metric: null,
    direction: null,
    split: 'test',
    jobs: DEFAULT_JOBS,
    nice: 0,
    out: DEFAULT_OUT,
    force: false,
    dryRun: false,
    reportOnly: false,
    help: false,
  };
}

export const USAGE = `usage: npm run bench:convergence -- (--study NAME[,NAME] | --baseline A.yaml --mto B.yaml) [options]

Trains a baseline config and its MTO twin (and any other arms) with several seeds, evaluating
every epoch, and reports final metrics, epochs-to-target and RAUC per arm (docs/convergence.md).

study:
  --study LIST        presets: ${PRESETS.map((p) => p.name).join(', ')}
  --baseline FILE     a custom study: the baseline arm's config
  --mto FILE          ... and the MTO arm's config
  --arm NAME=FILE     one more arm (repeatable; also adds to a preset)
  --arm-set ARM:KEY=VALUE   an override for one arm only (repeatable)
  --name NAME         the custom study's name (default: custom)
  --seeds N|a,b,...   N seeds 0..N-1, or the listed seeds (default 3)
  --budgets F,F,...   train every arm for each fraction of the epochs, each run with its own
                      full schedule (default 1), e.g. 0.5,1: the paper's E/2 vs E protocol
  --set KEY=VALUE     an override for every arm (repeatable), e.g. --set data.valSize=1000
  --epochs N          = --set trainer.epochs=N (the budget)
  --probe-labels N    = --set eval.maxTrainExamples=N (labelled examples of the probes)
  --mask-ratio R      = --set masking.ratio=R (masking.selectRatio for text)
  --metric NAME       the compared metric (default eval/probe_acc; eval/mlm_acc for text)
  --direction max|min whether higher or lower is better (default: min for losses, else max)
  --split val|test    the split every evaluation reads (default test); choose settings on
                      val, report on test
running:
  --out DIR           studies go to DIR/STUDY/ (default ${DEFAULT_OUT})
  --jobs N            runs in parallel (default ${DEFAULT_JOBS}: cores - 1)
  --nice N            niceness of the training processes, 0-19 (default 0)
  --force             replace a study.json whose plan differs; changed runs are redone
  --dry-run           print the plan and exit
  --report-only       recompute the results from the finished runs; train nothing`;

const VALUE_FLAGS = [
  '--study', '--baseline', '--mto', '--arm', '--arm-set', '--name', '--seeds', '--budgets', '--set', '--epochs', '--probe-labels', '--mask-ratio',
  '--metric', '--direction', '--split', '--out', '--jobs', '--nice',
];
const BOOL_FLAGS = ['--force', '--dry-run', '--report-only'];

/** Overrides the study owns: a `--set` of one of them would silently break the comparison. */
const RESERVED: Record<string, string> = {
  seed: 'use --seeds',
  'trainer.evalEvery': 'every run evaluates every epoch',
  'eval.split': 'use --split',
  'eval.enabled': 'every run evaluates every epoch',
  name: 'runs are named by arm and seed',
};

function whole(flag: string, value: string, min: number, max = Infinity): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new ConvergenceUsageError(`${flag}: expected a whole number ${max < Infinity ? `from ${min} to ${max}` : `>= ${min}`}, got '${value}'`);
  return n;
}

function assignment(flag: string, value: string): string {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new ConvergenceUsageError(`${flag} ${value}: expected KEY=VALUE, e.g. ${flag} trainer.epochs=8`);
  const key = value.slice(0, eq);
  const why = RESERVED[key];
  if (why) throw new ConvergenceUsageError(`${flag} ${value}: the study sets '${key}' itself (${why})`);
  return value;
}

function seeds(value: string): number[] {
  if (/^\d+$/.test(value)) {
    const n = whole('--seeds', value, 1);
    return Array.from({ length: n }, (_, i) => i);
  }
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0 || items.some((s) => !/^\d+$/.test(s))) throw new ConvergenceUsageError(`--seeds: expected a count (3) or a list of whole numbers (0,1,2), got '${value}'`);
  const list = items.map(Number);
  if (new Set(list).size !== list.length) throw new ConvergenceUsageError(`--seeds: '${value}' lists a seed twice`);
  return list;
}

function budgets(value: string): number[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  const list = items.map(Number);
  if (items.length === 0 || list.some((b) => !Number.isFinite(b) || b <= 0 || b > 1)) throw new ConvergenceUsageError(`--budgets: expected fractions of the epochs in (0, 1], e.g. 0.5,1, got '${value}'`);
  if (new Set(list).size !== list.length) throw new ConvergenceUsageError(`--budgets: '${value}' lists a budget twice`);
  return [...list].sort((x, y) => y - x);
}

function armName(flag: string, name: string): string {
  if (!ARM_NAME.test(name)) throw new ConvergenceUsageError(`${flag}: arm name '${name}' must start with a letter or digit and hold only letters, digits, '.', '_' and '-'`);
  return name;
}

/** Parses the CLI's flags (`--flag value` or `--flag=value`). */
export function parseConvergenceArgs(argv: readonly string[]): ConvergenceArgs {
  const a = defaultArgs();
  const pairFlags: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      a.help = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (BOOL_FLAGS.includes(flag)) {
      if (eq > 0 && arg.startsWith('--')) throw new ConvergenceUsageError(`${flag}: takes no value`);
      if (flag === '--force') a.force = true;
      else if (flag === '--dry-run') a.dryRun = true;
      else a.reportOnly = true;
      continue;
    }
    if (!VALUE_FLAGS.includes(flag)) throw new ConvergenceUsageError(`unknown ${arg.startsWith('-') ? 'flag' : 'argument'} '${flag}' (see --help)`);
    let value: string;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new ConvergenceUsageError(`${flag}: missing value`);
      value = next;
      i++;
    }
    if (value.trim() === '') throw new ConvergenceUsageError(`${flag}: missing value`);
    switch (flag) {
      case '--study': {
        const names = value.split(',').map((s) => s.trim()).filter(Boolean);
        for (const n of names) if (!PRESETS.some((p) => p.name === n)) throw new ConvergenceUsageError(`--study: unknown study '${n}' (known: ${PRESETS.map((p) => p.name).join(', ')})`);
        a.studies = [...new Set([...a.studies, ...names])];
        break;
      }
      case '--baseline':
      case '--mto': {
        const name = flag.slice(2);
        if (pairFlags.includes(flag)) throw new ConvergenceUsageError(`${flag}: given twice`);
        pairFlags.push(flag);
        const arm = { name, config: value };
        if (name === 'baseline') a.arms.unshift(arm);
        else a.arms.splice(a.arms[0]?.name === 'baseline' ? 1 : 0, 0, arm);
        break;
      }
      case '--arm': {
        const at = value.indexOf('=');
        if (at <= 0 || at === value.length - 1) throw new ConvergenceUsageError(`--arm ${value}: expected NAME=FILE, e.g. --arm lambda02=examples/mnist/mae-mto.yaml`);
        a.arms.push({ name: armName('--arm', value.slice(0, at)), config: value.slice(at + 1) });
        break;
      }
      case '--arm-set': {
        const colon = value.indexOf(':');
        if (colon <= 0) throw new ConvergenceUsageError(`--arm-set ${value}: expected ARM:KEY=VALUE, e.g. --arm-set mto:plugins.mto.lambdaE=0.2`);
        const arm = armName('--arm-set', value.slice(0, colon));
        (a.armSets[arm] ??= []).push(assignment('--arm-set', value.slice(colon + 1)));
        break;
      }
      case '--name':
        a.name = armName('--name', value);
        break;
      case '--seeds':
        a.seeds = seeds(value);
        break;
      case '--budgets':
        a.budgets = budgets(value);
        break;
      case '--set':
        a.sets.push(assignment('--set', value));
        break;
      case '--epochs':
        a.epochs = whole(flag, value, 1);
        break;
      case '--probe-labels':
        a.probeLabels = whole(flag, value, 1);
        break;
      case '--mask-ratio': {
        const r = Number(value);
        if (!Number.isFinite(r) || r <= 0 || r >= 1) throw new ConvergenceUsageError(`--mask-ratio: expected a number between 0 and 1 (exclusive), got '${value}'`);
        a.maskRatio = r;
        break;
      }
      case '--metric':
        a.metric = value;
        break;
      case '--direction':
        if (value !== 'max' && value !== 'min') throw new ConvergenceUsageError(`--direction: expected max or min, got '${value}'`);
        a.direction = value;
        break;
      case '--split':
        if (value !== 'val' && value !== 'test') throw new ConvergenceUsageError(`--split: expected val or test, got '${value}'`);
        a.split = value;
        break;
      case '--out':
        a.out = value;
        break;
      case '--jobs':
        a.jobs = whole(flag, value, 1);
        break;
      case '--nice':
        a.nice = whole(flag, value, 0, 19);
        break;
    }
  }
  if (a.help) return a;
  const custom = a.arms.length > 0;
  if (a.studies.length === 0 && a.reportOnly && !custom) {
    if (!a.name) throw new ConvergenceUsageError('--report-only: name the study: --study NAME, or --name NAME for a custom one');
  } else if (a.studies.length === 0) {
    if (!pairFlags.includes('--baseline')) throw new ConvergenceUsageError(custom ? '--baseline FILE is required for a custom study' : 'choose a study: --study NAME or --baseline A.yaml --mto B.yaml (see --help)');
    if (a.arms.length < 2) throw new ConvergenceUsageError('a custom study needs a second arm: --mto FILE or --arm NAME=FILE');
  } else {
    if (pairFlags.length) throw new ConvergenceUsageError(`${pairFlags[0]}: not with --study (the preset defines it); add arms with --arm NAME=FILE`);
    if (a.name) throw new ConvergenceUsageError('--name: only for a custom study (a preset study is named after the preset)');
  }
  const names = new Set<string>();
  for (const arm of a.arms) {
    if (names.has(arm.name)) throw new ConvergenceUsageError(`--arm: the arm name '${arm.name}' is used twice`);
    names.add(arm.name);
  }
  return a;
}
