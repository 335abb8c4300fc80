import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {
  attentionJs,
  entropyGap,
  featureCosine,
  getHeterogeneityMeasure,
  heterogeneityMeasureNames,
  heterogeneityProfile,
  mtoOptionsSchema,
  registerHeterogeneityMeasure,
  type HeterogeneityMeasure,
} from '@mtojs/mto';
import { assertAllFinite, assertClose } from './helpers.js';

before(async () => {
  await tf.setBackend('cpu');
});

// ---- plain-JS references, written from the definitions in MTO.md ------------------------

type Rows = number[][]; // [T][T] one head

const entropyOf = (p: number[]) => -p.reduce((s, x) => s + (x > 0 ? x * Math.log(x) : 0), 0);

function meanRow(rows: Rows, pick: number[]): number[] {
  const T = rows.length;
  const out = new Array(T).fill(0);
  for (const i of pick) for (let j = 0; j < T; j++) out[j] += rows[i][j] / pick.length;
  return out;
}

/** JS / ln 2 of one sample, averaged over heads; 0 without masked or visible tokens. */
function refAttentionJs(heads: Rows[], mask: number[]): number {
  const M = mask.flatMap((m, i) => (m ? [i] : []));
  const V = mask.flatMap((m, i) => (m ? [] : [i]));
  if (!M.length || !V.length) return 0;
  const perHead = heads.map((rows) => {
    const p = meanRow(rows, M);
    const q = meanRow(rows, V);
    const mix = p.map((x, j) => (x + q[j]) / 2);
    return entropyOf(mix) - (entropyOf(p) + entropyOf(q)) / 2;
  });
  return perHead.reduce((a, b) => a + b, 0) / heads.length / Math.LN2;
}

function refEntropyGap(heads: Rows[], mask: number[]): number {
  const M = mask.flatMap((m, i) => (m ? [i] : []));
  const V = mask.flatMap((m, i) => (m ? [] : [i]));
  if (!M.length || !V.length) return 0;
  const avgEntropy = (rows: Rows, pick: number[]) => pick.reduce((s, i) => s + entropyOf(rows[i]), 0) / pick.length;
  const gaps = heads.map((rows) => Math.abs(avgEntropy(rows, M) - avgEntropy(rows, V)));
  return gaps.reduce((a, b) => a + b, 0) / heads.length / Math.log(mask.length);
}

/** Deterministic attention maps [B, H, T, T] from fixed logits. */
function fixedProbs(B: number, H: number, T: number): tf.Tensor4D {
  const logits = Array.from({ length: B * H * T * T }, (_, i) => 2 * Math.sin(1.3 * i + 0.7));
  return tf.softmax(tf.tensor4d(logits, [B, H, T, T]));
}

function toHeads(probs: tf.Tensor4D, b: number): Rows[] {
  return (probs.arraySync() as number[][][][])[b];
}

// ---- attention-js --------------------------------------------------------------------------

test('attention-js: disjoint mean rows give exactly 1, identical mean rows give 0', () => {
  // Visible queries 0, 1 look at {0, 1}; the masked query 2 looks only at itself.
  const disjoint = tf.tensor4d([0.5, 0.5, 0, 0.5, 0.5, 0, 0, 0, 1], [1, 1, 3, 3]);
  assertClose(attentionJs.compute(disjoint, tf.tensor2d([[0, 0, 1]])), [1], 1e-5);
  // Every row identical: masked and visible queries attend alike.
  const same = tf.tensor4d([0.2, 0.3, 0.5, 0.2, 0.3, 0.5, 0.2, 0.3, 0.5], [1, 1, 3, 3]);
  assertClose(attentionJs.compute(same, tf.tensor2d([[0, 1, 0]])), [0], 1e-6);
});

test('attention-js: a hand-checked value (mean rows P = [0, 0.2, 0.8], Q = [0.5, 0.5, 0])', () => {
  // Visible rows [0.6,0.4,0] and [0.4,0.6,0] average to Q = [0.5,0.5,0]; the masked row is P.
  const probs = tf.tensor4d([0.6, 0.4, 0, 0.4, 0.6, 0, 0, 0.2, 0.8], [1, 1, 3, 3]);
  const mix = [0.25, 0.35, 0.4];
  const expected = (entropyOf(mix) - (entropyOf([0, 0.2, 0.8]) + Math.LN2) / 2) / Math.LN2;
  assertClose(attentionJs.compute(probs, tf.tensor2d([[0, 0, 1]])), [expected], 1e-5);
});

