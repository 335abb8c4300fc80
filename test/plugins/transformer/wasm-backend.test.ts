import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { disposeMaskBatch, installWasmKernels, noHooks, type MaskedModel } from '@mtojs/core';
import { gatherTokens } from '@mtojs/transformer';
import { useCpuBackend } from './support/backend.js';
import { disposeBatch, gridLayout, randomBatch, randomMask } from './support/toy-task.js';
import { buildMae, buildSimMim } from './support/models.js';

// The wasm backend is what most runs use, and it lacks kernels the cpu backend has (tf.gather's
// gradient needs UnsortedSegmentSum) or gets some wrong (float32 oneHot): the models must give
// the cpu backend's losses and gradients there too. Node runs each test file in its own process,
// so switching backends here does not affect the other files.
before(useCpuBackend);
// With the kernels `resolveBackend` puts in place on wasm (slices that copy only what they return, an Identity that shares).
installWasmKernels();

/** Loss and the summed |gradient| of every variable, on the current backend. */
function lossAndGradients(build: () => MaskedModel & { dispose(): void }): { loss: number; grads: number[]; pooled: number[] } {
  const model = build();
  const padding = [Array.from({ length: 16 }, (_, i) => (i >= 14 ? 1 : 0)), new Array<number>(16).fill(0)];
  const batch = randomBatch(gridLayout(4, 4), 2, 1, padding);
  const mask = randomMask(2, 16, 8, 2, padding);
  const vars = model.variables();
  const { value, grads } = tf.variableGrads(() => {
    const { pred } = model.forward(batch, mask, noHooks(mask.mask, batch.padding));
    return tf.sum(tf.mul(pred, tf.expandDims(mask.mask, -1))) as tf.Scalar;
  }, vars.map((v) => v.variable));
  const result = {
    loss: value.dataSync()[0],
    grads: vars.map((v) => tf.tidy(() => tf.sum(tf.abs(grads[v.variable.name])).dataSync()[0])),
    pooled: [...tf.tidy(() => model.encode(batch).dataSync())],
  };
  value.dispose();
  Object.values(grads).forEach((g) => g.dispose());
  disposeBatch(batch);
  disposeMaskBatch(mask);
  model.dispose();
  return result;
}

const relativeClose = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-4 * (Math.abs(b) + 1e-3), `${what}: wasm ${a} != cpu ${b}`);

test('wasm: MAE and SimMIM (CLS, padding) give the cpu backend’s loss, gradients and features', async () => {
  for (const [name, build] of [
    ['mae', () => buildMae({ cls: true }).model],
    ['simmim', () => buildSimMim({ cls: true }).model],
  ] as const) {
    await tf.setBackend('cpu');
    const cpu = lossAndGradients(build);
    await tf.setBackend('wasm');
    const wasm = lossAndGradients(build);
    relativeClose(wasm.loss, cpu.loss, `${name} loss`);
    wasm.grads.forEach((g, i) => relativeClose(g, cpu.grads[i], `${name} gradient ${i}`));
    wasm.pooled.forEach((f, i) => relativeClose(f, cpu.pooled[i], `${name} feature ${i}`));
  }
});

test('wasm: gatherTokens has a gradient (tf.gather has none there)', async () => {
  await tf.setBackend('wasm');
  tf.tidy(() => {
    const x = tf.tensor3d([[[1], [2], [3]], [[4], [5], [6]]]);
    const idx = tf.tensor2d([[2, 0], [1, 2]], [2, 2], 'int32');
    assert.deepEqual([...gatherTokens(x, idx).dataSync()], [3, 1, 5, 6]);
    const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(gatherTokens(t, idx), tf.tensor3d([[[1], [10]], [[100], [1000]]]))))(x);
    assert.deepEqual([...grad.dataSync()], [10, 0, 1, 0, 100, 1000]);
  });
});
