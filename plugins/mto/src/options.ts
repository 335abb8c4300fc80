import { z } from 'zod';
import { hasHeterogeneityMeasure, heterogeneityMeasureNames } from './heterogeneity.js';

/** Layers of the mixing module, 0-based and inclusive; negative counts from the end (-1 = last). */
export const layerRangeSchema = z.strictObject({
  from: z.number().int().default(0),
  to: z.number().int().default(-1),
});
export type LayerRange = z.infer<typeof layerRangeSchema>;

export const recalibrationSchema = z.strictObject({
  /** Bias the attention logits of visible queries on masked keys. */
  enabled: z.boolean().default(true),
  /**
   * 'inf' = hard exclusion (visible tokens never aggregate masked ones); a number = soft bias of
   * -beta. YAML's `.inf` (Infinity) is read as 'inf'.
   */
  beta: z.union([z.literal('inf'), z.number().min(0), z.literal(Infinity).transform(() => 'inf' as const)]).default('inf'),
  layers: layerRangeSchema.prefault({}),
});

export const diagnosticsSchema = z.strictObject({
  /** Report per-layer Het, visible->masked mass and row entropies of the mixing module. */
  enabled: z.boolean().default(false),
  /**
   * Report on every `every`-th step (steps where (step + 1) % every == 0, the trainer's logEvery
   * convention) that is also a metric step; unset = every metric step (trainer.logEvery). Use a
   * multiple of logEvery.
   */
  every: z.number().int().min(1).optional(),
});

/**
 * The default heterogeneity measure: compares masked and visible rows on equal terms under
 * recalibration (docs/mto.md). 'entropy-gap', the first reading, stays available by name.
 */
export const DEFAULT_MEASURE = 'support-entropy-gap';

/** The default target of L_e (docs/mto.md, "How the defaults were chosen"). */
export const DEFAULT_TARGET_E = 0.2;

/** The default margin of L_r: non-zero, so L_r acts while heterogeneity is flat across layers. */
export const DEFAULT_DELTA = 0.05;

const measureName = z.string().min(1).superRefine((name, ctx) => {
  if (!hasHeterogeneityMeasure(name)) {
    ctx.addIssue({ code: 'custom', message: `unknown heterogeneity measure '${name}'; known: ${heterogeneityMeasureNames().join(', ')}` });
  }
});

/**
 * Options of the MTO plugin. Every component switches off on its own: recalibration with
 * `recalibration.enabled: false`, each loss term with its lambda at 0. The measure, lambdaE and
 * earlyLayers defaults were chosen on a validation split with the convergence benchmark
 * (docs/mto.md, 'How the defaults were chosen').
 */
export const mtoOptionsSchema = z.strictObject({
  /** The module whose attention MTO acts on; 'auto' = the model's mixingModule (decoder for MAE, encoder for SimMIM/BERT). */
  module: z.string().min(1).default('auto'),
  recalibration: recalibrationSchema.prefault({}),
  /** Weight of L_spa (visible->masked attention mass). 0 by default: hard recalibration makes it identically 0. */
  lambdaSpa: z.number().min(0).default(0),
  /** Weight of L_e (raise heterogeneity in the early layers). */
  lambdaE: z.number().min(0).default(0.1),
  /**
   * Target tau of L_e = mean max(0, tau - Het) over the early layers: heterogeneity is raised up
   * to tau, not without bound. null = the unbounded reading -mean Het (kept for comparison; it
   * has a degenerate optimum, docs/mto.md).
   */
  targetE: z.number().min(0).max(1).nullable().default(DEFAULT_TARGET_E),
  /** Weight of L_r (heterogeneity decreasing through the later layers). */
  lambdaR: z.number().min(0).default(0.1),
  /** How many of the first layers of the module count as early (L_e); the rest are later (L_r). */
  earlyLayers: z.number().int().min(1).default(1),
  /** Margin of L_r: each later layer's Het must lie at least delta below the one before it. */
  delta: z.number().min(0).max(1).default(DEFAULT_DELTA),
  /** Heterogeneity measure: 'attention-js', 'entropy-gap', 'feature-cosine' or one registered with registerHeterogeneityMeasure. */
  measure: measureName.default(DEFAULT_MEASURE),
  /** Linear warm-up of the lambdas over the first N optimiser steps (0 = none). */
  warmupSteps: z.number().int().min(0).default(0),
  diagnostics: diagnosticsSchema.prefault({}),
});

export type MtoOptions = z.infer<typeof mtoOptionsSchema>;
export type MtoOptionsInput = z.input<typeof mtoOptionsSchema>;

/** Resolves a possibly negative layer index against a module of `numLayers` layers. */
export function resolveLayerIndex(index: number, numLayers: number): number {
  return index < 0 ? numLayers + index : index;
}

/** Whether 0-based `layer` lies in the inclusive range, resolved against `numLayers`. */
export function layerInRange(layer: number, numLayers: number, range: LayerRange): boolean {
  return layer >= resolveLayerIndex(range.from, numLayers) && layer <= resolveLayerIndex(range.to, numLayers);
}

/** A layer index in words: 0-based from the start, or counted from the end when negative. */
function layerInWords(index: number): string {
  if (index === -1) return 'the last';
  if (index < 0) return `the ${-index}th from last`;
  return String(index);
}

/** A layer range in words for the logs: 'every layer', 'layers 1 to the last (0-based)', ... */
export function describeLayerRange(range: LayerRange): string {
  if (range.from === 0 && range.to === -1) return 'every layer';
  if (range.from < 0 && range.to === -1) return range.from === -1 ? 'the last layer' : `the last ${-range.from} layers`;
  if (range.from === range.to) return `layer ${layerInWords(range.from)} (0-based)`;
  return `layers ${layerInWords(range.from)} to ${layerInWords(range.to)} (0-based)`;
}
