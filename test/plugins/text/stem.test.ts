import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { Initializer, Rng, gatherRows, noHooks, toMaskBatch, disposeMaskBatch } from '@mtojs/core';
import { SimMimModel } from '@mtojs/transformer';
import { SPECIAL_TOKENS, TextAdapter, TextStem, predictedPositions } from '@mtojs/text';

const VOCAB = [...SPECIAL_TOKENS, ...Array.from({ length: 59 }, (_, i) => `w${i}`)];

function build(headTransform: boolean) {
  const adapter = new TextAdapter({ headTransform });
  const layout = adapter.setup({ modality: 'text', exampleShape: [8], dtype: 'int32', vocab: VOCAB });
  let stem: TextStem | null = null;
  const createStem = adapter.createStem.bind(adapter);
  adapter.createStem = (dims, init) => (stem = createStem(dims, init) as TextStem);
  const model = new SimMimModel({ width: 16, depth: 1, heads: 2 });
  model.build(layout, adapter, new Initializer(new Rng(3).stream('init')));
  return { adapter, model, stem: stem! };
}

/** Two rows: [CLS] 4 words [SEP] [PAD] [PAD], and 6 words with no padding; targets at 4 positions. */
function batchAndMask(adapter: TextAdapter) {
  const ids = tf.tensor2d([[2, 10, 11, 12, 13, 3, 0, 0], [2, 20, 21, 22, 23, 24, 25, 3]], [2, 8], 'int32');
  const prepared = adapter.prepare({ inputs: ids });
  const target = Uint8Array.from([0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0]);
  const mask = toMaskBatch({ batchSize: 2, numTokens: 8, mask: Uint8Array.from([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]), target, maskedPerRow: Int32Array.from([1, 1]) });
  const free = () => {
    tf.dispose([ids, prepared.tokens, prepared.targets, prepared.padding!]);
    disposeMaskBatch(mask);
  };
  return { prepared, mask, free };
}

test('text stem: an embedded token has unit variance per feature, like the sin-cos positions it is added to', async () => {
  await tf.setBackend('cpu');
  const stem = new TextStem(1000, { inputWidth: 64, outputWidth: 64 }, new Initializer(new Rng(0).stream('init')));
  const ids = tf.tensor2d([Array.from({ length: 500 }, (_, i) => i + 5)], [1, 500], 'int32');
  const meanSquare = tf.tidy(() => tf.mean(tf.square(stem.embed(ids))).dataSync()[0]);
  // Truncated at 2 std, the draws have variance 0.774 of the untruncated one.
  assert.ok(meanSquare > 0.65 && meanSquare < 0.9, `mean square of embedded features ${meanSquare}`);
  ids.dispose();
  for (const v of stem.variables()) v.variable.dispose();
});

test('gatherRows (core; the text stem\'s lookup and head use it) matches tf.gather, and its gradient adds up repeated rows on cpu and wasm', async () => {
  for (const backend of ['cpu', 'wasm']) {
    await tf.setBackend(backend);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const table = tf.tensor2d(Array.from({ length: 18 }, (_, i) => Math.sin(i)), [6, 3]);
      const rows = tf.tensor1d([1, 4, 1, 1, 0], 'int32');
      const weights = tf.tensor2d(Array.from({ length: 15 }, (_, i) => Math.cos(i)), [5, 3]);
      assert.deepEqual(Array.from(gatherRows(table, rows).dataSync()), Array.from(tf.gather(table, rows).dataSync()));
      const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(gatherRows(t as tf.Tensor2D, rows), weights)))(table).arraySync() as number[][];
      const w = weights.arraySync() as number[][];
      const expected = Array.from({ length: 6 }, (_, r) => [0, 1, 2].map((c) => [1, 4, 1, 1, 0].reduce((s, row, k) => s + (row === r ? w[k][c] : 0), 0)));
      grad.forEach((row, r) => row.forEach((g, c) => assert.ok(Math.abs(g - expected[r][c]) < 1e-6, `${backend} d[${r}][${c}] = ${g}, expected ${expected[r][c]}`)));
    });
    assert.equal(tf.memory().numTensors, before, `${backend}: no tensor left behind`);
  }
  await tf.setBackend('cpu');
});

for (const headTransform of [false, true]) {
  test(`text stem (headTransform ${headTransform}): SimMIM scores only the predicted positions, equal to the full head there, and the loss is unchanged`, async () => {
    await tf.setBackend('cpu');
    const { adapter, model, stem } = build(headTransform);
    const { prepared, mask, free } = batchAndMask(adapter);
    const ctx = noHooks(mask.mask, prepared.padding!);
    const before = tf.memory().numTensors;
    const [packedLoss, fullLoss, maxDiff, shape] = tf.tidy(() => {
      const { pred } = model.forward(prepared, mask, ctx);
      // The same forward pass with the head at every position: hide the stem's headAtTargets.
      Object.defineProperty(stem, 'headAtTargets', { value: undefined, configurable: true });
      const { pred: full } = model.forward(prepared, mask, ctx);
      delete (stem as Partial<TextStem>).headAtTargets;
      assert.deepEqual(full.shape, [2, 8, VOCAB.length]);
      const fullAtRows = tf.gather(tf.reshape(full, [16, VOCAB.length]), tf.tensor1d(predictedPositions(mask), 'int32'));
      return [
        adapter.loss(pred, prepared, mask).dataSync()[0],
        adapter.loss(full, prepared, mask).dataSync()[0],
        tf.max(tf.abs(tf.sub(tf.reshape(pred, [-1, VOCAB.length]), fullAtRows))).dataSync()[0],
        pred.shape,
      ];
    });
    assert.deepEqual(shape, [1, 4, VOCAB.length]);
    assert.ok(maxDiff < 1e-5, `packed logits differ from the full head's by ${maxDiff}`);
    assert.ok(Math.abs(packedLoss - fullLoss) < 1e-5, `loss ${packedLoss} (packed) vs ${fullLoss} (full)`);
    // Every stem variable gets a gradient through the packed head.
    const grads = tf.variableGrads(() => adapter.loss(model.forward(prepared, mask, ctx).pred, prepared, mask));
    const names = model.variables().filter((v) => v.name.startsWith('stem/')).map((v) => v.name);
    if (headTransform) assert.ok(names.includes('stem/head/transform/kernel'), names.join(', '));
    for (const v of model.variables().filter((p) => p.name.startsWith('stem/'))) {
      const g = grads.grads[v.variable.name];
      assert.ok(g && tf.tidy(() => tf.max(tf.abs(g)).dataSync()[0]) > 0, `gradient reaches ${v.name}`);
    }
    tf.dispose([grads.value, ...Object.values(grads.grads)]);
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
    free();
    model.dispose();
  });
}

test('text adapter: packed predictions of the wrong size are an error that says what was expected', async () => {
  await tf.setBackend('cpu');
  const { adapter, model } = build(false);
  const { prepared, mask, free } = batchAndMask(adapter);
  const wrong = tf.zeros([1, 3, VOCAB.length]) as tf.Tensor3D;
  assert.throws(() => adapter.loss(wrong, prepared, mask), /predictions are \[1, 3, 64\]; expected \[2, 8, 64\] or, at the 4 predicted positions, \[1, 4, 64\]/);
  wrong.dispose();
  free();
  model.dispose();
});
