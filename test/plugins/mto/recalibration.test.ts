import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { TrainerHooks } from '@mtojs/core';
import { applyMto, recalibrate, recalibrationBias } from '@mtojs/mto';
import { assertAllFinite, assertClose, info, makeHost, stepContext } from './helpers.js';

before(async () => {
  await tf.setBackend('cpu');
});

const T = 4;
const tokenMask = () => tf.tensor2d([[0, 1, 0, 1]]); // tokens 1 and 3 are masked
const logits = () => tf.tensor4d(Array.from({ length: 2 * T * T }, (_, i) => 3 * Math.sin(0.9 * i + 0.2)), [1, 2, T, T]);

test('hard recalibration: visible->masked probabilities are exactly 0, masked rows unchanged, nothing NaN', () => {
  const plain = tf.softmax(logits()).arraySync() as number[][][][];
  const hard = tf.softmax(recalibrate(logits(), tokenMask(), 'inf'));
  assertAllFinite(hard);
  const p = hard.arraySync() as number[][][][];
  const m = [0, 1, 0, 1];
  for (let h = 0; h < 2; h++)
    for (let i = 0; i < T; i++) {
      if (m[i]) assert.deepEqual(p[0][h][i], plain[0][h][i], `masked query ${i} keeps its row exactly`);
      else {
        for (let j = 0; j < T; j++) if (m[j]) assert.equal(p[0][h][i][j], 0, `visible ${i} -> masked ${j} is exactly 0`);
        assertClose(p[0][h][i].reduce((a, b) => a + b, 0), 1, 1e-6);
      }
    }
});

test('hard recalibration keeps a row finite even when every other key is masked', () => {
  // Query 0 is the only visible token: its row keeps itself.
  const p = tf.softmax(recalibrate(tf.zeros([1, 1, 3, 3]) as tf.Tensor4D, tf.tensor2d([[0, 1, 1]]), 'inf'));
  assertClose(tf.slice(p, [0, 0, 0, 0], [1, 1, 1, 3]), [1, 0, 0], 0);
});

test('soft recalibration scales visible->masked weights by exp(-beta), by hand', () => {
  // Zero logits: unbiased, every key gets 1/4. With beta = ln 3, masked keys get weight 1/3:
  // p_masked = (1/3) / (2 + 2/3) = 1/8, p_visible = 1 / (8/3) = 3/8.
  const p = tf.softmax(recalibrate(tf.zeros([1, 1, 4, 4]) as tf.Tensor4D, tokenMask(), Math.log(3))).arraySync() as number[][][][];
  assertClose(p[0][0][0][0], 3 / 8, 1e-6);
  assertClose(p[0][0][0][1], 1 / 8, 1e-6);
  assertClose(p[0][0][0][1] / p[0][0][0][0], 1 / 3, 1e-6);
  assertClose(p[0][0][1][0], 1 / 4, 1e-7); // masked query: unchanged
  // The bias itself: -beta exactly where a visible query meets a masked key.
  assertClose(recalibrationBias(tokenMask(), 2), [0, -2, 0, -2, 0, 0, 0, 0, 0, -2, 0, -2, 0, 0, 0, 0], 0);
});

// ---- invariance on a real attention computation ---------------------------------------------

const W = 8;
const HEADS = 2;
const LAYERS = 2;

