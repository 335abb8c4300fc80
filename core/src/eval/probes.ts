import type { MaskedModel } from '../parts/model.js';
import type { ModalityAdapter } from '../parts/adapter.js';
import type { DataSource, Split } from '../parts/data.js';
import type { EvalConfig } from '../config/schema.js';
import type { ForwardContext } from '../hooks/trainer-hooks.js';
import { extractFeatures, evalIndices } from './features.js';
import { knnAccuracy } from './knn.js';
import { linearProbeAccuracy } from './linear-probe.js';

export interface ProbeResult {
  knn: number;
  probe: number;
}

/**
 * k-NN and linear-probe accuracy of frozen features: fitted on the training split, scored on
 * `split`. With `model` null the features are the raw inputs (the baseline every encoder must beat).
 */
export function evaluateProbes(
  model: MaskedModel | null,
  adapter: ModalityAdapter,
  data: DataSource,
  split: Split,
  cfg: EvalConfig,
  ctx?: ForwardContext,
): ProbeResult {
  const numClasses = data.info.classNames?.length;
  const train = extractFeatures(model, adapter, data, 'train', evalIndices(data, 'train', cfg.maxTrainExamples), cfg.batchSize, ctx);
  const test = extractFeatures(model, adapter, data, split, evalIndices(data, split, cfg.maxEvalExamples), cfg.batchSize, ctx);
  try {
    const knn = knnAccuracy(train.features, train.labels, test.features, test.labels, { k: cfg.knnK, numClasses });
    const probe = linearProbeAccuracy(train.features, train.labels, test.features, test.labels, {
      steps: cfg.probeSteps,
      lr: cfg.probeLr,
      weightDecay: cfg.probeWeightDecay,
      numClasses,
    });
    return { knn, probe };
  } finally {
    train.features.dispose();
    test.features.dispose();
  }
}
