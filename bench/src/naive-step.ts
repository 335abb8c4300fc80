import * as tf from '@tensorflow/tfjs-core';
import { Rng, disposeDataBatch, disposeMaskBatch, toMaskBatch, type MaskBatch, type NamedVariable, type PreparedBatch, type Trainer } from '@mtojs/core';
import { NaiveMaskedModel, naiveSpecOf } from './naive-model.js';

/**
 * A full training step of the naive reference, the work Trainer.trainStep does with the naive
 * model in place of the library's: data batch, adapter.prepare, mask sampling, forward and
 * loss, tfjs's default gradients, the run's optimiser and schedule, one loss read-back.
 *
 * It borrows the parts (data, adapter, masking, optimiser, schedule, variables) of a trainer
 * built from the same config, which it alone then steps: the same seed gives the naive
 * reference the library's initial weights and mask sequence, so their first losses agree.
 */
export class NaiveReferenceStep {
  readonly model: NaiveMaskedModel;
  private readonly params: NamedVariable[];
  private readonly maskRng: Rng;
  private stepIndex = 0;

  constructor(private readonly trainer: Trainer) {
    const byName = new Map(trainer.model.variables().map((v) => [v.name, v.variable as tf.Tensor]));
    const lookup = (name: string): tf.Tensor => {
      const found = byName.get(name);
      if (!found) throw new Error(`naive reference: the model has no variable '${name}'`);
      return found;
    };
    this.model = new NaiveMaskedModel(naiveSpecOf(trainer.model), trainer.layout, lookup);
    this.params = trainer.parameters;
    // The trainer's own mask stream is rng.stream('masking') of the run seed.
    this.maskRng = new Rng(trainer.config.seed).stream('masking');
  }

  /** One optimiser step on the training examples at `indices`; returns the loss. Frees every tensor it makes. */
  step(indices: ArrayLike<number>): number {
    const { data, adapter, masking, optimizer, schedule } = this.trainer;
    const batch = data.batch('train', indices);
    let prepared: PreparedBatch | null = null;
    let mask: MaskBatch | null = null;
    try {
      prepared = adapter.prepare(batch, { training: true });
      if (prepared.padding) throw new Error('naive reference: padded batches are not covered');
      mask = toMaskBatch(masking.sample({ batchSize: prepared.batchSize, layout: this.trainer.layout, protected: prepared.protected }, this.maskRng));
      const p = prepared;
      const m = mask;
      const { value, grads } = tf.variableGrads(
        () => this.model.loss(this.model.forward(p.tokens as tf.Tensor3D, m), p.targets, m),
        this.params.map((v) => v.variable),
      );
      try {
        const loss = value.dataSync()[0];
        const used = this.params.filter((v) => grads[v.variable.name]);
        optimizer.apply(used, used.map((v) => grads[v.variable.name]), schedule.lr(this.stepIndex, optimizer.learningRate));
        this.stepIndex++;
        return loss;
      } finally {
        value.dispose();
        for (const g of Object.values(grads)) g.dispose();
      }
    } finally {
      disposeDataBatch(batch);
      if (prepared) for (const t of [prepared.tokens, prepared.targets]) if (t !== batch.inputs && !t.isDisposed) t.dispose();
      if (mask) disposeMaskBatch(mask);
    }
  }

  dispose(): void {
    this.model.dispose();
  }
}
