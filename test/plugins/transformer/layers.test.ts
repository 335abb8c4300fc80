import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { LayerNorm, Linear, gatherTokens, gatherTokensFlat, gatherTokensOneHot, gelu, meanPool } from '@mtojs/transformer';
import { useCpuBackend } from './support/backend.js';
import { initializer } from './support/toy-task.js';

before(useCpuBackend);

function assertClose(actual: tf.Tensor, expected: tf.Tensor | number[], tol = 1e-5, what = 'values'): void {
  const a = actual.dataSync();
  const e = Array.isArray(expected) ? expected : [...expected.dataSync()];
  assert.equal(a.length, e.length, `${what}: sizes differ`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - e[i]) <= tol, `${what}[${i}]: ${a[i]} != ${e[i]}`);
}

test('Linear: x W + b over any leading axes; Glorot-uniform kernel, zero bias', () => {
  const linear = new Linear(initializer(), 4, 3);
  const limit = Math.sqrt(6 / 7);
  assert.ok([...linear.kernel.dataSync()].every((w) => Math.abs(w) <= limit));
  assert.deepEqual([...linear.bias.dataSync()], [0, 0, 0]);
  linear.bias.assign(tf.tensor1d([1, 2, 3]));
  tf.tidy(() => {
    const x = tf.randomNormal([2, 5, 4]);
    const y = linear.apply(x);
    assert.deepEqual(y.shape, [2, 5, 3]);
    const reference = tf.add(tf.einsum('btk,ko->bto', x, linear.kernel), linear.bias);
    assertClose(y, reference, 1e-5, 'linear');
  });
  assert.deepEqual(linear.variables().map((v) => [v.name, v.decay]), [['kernel', true], ['bias', false]]);
  linear.variables().forEach((v) => v.variable.dispose());
});

test("Linear's gradient (explicit transposes, plain matMuls) equals the reference one", () => {
  const linear = new Linear(initializer(3), 4, 3);
  tf.tidy(() => {
    const x = tf.randomNormal([2, 5, 4], 0, 1, 'float32', 1);
    const weights = tf.randomNormal([2, 5, 3], 0, 1, 'float32', 2);
    const loss = (y: tf.Tensor) => tf.sum(tf.mul(y, weights)) as tf.Scalar;
    // tfjs's own matMul (and its transpose-flag gradient) on the same flattening.
    const reference = (t: tf.Tensor) => tf.reshape(tf.add(tf.matMul(tf.reshape(t, [10, 4]) as tf.Tensor2D, linear.kernel as tf.Tensor2D), linear.bias), [2, 5, 3]);
    const ours = tf.variableGrads(() => loss(linear.apply(x)), [linear.kernel, linear.bias]).grads;
    const theirs = tf.variableGrads(() => loss(reference(x)), [linear.kernel, linear.bias]).grads;
    assertClose(ours[linear.kernel.name], theirs[linear.kernel.name], 1e-5, 'kernel gradient');
    assertClose(ours[linear.bias.name], theirs[linear.bias.name], 1e-5, 'bias gradient');
    assertClose(tf.grad((t: tf.Tensor) => loss(linear.apply(t)))(x), tf.grad((t: tf.Tensor) => loss(reference(t)))(x), 1e-5, 'input gradient');
  });
  linear.variables().forEach((v) => v.variable.dispose());
});

test('LayerNorm normalises the last axis (eps 1e-6), then scales and shifts', () => {
  const norm = new LayerNorm(initializer(), 4);
  tf.tidy(() => {
    const y = norm.apply(tf.tensor2d([[1, 2, 3, 4], [-2, -2, 2, 2]]));
    const s = Math.sqrt(1.25 + 1e-6);
    assertClose(y, [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s, -2 / Math.sqrt(4 + 1e-6), -1, 1, 1], 1e-5, 'layer norm');
  });
  norm.variables().forEach((v) => v.variable.dispose());
});

test('gelu is the exact (erf) GELU', () => {
  // x * Phi(x): Phi(1) = 0.8413447, Phi(-1) = 0.1586553, Phi(2) = 0.9772499.
  tf.tidy(() => assertClose(gelu(tf.tensor1d([0, 1, -1, 2])), [0, 0.8413447, -0.1586553, 2 * 0.9772499], 1e-6, 'gelu'));
});

test('gatherTokens equals tf.gather(x, idx, 1, 1) in both forms, and so do their gradients', () => {
  tf.tidy(() => {
    const x = tf.randomNormal([3, 5, 2]);
    const idx = tf.tensor2d([[0, 2, 4], [1, 2, 3], [4, 3, 0]], [3, 3], 'int32');
    const reference = tf.gather(x, idx, 1, 1);
    for (const gather of [gatherTokens, gatherTokensFlat, gatherTokensOneHot]) {
      assertClose(gather(x, idx), reference, 0, gather.name);
      const weights = tf.randomNormal([3, 3, 2]);
      const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(gather(t, idx), weights)))(x);
      const referenceGrad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, idx, 1, 1), weights)))(x);
      assertClose(grad, referenceGrad, 1e-6, `${gather.name} gradient`);
    }
    // Rank 2 ([B, N] flags) works too.
    const flags = tf.tensor2d([[0, 1, 0, 0, 1], [1, 0, 0, 0, 0], [0, 0, 0, 1, 1]]);
    assertClose(gatherTokensOneHot(flags, idx), tf.gather(flags, idx, 1, 1), 0, 'rank 2');
  });
});

test('meanPool averages non-padding tokens only', () => {
  tf.tidy(() => {
    const tokens = tf.tensor3d([[[1], [3], [100]], [[2], [4], [6]]]);
    assertClose(meanPool(tokens, tf.tensor2d([[0, 0, 1], [0, 0, 0]])), [2, 4], 1e-6, 'pooled');
    assertClose(meanPool(tokens, null), [104 / 3, 4], 1e-5, 'unpadded');
  });
});
