import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
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

/** AdamW one tensor at a time, the update rule as it was before the flat buffers (the reference for them). */
function perTensorAdamW(o: { lr: number; beta1: number; beta2: number; epsilon: number; weightDecay: number }) {
  const slots = new Map<tf.Variable, { m: tf.Tensor; v: tf.Tensor }>();
  let t = 0;
  return (params: { variable: tf.Variable; decay: boolean }[], grads: tf.Tensor[], lr: number) => {
    t += 1;
    const c1 = 1 - o.beta1 ** t;
    const c2 = 1 - o.beta2 ** t;
    params.forEach((p, i) => {
      const s = slots.get(p.variable) ?? { m: tf.zerosLike(p.variable), v: tf.zerosLike(p.variable) };
      const wd = p.decay ? o.weightDecay : 0;
      const next = tf.tidy(() => {
        const g = grads[i];
        const m = tf.add(tf.mul(s.m, o.beta1), tf.mul(g, 1 - o.beta1));
        const v = tf.add(tf.mul(s.v, o.beta2), tf.mul(tf.square(g), 1 - o.beta2));
        const update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), o.epsilon));
        let w = tf.sub(p.variable, tf.mul(update, lr));
        if (wd > 0) w = tf.sub(w, tf.mul(p.variable, lr * wd));
        return { m, v, w };
      });
      s.m.dispose();
      s.v.dispose();
      slots.set(p.variable, { m: next.m, v: next.v });
      p.variable.assign(next.w);
      next.w.dispose();
    });
  };
}

/** A few parameters of several shapes, with and without decay, and seeded random gradients per step. */
function someParams(seed: number) {
  const shapes: number[][] = [[3, 4], [4], [2, 3, 2], [5], [6, 1]];
  return shapes.map((shape, i) => ({
    name: `p${i}`,
    variable: tf.variable(tf.randomNormal(shape, 0, 1, 'float32', seed + i)),
    decay: shape.length >= 2,
  }));
}
const gradsOf = (params: { variable: tf.Variable }[], step: number) => params.map((p, i) => tf.randomNormal(p.variable.shape, 0, 1, 'float32', 100 * step + i));
const options = { lr: 0.01, beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0.05 };

test('AdamW on flat buffers gives bit-identical weights to the same update one tensor at a time', () => {
  const fused = someParams(1);
  const reference = someParams(1);
  const opt = new AdamW(options);
  const ref = perTensorAdamW(options);
  for (let step = 0; step < 4; step++) {
    const g = gradsOf(fused, step);
    opt.apply(fused, g, 0.01);
    ref(reference, g, 0.01);
    tf.dispose(g);
  }
  fused.forEach((p, i) => assert.deepEqual(Array.from(p.variable.dataSync()), Array.from(reference[i].variable.dataSync()), p.name));
  opt.dispose();
  tf.dispose([...fused, ...reference].map((p) => p.variable));
});

test('AdamW leaves a parameter without a gradient this step untouched, weights and moments', () => {
  const params = someParams(2);
  const opt = new AdamW(options);
  opt.bind(params);
  const g0 = gradsOf(params, 0);
  opt.apply(params, g0, 0.01);
  const before = params.map((p) => Array.from(p.variable.dataSync()));
  const slotsBefore = opt.getWeights().map((w) => Array.from(w.tensor.dataSync()));
  const subset = [params[0], params[2], params[3]];
  const g1 = gradsOf(subset, 1);
  opt.apply(subset, g1, 0.01);
  assert.deepEqual(Array.from(params[1].variable.dataSync()), before[1], 'no gradient: weights unchanged');
  assert.deepEqual(Array.from(params[4].variable.dataSync()), before[4]);
  assert.notDeepEqual(Array.from(params[0].variable.dataSync()), before[0]);
  const slotsAfter = opt.getWeights();
  assert.deepEqual(slotsAfter.map((w) => w.name).slice(2, 4), ['p1/m', 'p1/v']);
  assert.deepEqual(Array.from(slotsAfter[2].tensor.dataSync()), slotsBefore[2], 'no gradient: moments unchanged');
  assert.deepEqual(Array.from(slotsAfter[3].tensor.dataSync()), slotsBefore[3]);
  tf.dispose([...g0, ...g1]);
  opt.dispose();
  tf.dispose(params.map((p) => p.variable));
});