/** A tiny pre-norm-free transformer encoder, written out with tfjs ops, that runs its attention through the hooks. */
function tinyEncoder(hooks: TrainerHooks, tokens: tf.Tensor3D, mask: tf.Tensor2D, maskTokenValue: tf.Tensor1D, training = true) {
  const [B, N] = mask.shape;
  const d = W / HEADS;
  const w = (seed: number, shape: number[]) => tf.randomNormal(shape, 0, 0.5, 'float32', seed);
  const pos = w(1, [1, N, W]);
  const m3 = tf.reshape(mask, [B, N, 1]);
  // SimMIM-style: the mask token replaces masked inputs in the encoder.
  let x = tf.add(tf.add(tf.mul(tokens, tf.sub(1, m3)), tf.mul(tf.reshape(maskTokenValue, [1, 1, W]), m3)), pos) as tf.Tensor3D;
  const step = stepContext(0, training, mask);
  hooks.stepStart.call(step);
  const probsSeen: tf.Tensor4D[] = [];
  for (let l = 0; l < LAYERS; l++) {
    const split = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [B, N, HEADS, d]), [0, 2, 1, 3]);
    const proj = (seed: number) => split(tf.matMul(tf.reshape(x, [B * N, W]), w(10 * l + seed, [W, W])));
    const q = proj(2);
    const k = proj(3);
    const v = proj(4);
    const attInfo = info('encoder', l, LAYERS, mask, HEADS);
    let logits = tf.div(tf.matMul(q, k, false, true), Math.sqrt(d)) as tf.Tensor4D;
    logits = hooks.attentionLogits.call(logits, attInfo, step);
    const probs = tf.softmax(logits);
    hooks.attentionProbs.call({ probs }, attInfo, step);
    probsSeen.push(probs);
    const att = tf.reshape(tf.transpose(tf.matMul(probs, v), [0, 2, 1, 3]), [B * N, W]);
    x = tf.add(x, tf.reshape(tf.matMul(att, w(10 * l + 5, [W, W])), [B, N, W])) as tf.Tensor3D;
    const hidden = tf.relu(tf.matMul(tf.reshape(x, [B * N, W]), w(10 * l + 6, [W, 2 * W])));
    x = tf.add(x, tf.reshape(tf.matMul(hidden, w(10 * l + 7, [2 * W, W])), [B, N, W])) as tf.Tensor3D;
    hooks.blockOutput.call({ features: x }, attInfo, step);
  }
  return { out: x, probsSeen };
}

function visibleRows(out: tf.Tensor3D, mask: number[][]): Float32Array[] {
  const rows: Float32Array[] = [];
  const data = out.dataSync() as Float32Array;
  const [, N] = [mask.length, mask[0].length];
  mask.forEach((row, b) => row.forEach((m, i) => m || rows.push(data.slice((b * N + i) * W, (b * N + i + 1) * W))));
  return rows;
}

test('hard recalibration: visible outputs are bit-for-bit invariant to the mask-token embedding', () => {
  const maskRows = [
    [0, 1, 1, 0, 1, 0],
    [1, 0, 0, 1, 1, 1],
  ];
  const mask = tf.tensor2d(maskRows);
  const tokens = tf.randomNormal([2, 6, W], 0, 1, 'float32', 99) as tf.Tensor3D;
  const tokenA = tf.fill([W], 0.1) as tf.Tensor1D;
  const tokenB = tf.randomNormal([W], 0, 3, 'float32', 7) as tf.Tensor1D;

  const run = (options: Parameters<typeof applyMto>[1], maskToken: tf.Tensor1D, training = true) => {
    const { host } = makeHost('encoder');
    applyMto(host, options);
    return tinyEncoder(host.hooks, tokens, mask, maskToken, training);
  };
  const hardOnly = { lambdaE: 0, lambdaR: 0 };
  const a = run(hardOnly, tokenA);
  const b = run(hardOnly, tokenB);
  const bytes = (rows: Float32Array[]) => rows.map((r) => Buffer.from(r.buffer, r.byteOffset, r.byteLength).toString('hex'));
  assert.deepEqual(bytes(visibleRows(a.out, maskRows)), bytes(visibleRows(b.out, maskRows)));
  // ...while masked positions do change, so the test is not vacuous.
  assert.notDeepEqual(Array.from(a.out.dataSync()), Array.from(b.out.dataSync()));
  // Visible->masked attention mass is exactly 0 in every layer.
  for (const probs of a.probsSeen) {
    const keysMasked = tf.reshape(mask, [2, 1, 1, 6]);
    const queriesVisible = tf.reshape(tf.sub(1, mask), [2, 1, 6, 1]);
    assert.equal(tf.sum(tf.mul(tf.mul(probs, keysMasked), queriesVisible)).dataSync()[0], 0);
  }
  // Recalibration is part of the forward pass: it applies in evaluation too.
  const evalA = run(hardOnly, tokenA, false);
  const evalB = run(hardOnly, tokenB, false);
  assert.deepEqual(bytes(visibleRows(evalA.out, maskRows)), bytes(visibleRows(evalB.out, maskRows)));
  // Control: without recalibration the visible outputs depend on the mask token.
  const off = { recalibration: { enabled: false }, lambdaE: 0, lambdaR: 0 };
  assert.notDeepEqual(bytes(visibleRows(run(off, tokenA).out, maskRows)), bytes(visibleRows(run(off, tokenB).out, maskRows)));
});
