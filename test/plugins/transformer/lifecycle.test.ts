import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { disposeMaskBatch, noHooks, type ForwardContext, type MaskedModel } from '@mtojs/core';
import { useCpuBackend } from './support/backend.js';
import { disposeBatch, gridLayout, randomBatch, randomMask } from './support/toy-task.js';
import { buildMae, buildSimMim } from './support/models.js';

before(useCpuBackend);

const N = 16;
const PADDING = [Array.from({ length: N }, (_, i) => (i >= 14 ? 1 : 0)), new Array<number>(N).fill(0)];

function weights(model: MaskedModel): Map<string, number[]> {
  return new Map(model.variables().map((v) => [v.name, [...v.variable.dataSync()]]));
}

const builders = [
  ['mae', (seed: number) => buildMae({ cls: true }, gridLayout(4, 4), seed).model],
  ['simmim', (seed: number) => buildSimMim({ cls: true }, gridLayout(4, 4), seed).model],
] as const;

test('the same seed gives the same weights; another seed gives others', () => {
  for (const [name, build] of builders) {
    const [a, b, c] = [build(7), build(7), build(8)];
    assert.deepEqual(weights(a), weights(b), name);
    const differing = [...weights(c)].filter(([n, values]) => values.some((x, i) => x !== weights(a).get(n)![i])).map(([n]) => n);
    // Glorot and normal draws differ; zeros and ones (biases, norms) do not.
    assert.ok(differing.includes('encoder/block0/attn/qkv/kernel') && differing.includes('encoder/cls_token'), name);
    [a, b, c].forEach((m) => m.dispose());
  }
});

/** A context whose taps create tensors, as MTO's do, and keep none. */
function busyContext(mask: tf.Tensor2D, padding: tf.Tensor2D): ForwardContext {
  const ctx = noHooks(mask, padding);
  ctx.hooks.attentionLogits.tap('bias', (logits) => tf.add(logits, tf.mul(tf.onesLike(logits), 0.1)) as tf.Tensor4D);
  ctx.hooks.attentionProbs.tap('entropy', ({ probs }) => void tf.sum(tf.mul(probs, tf.log(tf.add(probs, 1e-12)))));
  ctx.hooks.blockOutput.tap('norm', ({ features }) => void tf.norm(features));
  return ctx;
}

test('forward inside tf.tidy, forward under tf.variableGrads, and encode leave no tensor behind', () => {
  for (const [name, build] of builders) {
    const model = build(0);
    const batch = randomBatch(gridLayout(4, 4), 2, 1, PADDING);
    const mask = randomMask(2, N, 8, 2, PADDING);
    const ctx = busyContext(mask.mask, batch.padding!);
    const vars = model.variables().map((v) => v.variable);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.tidy(() => void model.forward(batch, mask, ctx));
    assert.equal(tf.memory().numTensors, before, `${name}: forward in tidy`);
    for (let i = 0; i < 3; i++) {
      const { value, grads } = tf.variableGrads(() => tf.sum(model.forward(batch, mask, ctx).pred) as tf.Scalar, vars);
      value.dispose();
      Object.values(grads).forEach((g) => g.dispose());
    }
    assert.equal(tf.memory().numTensors, before, `${name}: variableGrads`);
    for (let i = 0; i < 3; i++) model.encode(batch, ctx).dispose();
    for (let i = 0; i < 3; i++) model.encode(batch).dispose();
    assert.equal(tf.memory().numTensors, before, `${name}: encode`);
    disposeBatch(batch);
    disposeMaskBatch(mask);
    model.dispose();
  }
});

test('dispose() frees every variable, the stem included', () => {
  for (const [, build] of builders) {
    const model = build(0);
    const vars = model.variables().map((v) => v.variable);
    (model as MaskedModel & { dispose(): void }).dispose();
    assert.ok(vars.every((v) => v.isDisposed));
    assert.throws(() => model.variables(), /build\(\)/);
  }
});
