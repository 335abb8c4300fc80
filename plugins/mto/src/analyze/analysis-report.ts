import type { DataSingularity } from './data-singularity.js';
import type { SpatialRandomness } from './spatial-randomness.js';
import type { SubstitutionalConsistency } from './substitutional-consistency.js';

export const ANALYSIS_FORMAT = 'mtojs-mto-analysis';
export const ANALYSIS_VERSION = 1;

/** One layer of the mixing module's heterogeneity profile on the analysis sample (batch means). */
export interface LayerAnalysis {
  /** 0-based layer of the mixing module. */
  layer: number;
  /** Het^l by measure name ('attention-js', 'entropy-gap', 'feature-cosine', registered ones), each in [0, 1]. */
  het: Record<string, number | null>;
  /** Attention mass visible queries put on masked keys, in [0, 1] (0 under hard recalibration). */
  vis2mask: number | null;
  /** Mean attention-row entropy of masked queries, nats, in [0, ln T]. */
  entropyMasked: number | null;
  /** Mean attention-row entropy of visible queries, nats, in [0, ln T]. */
  entropyVisible: number | null;
}

/** What `mto analyze` prints and writes (docs/mto.md explains every field). */
export interface AnalysisReport {
  format: typeof ANALYSIS_FORMAT;
  version: typeof ANALYSIS_VERSION;
  /** The checkpoint analysed (null when a live trainer was analysed). */
  checkpoint: { dir: string; step: number; epoch: number } | null;
  run: { name: string; model: string; masking: Record<string, unknown>; plugins: string[]; backend: string };
  /** The data the profile and checks (b), (c) ran on: the first `examples` of `split`, masked with the run's strategy from the 'analyze/sample-masks' stream of `seed`. */
  sample: { split: string; examples: number; seed: number };
  /** The module where mask tokens meet visible tokens. `tokens` counts CLS; `maxEntropy` = ln(tokens) bounds the row entropies. */
  mixingModule: { name: string; layers: number; tokens: number; maxEntropy: number };
  profile: LayerAnalysis[];
  properties: {
    spatialRandomness: SpatialRandomness;
    substitutionalConsistency: SubstitutionalConsistency;
    dataSingularity: ({ available: true } & DataSingularity) | { available: false; reason: string };
  };
}
