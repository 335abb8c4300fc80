import * as tf from '@tensorflow/tfjs-core';
import type { EvalContext } from '../eval/eval-context.js';
import type { PreparedBatch, TokenLayout } from '../parts/adapter.js';
import { disposeDataBatch } from '../parts/data.js';
import { toMaskBatch, disposeMaskBatch } from './mask-batch.js';
import { disposePrepared, prepareAndMask } from './prepared-batch.js';

/** What the held-out loss scored. */
export interface HeldoutLoss {
  /** The task loss over every predicted token of the examples (each batch weighted by its predicted tokens). */
  loss: number;
  examples: number;
}

/**
 * The task loss on the first `examples` examples of the evaluated split, with masks drawn from
 * `ctx.rng` (a fixed stream): the same examples and the same masks at every evaluation and for
 * every arm of a comparison with the same seed, so curves differ only by the model. The
 * training RNG is not touched. Plugins' loss terms are not included (it is the pre-training
 * objective that is compared).
 */
export function heldoutLoss(ctx: EvalContext, layout: TokenLayout, examples: number): HeldoutLoss | null {
  const n = Math.min(examples, ctx.data.size(ctx.split));
  if (n === 0) return null;
  let weighted = 0;
  let weight = 0;
  for (let start = 0; start < n; start += ctx.batchSize) {
    const indices = Array.from({ length: Math.min(ctx.batchSize, n - start) }, (_, i) => start + i);
    const batch = ctx.data.batch(ctx.split, indices);
    let prepared: PreparedBatch | null = null;
    let maskBatch: ReturnType<typeof toMaskBatch> | null = null;
    try {
      const sampled = prepareAndMask({ adapter: ctx.adapter, masking: ctx.masking, layout }, batch, ctx.rng, false);
      const pb = (prepared = sampled.prepared);
      const mb = (maskBatch = toMaskBatch(sampled.sample));
      const value = tf.tidy(() => {
        const { pred } = ctx.model.forward(pb, mb, {
          hooks: ctx.hooks,
          step: { step: ctx.step, epoch: ctx.epoch, training: false, mask: mb.mask, padding: pb.padding ?? null },
        });
        return ctx.adapter.loss(pred, pb, mb);
      });
      const loss = value.dataSync()[0];
      value.dispose();
      const predicted = (sampled.sample.target ?? sampled.sample.mask).reduce((a, b) => a + b, 0);
      weighted += loss * predicted;
      weight += predicted;
    } finally {
      if (maskBatch) disposeMaskBatch(maskBatch);
      if (prepared) disposePrepared(prepared, batch.inputs);
      disposeDataBatch(batch);
    }
  }
  return { loss: weight > 0 ? weighted / weight : NaN, examples: n };
}
