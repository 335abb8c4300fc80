import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Adam, AdamW, Sgd, WarmupCosineSchedule, clipByGlobalNorm } from '@mtojs/core';

before(async () => {
  await tf.setBackend('cpu');
});

/** Two steps of AdamW by hand, as torch.optim.AdamW computes them. */
function adamwReference(w0: number, grads: number[], lr: number, b1: number, b2: number, eps: number, wd: number): number {
  let w = w0, m = 0, v = 0;
  grads.forEach((g, i) => {
    const t = i + 1;
    w = w - lr * wd * w;
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    w = w - (lr * (m / (1 - b1 ** t))) / (Math.sqrt(v / (1 - b2 ** t)) + eps);
  });
  return w;
}

test('AdamW matches the decoupled-decay reference; decay skips rank-1 parameters', () => {
  const opt = new AdamW({ lr: 0.1, beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0.5 });
  const W = tf.variable(tf.tensor2d([[1.5]]));
  const b = tf.variable(tf.tensor1d([1.5]));
  const params = [
    { name: 'w', variable: W },
    { name: 'b', variable: b },
  ];
  for (const g of [0.3, -0.2]) opt.apply(params, [tf.tensor2d([[g]]), tf.tensor1d([g])], 0.1);
  assert.ok(Math.abs(W.dataSync()[0] - adamwReference(1.5, [0.3, -0.2], 0.1, 0.9, 0.95, 1e-8, 0.5)) < 1e-6);
  assert.ok(Math.abs(b.dataSync()[0] - adamwReference(1.5, [0.3, -0.2], 0.1, 0.9, 0.95, 1e-8, 0)) < 1e-6);
  opt.dispose();
});

test('Adam adds L2 decay to the gradient (coupled), unlike AdamW', () => {
  const opt = new Adam({ lr: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.5 });
  const W = tf.variable(tf.tensor2d([[2]]));
  opt.apply([{ name: 'w', variable: W }], [tf.tensor2d([[0]])], 0.1);
  // g' = 0 + 0.5 * 2 = 1; first Adam step moves by lr * sign(g') = 0.1.
  assert.ok(Math.abs(W.dataSync()[0] - 1.9) < 1e-5);
});

test('SGD with momentum follows torch.optim.SGD', () => {
  const opt = new Sgd({ lr: 0.1, momentum: 0.9, nesterov: false, weightDecay: 0 });
  const W = tf.variable(tf.tensor2d([[1]]));
  opt.apply([{ name: 'w', variable: W }], [tf.tensor2d([[1]])], 0.1);
  opt.apply([{ name: 'w', variable: W }], [tf.tensor2d([[1]])], 0.1);
  // buf1 = 1 -> w = 0.9; buf2 = 0.9 + 1 = 1.9 -> w = 0.71
  assert.ok(Math.abs(W.dataSync()[0] - 0.71) < 1e-6);
});

test('optimizer slots round-trip by name', () => {
  const a = new AdamW({ lr: 0.1, beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0 });
  const W = tf.variable(tf.tensor2d([[1, 2]]));
  a.apply([{ name: 'w', variable: W }], [tf.tensor2d([[0.5, -1]])], 0.1);
  const saved = a.getWeights().map((w) => ({ name: w.name, tensor: w.tensor.clone() }));
  assert.deepEqual(saved.map((s) => s.name), ['w/m', 'w/v']);
  const b = new AdamW({ lr: 0.1, beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0 });
  b.bind([{ name: 'w', variable: W }]);
  b.setWeights(saved);
  b.setState(a.getState());
  assert.deepEqual(Array.from(b.getWeights()[0].tensor.dataSync()), Array.from(saved[0].tensor.dataSync()));
  assert.deepEqual(b.getState(), { t: 1 });
});

test('warm-up + cosine: linear ramp, peak at the base rate, cosine to the floor', () => {
  const s = new WarmupCosineSchedule({ warmupSteps: 10, warmupEpochs: 0, minLrRatio: 0.1 });
  s.setup({ totalSteps: 110, stepsPerEpoch: 10 });
  assert.ok(Math.abs(s.lr(0, 1) - 0.1) < 1e-12);
  assert.ok(Math.abs(s.lr(9, 1) - 1) < 1e-12);
  assert.ok(Math.abs(s.lr(10, 1) - 1) < 1e-12);
  assert.ok(Math.abs(s.lr(60, 1) - 0.55) < 1e-12);
  assert.ok(Math.abs(s.lr(110, 1) - 0.1) < 1e-12);
  const e = new WarmupCosineSchedule({ warmupSteps: 0, warmupEpochs: 2, minLrRatio: 0 });
  e.setup({ totalSteps: 100, stepsPerEpoch: 5 });
  assert.ok(Math.abs(e.lr(9, 2) - 2) < 1e-12, 'warm-up of 2 epochs = 10 steps');
});

test('global-norm clipping scales all gradients together', () => {
  const { grads, norm } = clipByGlobalNorm([tf.tensor1d([3]), tf.tensor1d([4])], 1);
  assert.ok(Math.abs(norm.dataSync()[0] - 5) < 1e-5);
  assert.ok(Math.abs(grads[0].dataSync()[0] - 0.6) < 1e-5);
  assert.ok(Math.abs(grads[1].dataSync()[0] - 0.8) < 1e-5);
  const small = clipByGlobalNorm([tf.tensor1d([0.3])], 1);
  assert.ok(Math.abs(small.grads[0].dataSync()[0] - 0.3) < 1e-6, 'below the limit nothing changes');
});

test('creating optimiser slots and running a linear probe leave no tensor behind', async () => {
  const { linearProbeAccuracy } = await import('@mtojs/core');
  const W = tf.variable(tf.tensor2d([[1, 2]]));
  const before = tf.memory().numTensors;
  const a = new AdamW({ lr: 0.1, beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0 });
  a.bind([{ name: 'w', variable: W }]);
  assert.equal(tf.memory().numTensors, before + 2, 'exactly the two moment variables');
  a.dispose();
  const x = tf.tensor2d([[0, 1], [1, 0], [0, 1.1], [1.2, 0]]);
  const n = tf.memory().numTensors;
  linearProbeAccuracy(x, new Int32Array([0, 1, 0, 1]), x, new Int32Array([0, 1, 0, 1]), { steps: 5, numClasses: 2 });
  assert.equal(tf.memory().numTensors, n);
});
