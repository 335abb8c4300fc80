import * as tf from '@tensorflow/tfjs-core';
import { Rng, UserError, disposeDataBatch, disposeMaskBatch, toMaskBatch, type MaskBatch, type PreparedBatch, type StepContext, type Trainer } from '@mtojs/core';
import { heterogeneityMeasureNames } from '../heterogeneity.js';
import { heterogeneityProfile, type LayerProfile } from '../profile.js';
import { MtoPlugin } from '../plugin.js';
import { ANALYSIS_FORMAT, ANALYSIS_VERSION, type AnalysisReport, type LayerAnalysis } from './analysis-report.js';
import { dataSingularity } from './data-singularity.js';
import { hasMixingInput } from './mixing-input.js';
import { tapMixingLayers } from './mixing-layers.js';
import { spatialRandomness } from './spatial-randomness.js';
import { substitutionalConsistency } from './substitutional-consistency.js';

export interface AnalyzeOptions {
  /** Examples of the evaluation split run through the model (default 256). */
  samples?: number;
  /** Masks drawn for the spatial-randomness check (default 2000). */
  maskRows?: number;
  /** Most real-token embeddings the mask token is compared with (default 2048). */
  realTokens?: number;
  /** Real tokens whose nearest-neighbour distance sets the reference scale (default 512). */
  referenceTokens?: number;
}

export const ANALYZE_DEFAULTS = { samples: 256, maskRows: 2000, realTokens: 2048, referenceTokens: 512 } as const;

/**
 * The mixing module's heterogeneity profile and the three properties of the mask token, for a
 * set-up trainer (weights restored or not). Runs outside the gradient tape with
 * `training: false`, through the run's hooks, so plugins act as in evaluation (MTO's
 * recalibration included). Deterministic for a given seed, checkpoint and backend.
 */
export function analyzeTrainer(trainer: Trainer, options: AnalyzeOptions = {}): AnalysisReport {
  const o = { ...ANALYZE_DEFAULTS, ...options };
  const { model, adapter, data, masking, config } = trainer;
  const layout = trainer.layout;
  const split = data.size(trainer.evalSplit()) > 0 ? trainer.evalSplit() : 'train';
  const examples = Math.min(o.samples, data.size(split));
  if (examples === 0) throw new UserError(`mto analyze: the data source has no examples to analyse (evaluation and training splits are empty)`);
  const mto = trainer.plugins.find((p): p is MtoPlugin => p instanceof MtoPlugin);
  const module = mto?.mixingModule || model.mixingModule;
  const seed = config.seed;
  const root = new Rng(seed);

  const batch = data.batch(
    split,
    Array.from({ length: examples }, (_, i) => i),
  );
  let prepared: PreparedBatch | null = null;
  let maskBatch: MaskBatch | null = null;
  try {
    prepared = adapter.prepare(batch, { training: false });
    maskBatch = toMaskBatch(masking.sample({ batchSize: examples, layout, protected: prepared.protected }, root.stream('analyze/sample-masks')));
    const step: StepContext = { step: trainer.step, epoch: trainer.epoch, training: false, mask: maskBatch.mask, padding: prepared.padding ?? null };
    const ctx = { hooks: trainer.hooks, step };

    // 1. The heterogeneity profile of the mixing module, one forward pass.
    const measures = heterogeneityMeasureNames();
    let profile: LayerAnalysis[] = [];
    let tokens = 0;
    const taps = tapMixingLayers(trainer.hooks, module);
    try {
      tf.tidy(() => {
        trainer.hooks.stepStart.call(step);
        model.forward(prepared!, maskBatch!, ctx);
        trainer.hooks.stepEnd.call(step);
        const layers = Array.from({ length: taps.numLayers }, (_, l) => taps.layers.get(l));
        const missing = layers.flatMap((l, i) => (l ? [] : [i]));
        if (layers.length === 0 || missing.length > 0) {
          throw new UserError(
            `mto analyze: no attention layer of module '${module}' saw mask tokens${missing.length ? ` (layers ${missing.join(', ')} missing)` : ''}; is the plugin's 'module' right?`,
          );
        }
        tokens = layers[0]!.tokenMask.shape[1];
        const byMeasure = measures.map((m) => heterogeneityProfile(layers as NonNullable<(typeof layers)[number]>[], { measure: m }));
        profile = layers.map((_, l) => layerAnalysis(l, measures, byMeasure.map((p) => p[l])));
      });
    } finally {
      taps.untap();
    }

    // 2. The tokens entering the mixing module: real embeddings and mask tokens in one space.
    let mixing: { values: Float32Array; numTokens: number; width: number } | null = null;
    if (hasMixingInput(model)) {
      const input = tf.tidy(() => model.mixingInput(prepared!, maskBatch!, ctx));
      mixing = { values: input.dataSync() as Float32Array, numTokens: input.shape[1], width: input.shape[2] };
      input.dispose();
    }
    const maskFlags = maskBatch.sample.mask;
    const padding = prepared.padding ? prepared.padding.dataSync() : null;
    const singularity = (() => {
      if (!mixing) return { available: false as const, reason: `model '${config.model.name}' does not expose mixingInput(batch, mask), so real tokens cannot be placed in the mask token's space` };
      const rows = visibleRows(maskFlags, padding);
      if (rows.length < 2) return { available: false as const, reason: `the sample has ${rows.length} visible token(s); at least 2 are needed` };
      const order = root.stream('analyze/real-tokens').permutation(rows.length);
      const take = Math.min(o.realTokens, rows.length);
      const real = new Float32Array(take * mixing.width);
      for (let i = 0; i < take; i++) real.set(mixing.values.subarray(rows[order[i]] * mixing.width, (rows[order[i]] + 1) * mixing.width), i * mixing.width);
      return { available: true as const, ...dataSingularity(model.maskToken().dataSync(), real, o.referenceTokens) };
    })();

    return {
      format: ANALYSIS_FORMAT,
      version: ANALYSIS_VERSION,
      checkpoint: null,
      run: {
        name: config.name,
        model: config.model.name,
        masking: { ...config.masking },
        plugins: config.plugins.map((p) => p.name),
        backend: tf.getBackend(),
      },
      sample: { split, examples, seed },
      mixingModule: { name: module, layers: profile.length, tokens, maxEntropy: Math.log(tokens) },
      profile,
      properties: {
        spatialRandomness: spatialRandomness(masking, layout, o.maskRows, root.stream('analyze/coverage')),
        substitutionalConsistency: substitutionalConsistency(model, config.model.name, mixing, maskFlags),
        dataSingularity: singularity,
      },
    };
  } finally {
    disposeDataBatch(batch);
    if (prepared) for (const t of [prepared.tokens, prepared.targets, prepared.padding]) if (t && t !== batch.inputs && !t.isDisposed) t.dispose();
    if (maskBatch) disposeMaskBatch(maskBatch);
  }
}

/** Merges one layer's profiles under each measure: Het per measure, attention statistics once. */
function layerAnalysis(layer: number, measures: string[], profiles: LayerProfile[]): LayerAnalysis {
  const het = Object.fromEntries(measures.map((m, i) => [m, profiles[i].het]));
  const { vis2mask, entropyMasked, entropyVisible } = profiles[0];
  return { layer, het, vis2mask, entropyMasked, entropyVisible };
}

/** Flat indices b * N + i of tokens that are neither masked nor padding. */
function visibleRows(mask: Uint8Array, padding: ArrayLike<number> | null): number[] {
  const rows: number[] = [];
  for (let r = 0; r < mask.length; r++) if (!mask[r] && !(padding && padding[r])) rows.push(r);
  return rows;
}
