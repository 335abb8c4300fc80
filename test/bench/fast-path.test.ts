import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { MemoryLogger, Rng, createTrainer, disposeMaskBatch, noHooks, parseRunConfig, toMaskBatch, validateParts, type ForwardContext, type MaskBatch, type PreparedBatch, type Trainer } from '@mtojs/core';
import '@mtojs/masking';
import '@mtojs/transformer';
import '@mtojs/image';
// Importing the bench package also registers data 'synthetic-images'.
import { NaiveMaskedModel, naiveSpecOf } from '@mtojs/bench';

// The library's fast path (custom gradients, attention as depthwise convolutions on wasm,
// scatter-add gathers) must compute the same function as the naive reference the benchmark
// times it against: plain tfjs ops with tfjs's own gradients. Both read the same variables.

/** Relative error allowed between the two gradients of every variable (float32). */
const TOLERANCE = 1e-4;

/** Small MAE and SimMIM runs on random 16x16 images in 4x4 patches (16 tokens). */
function tinyConfig(model: Record<string, unknown>) {
  const raw = {
    seed: 3,
    data: { name: 'synthetic-images', height: 16, width: 16, channels: 1, trainSize: 8 },
    adapter: { name: 'image', patchSize: 4, normPix: true },
    masking: { name: 'random', ratio: 0.75 },
    model,
    trainer: { batchSize: 4 },
    eval: { enabled: false },
  };
  return validateParts(parseRunConfig(raw, 'fast-path test'), 'fast-path test');
}

const MODELS = {
  mae: { name: 'mae', width: 16, depth: 2, heads: 4, mlpRatio: 4, decoderWidth: 8, decoderDepth: 2, decoderHeads: 2 },
  simmim: { name: 'simmim', width: 16, depth: 2, heads: 2, mlpRatio: 4 },
} as const;

/** A set-up trainer whose every variable holds random values (so no bias is 0 and no gain is 1). */
async function randomisedTrainer(model: Record<string, unknown>, seed: number): Promise<Trainer> {
  const trainer = createTrainer(tinyConfig(model), { logger: new MemoryLogger() });
  await trainer.setup();
  const rng = new Rng(seed).stream('weights');
  for (const p of trainer.model.variables()) {
    const values = Float32Array.from({ length: p.variable.size }, () => rng.normal(0, 0.3));
    p.variable.assign(tf.tensor(values, p.variable.shape));
  }
  return trainer;
}

interface Gradients {
  loss: number;
  byName: Map<string, Float32Array>;
}

/** Loss and gradients of every model variable for one batch and mask. */
function gradients(trainer: Trainer, lossOf: (batch: PreparedBatch, mask: MaskBatch) => tf.Scalar, batch: PreparedBatch, mask: MaskBatch): Gradients {
  const vars = trainer.model.variables();
  const { value, grads } = tf.variableGrads(() => lossOf(batch, mask), vars.map((v) => v.variable));
  const byName = new Map(vars.map((v) => [v.name, grads[v.variable.name].dataSync() as Float32Array]));
  const loss = value.dataSync()[0];
  value.dispose();
  Object.values(grads).forEach((g) => g.dispose());
  return { loss, byName };
}

function relativeError(actual: Float32Array, expected: Float32Array): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < expected.length; i++) {
    diff += (actual[i] - expected[i]) ** 2;
    norm += expected[i] ** 2;
  }
  return Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-12);
}

function assertSameGradients(actual: Gradients, expected: Gradients, what: string): void {
  assert.ok(Math.abs(actual.loss - expected.loss) <= TOLERANCE * Math.abs(expected.loss), `${what}: loss ${actual.loss} != ${expected.loss}`);
  assert.equal(actual.byName.size, expected.byName.size, `${what}: different variables`);
  for (const [name, g] of expected.byName) {
    const err = relativeError(actual.byName.get(name)!, g);
    assert.ok(err < TOLERANCE, `${what}: gradient of ${name} differs by ${err.toExponential(2)} (relative)`);
  }
}

