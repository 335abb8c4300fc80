import * as tf from '@tensorflow/tfjs-core';
import { applyReplacements, disposeMaskBatch, toMaskBatch, type DataSource, type EvalContext, type ModalityAdapter } from '@mtojs/core';
import { FIRST_REGULAR_ID } from './special-tokens.js';

/** Training sequences counted for the unigram baseline. */
const UNIGRAM_SEQUENCES = 2000;

const mostFrequentCache = new WeakMap<DataSource, { vocabSize: number; id: number }>();

/** The most frequent regular (non-special) token of the first training sequences. */
export function mostFrequentToken(data: DataSource, vocabSize: number): number {
  const hit = mostFrequentCache.get(data);
  if (hit && hit.vocabSize === vocabSize) return hit.id;
  const n = Math.min(UNIGRAM_SEQUENCES, data.size('train'));
  const counts = new Float64Array(vocabSize);
  const batch = data.batch('train', Array.from({ length: n }, (_, i) => i));
  try {
    for (const id of batch.inputs.dataSync()) if (id >= FIRST_REGULAR_ID && id < vocabSize) counts[id]++;
  } finally {
    batch.inputs.dispose();
  }
  let best = FIRST_REGULAR_ID;
  for (let i = FIRST_REGULAR_ID; i < vocabSize; i++) if (counts[i] > counts[best]) best = i;
  mostFrequentCache.set(data, { vocabSize, id: best });
  return best;
}

/**
 * Masked-token accuracy on the first `maxExamples` sequences of the evaluated split, masked by
 * the run's strategy from the evaluation RNG (the same masks every time): the share of
 * predicted positions (MaskSample.target) whose arg-max prediction is the original token.
 * `unigram_acc` is the same share for always predicting the most frequent training token, the
 * baseline an MLM must beat; `mlm_loss` is the task loss on those positions.
 */
export async function evaluateMaskedTokens(adapter: ModalityAdapter, ctx: EvalContext, maxExamples: number): Promise<Record<string, number>> {
  const n = Math.min(maxExamples, ctx.data.size(ctx.split));
  if (n === 0) return {};
  const layout = adapter.layout;
  const frequent = mostFrequentToken(ctx.data, layout.tokenDim);
  let correct = 0;
  let unigram = 0;
  let targets = 0;
  let lossSum = 0;
  for (let s = 0; s < n; s += ctx.batchSize) {
    const idx = Array.from({ length: Math.min(ctx.batchSize, n - s) }, (_, i) => s + i);
    const batch = ctx.data.batch(ctx.split, idx);
    const prepared = adapter.prepare(batch);
    const sample = ctx.masking.sample(
      { batchSize: prepared.batchSize, layout, protected: prepared.protected, tokens: prepared.tokenIds, wordStarts: prepared.wordStarts },
      ctx.rng,
    );
    if (sample.replaceIds) applyReplacements(prepared, sample.replaceIds, sample.target ?? sample.mask, batch.inputs);
    const maskBatch = toMaskBatch(sample);
    try {
      const [predicted, loss] = tf.tidy(() => {
        const { pred } = ctx.model.forward(prepared, maskBatch, {
          hooks: ctx.hooks,
          step: { step: ctx.step, epoch: ctx.epoch, training: false, mask: maskBatch.mask, padding: prepared.padding ?? null },
        });
        return [tf.argMax(pred, -1), adapter.loss(pred, prepared, maskBatch)];
      });
      const [predIds, lossValue] = await Promise.all([predicted.data(), loss.data()]);
      tf.dispose([predicted, loss]);
      const target = sample.target ?? sample.mask;
      const truth = prepared.tokenIds!;
      // Full predictions are read at the target positions; packed ones (TextStem.headAtTargets) in order.
      const packed = predIds.length !== target.length;
      let batchTargets = 0;
      for (let i = 0; i < target.length; i++) {
        if (!target[i]) continue;
        const guess = packed ? predIds[batchTargets] : predIds[i];
        batchTargets++;
        if (guess === truth[i]) correct++;
        if (truth[i] === frequent) unigram++;
      }
      targets += batchTargets;
      lossSum += lossValue[0] * batchTargets;
    } finally {
      disposeMaskBatch(maskBatch);
      batch.inputs.dispose();
      for (const t of [prepared.tokens, prepared.targets, prepared.padding]) if (t && !t.isDisposed) t.dispose();
    }
  }
  if (targets === 0) return {};
  return { mlm_acc: correct / targets, unigram_acc: unigram / targets, mlm_loss: lossSum / targets };
}
