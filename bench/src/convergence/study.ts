import { join, resolve } from 'node:path';

/** One arm of a study: a config file plus the overrides that apply to this arm only. */
export interface ArmDef {
  name: string;
  /** The config file as the user (or the preset) named it. */
  config: string;
  sets: string[];
}

/** A study: arms × seeds under common overrides, compared on one metric. */
export interface StudyDef {
  name: string;
  /** The first arm is the baseline the others are compared with. */
  arms: ArmDef[];
  seeds: number[];
  /** Fractions of each arm's epochs it is also trained for, each with its own full schedule; [1] = just the budget. */
  budgets?: number[];
  /** `--set` overrides applied to every arm (before the arm's own). */
  sets: string[];
  metric: string;
  /** 'max': higher is better (accuracies); 'min': lower is better (losses). */
  direction: 'max' | 'min';
  split: 'val' | 'test';
}

export interface Preset {
  name: string;
  title: string;
  /** Paths relative to the repository root. */
  arms: { name: string; config: string }[];
  metric: string;
  /** The config key that `--mask-ratio` sets. */
  maskRatioKey: string;
}

const mnist = (file: string) => join('examples', 'mnist', file);

export const PRESETS: readonly Preset[] = [
  {
    name: 'vision',
    title: 'MAE vs MAE + MTO on the built-in MNIST digits',
    arms: [
      { name: 'baseline', config: mnist('mae.yaml') },
      { name: 'mto', config: mnist('mae-mto.yaml') },
    ],
    metric: 'eval/probe_acc',
    maskRatioKey: 'masking.ratio',
  },
  {
    name: 'vision-ablations',
    title: 'MAE, each MTO component alone, and full MTO on MNIST',
    arms: [
      { name: 'baseline', config: mnist('mae.yaml') },
      { name: 'recalibration-only', config: mnist('ablations/mae-recalibration-only.yaml') },
      { name: 'spa-only', config: mnist('ablations/mae-spa-only.yaml') },
      { name: 'early-only', config: mnist('ablations/mae-early-only.yaml') },
      { name: 'rank-only', config: mnist('ablations/mae-rank-only.yaml') },
      { name: 'mto', config: mnist('mae-mto.yaml') },
    ],
    metric: 'eval/probe_acc',
    maskRatioKey: 'masking.ratio',
  },
  {
    name: 'text',
    title: 'BERT-style MLM vs MLM + MTO on the SpamAssassin emails',
    arms: [
      { name: 'baseline', config: join('examples', 'text', 'mlm.yaml') },
      { name: 'mto', config: join('examples', 'text', 'mlm-mto.yaml') },
    ],
    metric: 'eval/mlm_acc',
    maskRatioKey: 'masking.selectRatio',
  },
  {
    name: 'audio',
    title: 'AudioMAE vs AudioMAE + MTO on the built-in spoken digits',
    arms: [
      { name: 'baseline', config: join('examples', 'audio', 'audiomae.yaml') },
      { name: 'mto', config: join('examples', 'audio', 'audiomae-mto.yaml') },
    ],
    metric: 'eval/probe_acc',
    maskRatioKey: 'masking.ratio',
  },
];

export const presetByName = (name: string): Preset | undefined => PRESETS.find((p) => p.name === name);

/** The repository root (the presets' paths are relative to it): bench/dist/convergence → ../../.. */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

/** Lower is better for losses and errors, higher for everything else (accuracies). */
export function defaultDirection(metric: string): 'max' | 'min' {
  return /loss|mse|error|perplexity/i.test(metric) ? 'min' : 'max';
}

/** Arm names become directory names: keep them to letters, digits, '-', '_' and '.'. */
export const ARM_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
