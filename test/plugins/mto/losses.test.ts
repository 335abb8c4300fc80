import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { attentionJs, earlyLoss, featureCosine, rankLoss, spaLoss, splitLayers, visibleToMaskedMass, warmupFactor } from '@mtojs/mto';
import { assertAllFinite, assertClose } from './helpers.js';

before(async () => {
  await tf.setBackend('cpu');
});

// Token 2 is masked; tokens 0 and 1 are visible. Two heads.
// head 0: visible rows put 0.2 and 0.4 on the masked key -> (0.2 + 0.4) / 2 = 0.3
// head 1: visible rows put 0 and 0.8                     -> (0 + 0.8) / 2   = 0.4
const layerA = () =>
  tf.tensor4d(
    [0.7, 0.1, 0.2, 0.3, 0.3, 0.4, 0.1, 0.1, 0.8, /* head 1 */ 0.5, 0.5, 0, 0.1, 0.1, 0.8, 0.3, 0.3, 0.4],
    [1, 2, 3, 3],
  );
// One head repeated: visible rows put 0.1 and 0.1 on the masked key -> 0.1
const layerB = () => tf.tensor4d([0.8, 0.1, 0.1, 0.2, 0.7, 0.1, 0.3, 0.3, 0.4, 0.8, 0.1, 0.1, 0.2, 0.7, 0.1, 0.3, 0.3, 0.4], [1, 2, 3, 3]);
const mask = () => tf.tensor2d([[0, 0, 1]]);

test('visibleToMaskedMass: per sample, mean over heads, by hand', () => {
  assertClose(visibleToMaskedMass(layerA(), mask()), [0.35], 1e-6);
});

test('spaLoss: mean over layers, heads and batch; totalLayers counts layers left out as 0', () => {
  assertClose(spaLoss([{ probs: layerA(), tokenMask: mask() }, { probs: layerB(), tokenMask: mask() }]), (0.35 + 0.1) / 2, 1e-6);
  assertClose(spaLoss([{ probs: layerA(), tokenMask: mask() }, { probs: layerB(), tokenMask: mask() }], 4), (0.35 + 0.1) / 4, 1e-6);
});

test('spaLoss: a sample without visible or without masked tokens contributes 0, with finite gradients', () => {
  const probs = tf.variable(tf.concat([layerA(), layerA(), layerA()], 0) as tf.Tensor4D);
  const tokenMask = tf.tensor2d([
    [0, 0, 1],
    [1, 1, 1],
    [0, 0, 0],
  ]);
  const { value, grads } = tf.variableGrads(() => spaLoss([{ probs, tokenMask }]), [probs]);
  assertClose(value, 0.35 / 3, 1e-6); // batch mean: (0.35 + 0 + 0) / 3
  assertAllFinite(grads[probs.name]);
  // Padding is neither visible nor masked: a padded key takes no mass into account.
  assertClose(visibleToMaskedMass(layerA(), tf.tensor2d([[0, 0, 1]]), tf.tensor2d([[0, 0, 1]])), [0], 0);
});

test('earlyLoss = - mean Het of the early layers', () => {
  assertClose(earlyLoss([tf.scalar(0.2), tf.scalar(0.4)]), -0.3, 1e-6);
  assert.throws(() => earlyLoss([]), RangeError);
});

test('rankLoss = mean over consecutive pairs of max(0, Het^{l+1} - Het^l + delta)', () => {
  // Pairs: (0.5 -> 0.6): 0.6 - 0.5 + 0.1 = 0.2; (0.6 -> 0.3): max(0, -0.2) = 0. Mean 0.1.
  assertClose(rankLoss([tf.scalar(0.5), tf.scalar(0.6), tf.scalar(0.3)], 0.1), 0.1, 1e-6);
  assertClose(rankLoss([tf.scalar(0.5), tf.scalar(0.4), tf.scalar(0.3)]), 0, 0);
  assert.throws(() => rankLoss([tf.scalar(1)]), RangeError);
});

test('splitLayers and warmupFactor', () => {
  assert.deepEqual(splitLayers(4, 1), { early: [0], later: [1, 2, 3] });
  assert.deepEqual(splitLayers(2, 3), { early: [0, 1], later: [] });
  assert.equal(warmupFactor(0, 0), 1);
  assert.equal(warmupFactor(0, 4), 0.25);
  assert.equal(warmupFactor(1, 4), 0.5);
  assert.equal(warmupFactor(3, 4), 1);
  assert.equal(warmupFactor(100, 4), 1);
});

test('gradient sign: one SGD step on lambda_e * L_e raises Het of the early layer', () => {
  const tokenMask = tf.tensor2d([[0, 0, 1, 1]]);
  const logits = tf.variable(tf.tensor4d(Array.from({ length: 16 }, (_, i) => 0.3 * Math.cos(i)), [1, 1, 4, 4]));
  const het = () => tf.mean(attentionJs.compute(tf.softmax(logits), tokenMask)) as tf.Scalar;
  const lambdaE = 0.1;
  const before = het().dataSync()[0];
  const { grads } = tf.variableGrads(() => tf.mul(earlyLoss([het()]), lambdaE) as tf.Scalar, [logits]);
  logits.assign(tf.sub(logits, tf.mul(grads[logits.name], 10)));
  const after = het().dataSync()[0];
  assert.ok(after > before, `Het ${before} -> ${after} should increase`);
});

test('gradient sign: one SGD step on L_r with a violated ranking reduces the violation', () => {
  const tokenMask = tf.tensor2d([[0, 0, 1, 1]]);
  // Layer l: masked and visible features nearly aligned (low Het); layer l+1: nearly opposite (high Het).
  const hl = tf.variable(tf.tensor3d([1, 0.1, 1, 0.2, 1, -0.1, 1, 0.3], [1, 4, 2]));
  const hnext = tf.variable(tf.tensor3d([1, 0.1, 1, 0.2, -1, 0.2, -1, 0.1], [1, 4, 2]));
  const hets = () => [hl, hnext].map((h) => tf.mean(featureCosine.compute(h, tokenMask)) as tf.Scalar);
  const violation = () => {
    const [a, b] = hets();
    return b.dataSync()[0] - a.dataSync()[0];
  };
  const before = violation();
  assert.ok(before > 0, 'the ranking starts violated');
  const { value, grads } = tf.variableGrads(() => rankLoss(hets(), 0), [hl, hnext]);
  assertClose(value, before, 1e-5);
  for (const v of [hl, hnext]) v.assign(tf.sub(v, tf.mul(grads[v.name], 0.5)));
  const after = violation();
  assert.ok(after < before, `violation ${before} -> ${after} should decrease`);
});