test('AdamW slots checkpoint per parameter (name and shape) and a restored optimiser continues exactly', () => {
  const a = someParams(3);
  const b = someParams(3);
  const first = new AdamW(options);
  const second = new AdamW(options);
  for (let step = 0; step < 2; step++) {
    const g = gradsOf(a, step);
    first.apply(a, g, 0.01);
    second.apply(b, g, 0.01);
    tf.dispose(g);
  }
  // What a checkpoint holds: one tensor per parameter and slot, as before the flat buffers.
  const saved = first.getWeights().map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) }));
  assert.deepEqual(saved.map((w) => `${w.name}:${w.tensor.shape}`), a.flatMap((p) => [`${p.name}/m:${p.variable.shape}`, `${p.name}/v:${p.variable.shape}`]));
  const resumed = new AdamW(options);
  resumed.bind(b);
  resumed.setWeights(saved);
  resumed.setState(second.getState());
  second.dispose();
  for (let step = 2; step < 4; step++) {
    const g = gradsOf(a, step);
    first.apply(a, g, 0.01);
    resumed.apply(b, g, 0.01);
    tf.dispose(g);
  }
  a.forEach((p, i) => assert.deepEqual(Array.from(p.variable.dataSync()), Array.from(b[i].variable.dataSync()), p.name));
  const wrong = [{ name: 'p0/m', tensor: tf.zeros([4, 3]) }];
  assert.throws(() => resumed.setWeights(wrong), /optimizer slot 'p0\/m' has shape \[4,3\], the parameter is \[3,4\]/);
  tf.dispose([...saved.map((w) => w.tensor), wrong[0].tensor]);
  first.dispose();
  resumed.dispose();
  tf.dispose([...a, ...b].map((p) => p.variable));
});

test('AdamW.applyClipped clips as clipByGlobalNorm then apply do, and returns the norm to float32 precision', async () => {
  // One long parameter, on wasm, whose Sum adds in float32: one running sum of 300k squares drifts by ~1e-5.
  await tf.setBackend('wasm');
  const long = { name: 'long', variable: tf.variable(tf.zeros([300, 1000])), decay: true };
  const g = tf.randomNormal([300, 1000], 0, 1, 'float32', 7);
  const exact = Math.sqrt(Array.from(g.dataSync()).reduce((acc, v) => acc + v * v, 0));
  const opt = new AdamW(options);
  const norm = opt.applyClipped([long], [g], 0.01, 1);
  assert.ok(Math.abs(norm.dataSync()[0] - exact) < 1e-6 * exact, `norm ${norm.dataSync()[0]} vs ${exact} (float64)`);
  tf.dispose([norm, g, long.variable]);
  opt.dispose();
  await tf.setBackend('cpu');
  const fused = someParams(4);
  const apart = someParams(4);
  const x = new AdamW(options);
  const y = new AdamW(options);
  for (let step = 0; step < 3; step++) {
    const g = gradsOf(fused, step);
    const norm = x.applyClipped(fused, g, 0.01, 1);
    const clipped = clipByGlobalNorm(g, 1);
    y.apply(apart, clipped.grads, 0.01);
    assert.ok(Math.abs(norm.dataSync()[0] - clipped.norm.dataSync()[0]) < 1e-5 * clipped.norm.dataSync()[0]);
    tf.dispose([norm, clipped.norm, ...clipped.grads, ...g]);
  }
  fused.forEach((p, i) => {
    const [u, w] = [p.variable.dataSync(), apart[i].variable.dataSync()];
    u.forEach((value, k) => assert.ok(Math.abs(value - w[k]) < 1e-6, `${p.name}[${k}]: ${value} vs ${w[k]}`));
  });
  x.dispose();
  y.dispose();
  tf.dispose([...fused, ...apart].map((p) => p.variable));
});

test('an AdamW step runs a fixed number of kernels, not a number per parameter tensor, and keeps no tensor', async () => {
  const few = someParams(5);
  const many = [...someParams(6), ...someParams(7), ...someParams(8), ...someParams(9)];
  const kernelsOf = async (params: typeof few) => {
    const opt = new AdamW(options);
    const g = gradsOf(params, 0);
    opt.apply(params, g, 0.01);
    const count = tf.memory().numTensors;
    const profile = await tf.profile(() => opt.apply(params, g, 0.01));
    opt.getWeights();
    opt.apply(params, g, 0.01);
    assert.equal(tf.memory().numTensors, count, 'no tensor left behind by a step or by getWeights');
    tf.dispose(g);
    opt.dispose();
    // Reshapes (views, no arithmetic) are the only per-parameter kernels left.
    return profile.kernels.filter((k) => k.name !== 'Reshape').length;
  };
  const [k5, k20] = [await kernelsOf(few), await kernelsOf(many)];
  assert.ok(k20 <= k5 + 2, `kernels other than reshapes: ${k5} for 5 parameters, ${k20} for 20`);
  assert.ok(k5 <= 40, `${k5} kernels for two groups`);
  tf.dispose([...few, ...many].map((p) => p.variable));
});