/** One batch of the trainer's data, prepared and masked as a training step would be. */
function trainingBatch(trainer: Trainer, seed: number): { batch: PreparedBatch; mask: MaskBatch; dispose(): void } {
  const raw = trainer.data.batch('train', [0, 1, 2, 3]);
  const batch = trainer.adapter.prepare(raw, { training: true });
  const mask = toMaskBatch(trainer.masking.sample({ batchSize: 4, layout: trainer.layout }, new Rng(seed).stream('mask')));
  return {
    batch,
    mask,
    dispose() {
      raw.inputs.dispose();
      tf.dispose([batch.tokens, batch.targets]);
      disposeMaskBatch(mask);
    },
  };
}

after(async () => {
  await tf.setBackend('cpu');
});

for (const backend of ['cpu', 'wasm'] as const) {
  for (const [kind, model] of Object.entries(MODELS)) {
    test(`${backend}: the ${kind} step's gradients equal the naive reference's (random weights and inputs)`, async () => {
      await tf.setBackend(backend);
      for (const seed of [1, 2]) {
        const trainer = await randomisedTrainer(model, seed);
        const naive = new NaiveMaskedModel(naiveSpecOf(trainer.model), trainer.layout, (name) => {
          const found = trainer.model.variables().find((v) => v.name === name);
          if (!found) throw new Error(`no variable ${name}`);
          return found.variable;
        });
        const { batch, mask, dispose } = trainingBatch(trainer, seed);
        try {
          const library = gradients(trainer, (b, m) => trainer.adapter.loss(trainer.model.forward(b, m, noHooks(m.mask)).pred, b, m), batch, mask);
          const reference = gradients(trainer, (b, m) => naive.loss(naive.forward(b.tokens as tf.Tensor3D, m), b.targets, m), batch, mask);
          assertSameGradients(library, reference, `${backend} ${kind} seed ${seed}`);
        } finally {
          dispose();
          naive.dispose();
          trainer.dispose();
          (trainer.model as { dispose?(): void }).dispose?.();
        }
      }
    });
  }
}

/**
 * A forward context whose taps do what MTO does: bias the logits by the mask (the hook sees the
 * [B, H, T, T] layout) and add a term of the probabilities to the loss.
 */
function mtoLikeContext(mask: tf.Tensor2D): { ctx: ForwardContext; probsTerm: () => tf.Scalar } {
  const ctx = noHooks(mask);
  const observed: tf.Tensor4D[] = [];
  ctx.hooks.attentionLogits.tap('bias', (logits, info) => {
    if (!info.tokenMask) return logits; // MAE's encoder sees no mask tokens
    const [B, , T] = logits.shape;
    return tf.add(logits, tf.mul(tf.reshape(info.tokenMask, [B, 1, 1, T]), -2)) as tf.Tensor4D;
  });
  ctx.hooks.attentionProbs.tap('observe', ({ probs }) => {
    observed.push(probs);
  });
  const probsTerm = () => {
    // Weights that vary within each row: the softmax's gradient subtracts the row's mean weight.
    const terms = observed.map((p, i) => tf.sum(tf.mul(p, tf.randomNormal(p.shape, 0, 1, 'float32', i + 1))));
    observed.length = 0;
    return tf.addN(terms) as tf.Scalar;
  };
  return { ctx, probsTerm };
}

test('wasm: attention with tapped hooks (channel products) gives the cpu backend (batched matMul) gradients', async () => {
  for (const [kind, model] of Object.entries(MODELS)) {
    const results: Gradients[] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await tf.setBackend(backend);
      const trainer = await randomisedTrainer(model, 7);
      const { batch, mask, dispose } = trainingBatch(trainer, 7);
      try {
        results.push(
          gradients(
            trainer,
            (b, m) => {
              const { ctx, probsTerm } = mtoLikeContext(m.mask);
              const task = trainer.adapter.loss(trainer.model.forward(b, m, ctx).pred, b, m);
              return tf.add(task, tf.mul(probsTerm(), 0.1)) as tf.Scalar;
            },
            batch,
            mask,
          ),
        );
      } finally {
        dispose();
        trainer.dispose();
        (trainer.model as { dispose?(): void }).dispose?.();
      }
    }
    assertSameGradients(results[1], results[0], `${kind} wasm vs cpu with hooks`);
  }
});