test('attention-js: per sample, averaged over heads; a sample without masked or without visible tokens gives 0', () => {
  const probs = fixedProbs(3, 2, 4);
  const mask = [
    [0, 1, 0, 1],
    [0, 0, 0, 0],
    [1, 1, 1, 1],
  ];
  const got = attentionJs.compute(probs, tf.tensor2d(mask));
  assert.deepEqual(got.shape, [3]);
  assertClose(got, [refAttentionJs(toHeads(probs, 0), mask[0]), 0, 0], 1e-5);
  assert.ok(got.dataSync()[0] > 0.001, 'the mixed sample has a non-trivial value');
});

// ---- entropy-gap -------------------------------------------------------------------------

test('entropy-gap: hand-checked |H_masked - H_visible| / ln N', () => {
  // Visible rows: uniform (ln 4) and one-hot (0): mean ln 2. Masked rows: one-hot: mean 0.
  const probs = tf.tensor4d(
    [0.25, 0.25, 0.25, 0.25, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1],
    [1, 1, 4, 4],
  );
  assertClose(entropyGap.compute(probs, tf.tensor2d([[0, 0, 1, 1]])), [Math.LN2 / Math.log(4)], 1e-5); // = 0.5
});

test('entropy-gap: general case against the reference, and 0 for degenerate samples', () => {
  const probs = fixedProbs(3, 2, 4);
  const mask = [
    [1, 0, 0, 1],
    [0, 0, 0, 0],
    [1, 1, 1, 1],
  ];
  assertClose(entropyGap.compute(probs, tf.tensor2d(mask)), [refEntropyGap(toHeads(probs, 0), mask[0]), 0, 0], 1e-5);
});

// ---- feature-cosine ---------------------------------------------------------------------

test('feature-cosine: hand-checked values', () => {
  // Visible token [3,4] -> unit [0.6,0.8]; masked [1,0] and [0,2] -> units average to [0.5,0.5].
  // cos = 0.7 / sqrt(0.5); Het = (1 - cos) / 2.
  const f = tf.tensor3d([3, 4, 1, 0, 0, 2], [1, 3, 2]);
  assertClose(featureCosine.compute(f, tf.tensor2d([[0, 1, 1]])), [(1 - 0.7 / Math.sqrt(0.5)) / 2], 1e-5);
  // Opposite directions: Het = 1 (norms do not matter).
  const opposite = tf.tensor3d([1, 0, -5, 0], [1, 2, 2]);
  assertClose(featureCosine.compute(opposite, tf.tensor2d([[0, 1]])), [1], 1e-5);
});

test('feature-cosine: padding is neither visible nor masked', () => {
  const base = tf.tensor3d([3, 4, 1, 0, 0, 2], [1, 3, 2]);
  const padded = tf.tensor3d([3, 4, 1, 0, 0, 2, -100, 7], [1, 4, 2]);
  const expected = featureCosine.compute(base, tf.tensor2d([[0, 1, 1]])).dataSync()[0];
  // The padding token is marked masked in tokenMask on purpose: padding wins.
  assertClose(featureCosine.compute(padded, tf.tensor2d([[0, 1, 1, 1]]), tf.tensor2d([[0, 0, 0, 1]])), [expected], 1e-6);
});

test('feature-cosine: degenerate samples give 0', () => {
  const f = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]);
  assertClose(featureCosine.compute(f, tf.tensor2d([[0, 0], [1, 1]])), [0, 0], 0);
});

// ---- gradients are finite everywhere ------------------------------------------------------

