import type * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '@mtojs/core';
import type { TokenRoles } from './roles.js';
import { attentionJs } from './measures/attention-js.js';
import { entropyGap } from './measures/entropy-gap.js';
import { featureCosine } from './measures/feature-cosine.js';
import { supportEntropyGap } from './measures/support-entropy-gap.js';

/**
 * A differentiable measure of how different masked tokens are from visible ones in one layer.
 * Values lie in [0, 1]; a sample without masked or without visible tokens gives 0, and no NaN
 * reaches the gradients.
 */
export interface HeterogeneityMeasure {
  /** The name options use, e.g. 'attention-js'. */
  readonly name: string;
  /** What the measure reads: attention probabilities [B, H, T, T] or block features [B, T, W]. */
  readonly requires: 'probs' | 'features';
  /** One line for docs and listings. */
  readonly description?: string;
  /**
   * Per-sample heterogeneity, [B], in [0, 1].
   * @param x probabilities [B, H, T, T] or features [B, T, W], as `requires` says
   * @param tokenMask [B, T], 1 = mask token
   * @param padding [B, T], 1 = padding (neither masked nor visible)
   * @param roles `tokenRoles(tokenMask, padding)` when the caller has them already (the plugin
   *   computes them once per step for every layer); computed from the mask otherwise
   */
  compute(x: tf.Tensor, tokenMask: tf.Tensor2D, padding?: tf.Tensor2D | null, roles?: TokenRoles): tf.Tensor1D;
}

const measures = new Map<string, HeterogeneityMeasure>();

/**
 * Makes a measure available by name to the plugin's `measure` option and to
 * `heterogeneityProfile`. Register before the plugin's options are parsed. Another measure under
 * a taken name is an error unless `replace` is set.
 */
export function registerHeterogeneityMeasure(measure: HeterogeneityMeasure, options: { replace?: boolean } = {}): void {
  const existing = measures.get(measure.name);
  if (existing && existing !== measure && !options.replace) throw new Error(`a heterogeneity measure named '${measure.name}' is already registered`);
  measures.set(measure.name, measure);
}

export function hasHeterogeneityMeasure(name: string): boolean {
  return measures.has(name);
}

export function heterogeneityMeasureNames(): string[] {
  return [...measures.keys()].sort();
}

/** The measure registered under `name`; an unknown name is a ConfigError listing the known ones. */
export function getHeterogeneityMeasure(name: string): HeterogeneityMeasure {
  const m = measures.get(name);
  if (!m) throw new ConfigError(`unknown heterogeneity measure '${name}'; known: ${heterogeneityMeasureNames().join(', ')}`);
  return m;
}

for (const m of [attentionJs, entropyGap, featureCosine, supportEntropyGap]) registerHeterogeneityMeasure(m);