test('every measure has finite gradients, including exact-zero probabilities, zero features and degenerate samples', () => {
  const mask = tf.tensor2d([
    [0, 1, 0, 1],
    [0, 0, 0, 0],
    [1, 1, 1, 1],
  ]);
  // Large negative logits make some probabilities exactly 0 (as hard recalibration does).
  const raw = fixedProbs(3, 2, 4).dataSync().map((x, i) => (i % 5 === 0 ? -1e9 : x));
  const logits = tf.variable(tf.tensor4d(raw, [3, 2, 4, 4]));
  for (const m of [attentionJs, entropyGap]) {
    const { value, grads } = tf.variableGrads(() => tf.sum(m.compute(tf.softmax(logits), mask)) as tf.Scalar, [logits]);
    assertAllFinite(value, `${m.name} value`);
    assertAllFinite(grads[logits.name], `${m.name} gradient`);
  }
  // Exactly-zero probabilities fed directly (no softmax in between).
  const probs = tf.variable(tf.tensor4d([0.5, 0.5, 0, 0.5, 0.5, 0, 0, 0, 1], [1, 1, 3, 3]));
  for (const m of [attentionJs, entropyGap]) {
    const { grads } = tf.variableGrads(() => tf.sum(m.compute(probs, tf.tensor2d([[0, 0, 1]]))) as tf.Scalar, [probs]);
    assertAllFinite(grads[probs.name], `${m.name} gradient at zero probabilities`);
  }
  // Features with an all-zero token vector.
  const features = tf.variable(tf.tensor3d([0, 0, 1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 1, 1, 2, 2, 0, 0, 3, 3, 0, 0, 0, 0], [3, 4, 2]));
  const { value, grads } = tf.variableGrads(() => tf.sum(featureCosine.compute(features, mask)) as tf.Scalar, [features]);
  assertAllFinite(value, 'feature-cosine value');
  assertAllFinite(grads[features.name], 'feature-cosine gradient');
});

// ---- registry of measures -------------------------------------------------------------------

test('measures are looked up by name and users can register their own', () => {
  assert.deepEqual(
    ['attention-js', 'entropy-gap', 'feature-cosine'].every((n) => heterogeneityMeasureNames().includes(n)),
    true,
  );
  assert.equal(getHeterogeneityMeasure('entropy-gap'), entropyGap);
  assert.throws(() => getHeterogeneityMeasure('nope'), /unknown heterogeneity measure 'nope'; known: attention-js/);
  assert.equal(mtoOptionsSchema.safeParse({ measure: 'test-half' }).success, false);
  const half: HeterogeneityMeasure = {
    name: 'test-half',
    requires: 'features',
    compute: (x) => tf.fill([x.shape[0]], 0.5) as tf.Tensor1D,
  };
  registerHeterogeneityMeasure(half);
  assert.equal(mtoOptionsSchema.parse({ measure: 'test-half' }).measure, 'test-half');
  assert.throws(() => registerHeterogeneityMeasure({ ...half }), /already registered/);
  registerHeterogeneityMeasure({ ...half }, { replace: true });
});

// ---- heterogeneityProfile ------------------------------------------------------------------

test('heterogeneityProfile returns plain numbers per layer and frees its intermediates', () => {
  const tokenMask = tf.tensor2d([[0, 0, 1]]);
  const layers = [
    { probs: tf.tensor4d([0.5, 0.5, 0, 0.5, 0.5, 0, 0, 0, 1], [1, 1, 3, 3]), tokenMask },
    { probs: tf.tensor4d([0.6, 0.2, 0.2, 0.2, 0.6, 0.2, 0.2, 0.2, 0.6], [1, 1, 3, 3]), tokenMask },
    { tokenMask }, // nothing recorded for this layer
  ];
  const before = tf.memory().numTensors;
  const profile = heterogeneityProfile(layers, { measure: 'attention-js' });
  assert.equal(tf.memory().numTensors, before);
  assert.equal(profile.length, 3);
  assertClose(profile[0].het!, 1, 1e-5);
  assertClose(profile[0].vis2mask!, 0, 0);
  assertClose(profile[0].entropyMasked!, 0, 1e-6);
  assertClose(profile[0].entropyVisible!, Math.LN2, 1e-5);
  assertClose(profile[1].vis2mask!, 0.2, 1e-6);
  assert.deepEqual(profile[2], { layer: 2, het: null, vis2mask: null, entropyMasked: null, entropyVisible: null });
  const byFeatures = heterogeneityProfile([{ features: tf.tensor3d([1, 0, -5, 0], [1, 2, 2]), tokenMask: tf.tensor2d([[0, 1]]) }], { measure: 'feature-cosine' });
  assertClose(byFeatures[0].het!, 1, 1e-5);
  assert.equal(byFeatures[0].vis2mask, null);
});
