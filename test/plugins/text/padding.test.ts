import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Initializer, Rng, noHooks, toMaskBatch, disposeMaskBatch } from '@mtojs/core';
import { SimMimModel } from '@mtojs/transformer';
import { SPECIAL_TOKENS, TextAdapter } from '@mtojs/text';

const VOCAB = [...SPECIAL_TOKENS, 'a', 'b', 'c', '##d', 'e', 'f'];

function setUp() {
  const adapter = new TextAdapter();
  const layout = adapter.setup({ modality: 'text', exampleShape: [8], dtype: 'int32', vocab: VOCAB });
  const model = new SimMimModel({ width: 16, depth: 2, heads: 2 });
  model.build(layout, adapter, new Initializer(new Rng(0).stream('init')));
  return { adapter, model };
}

test('text adapter: padding is marked, protected with the specials, and never attended to', async () => {
  await tf.setBackend('cpu');
  const { adapter, model } = setUp();
  // [CLS] a b ##d [SEP] [PAD] [PAD] [PAD]
  const ids = tf.tensor2d([[2, 5, 6, 8, 3, 0, 0, 0]], [1, 8], 'int32');
  const prepared = adapter.prepare({ inputs: ids });
  assert.deepEqual(Array.from(prepared.padding!.dataSync()), [0, 0, 0, 0, 0, 1, 1, 1]);
  assert.deepEqual(Array.from(prepared.protected!), [1, 0, 0, 0, 1, 1, 1, 1]);
  assert.deepEqual(Array.from(prepared.wordStarts!), [1, 1, 1, 0, 1, 1, 1, 1]);
  // Every real position is predicted, so the predictions (scored at the targets only) cover them all.
  const mask = toMaskBatch({ batchSize: 1, numTokens: 8, mask: Uint8Array.from([0, 1, 0, 0, 0, 0, 0, 0]), target: Uint8Array.from([1, 1, 1, 1, 1, 0, 0, 0]), maskedPerRow: Int32Array.from([1]) });
  const ctx = noHooks(mask.mask, prepared.padding!);
  const before = tf.tidy(() => tf.slice(model.forward(prepared, mask, ctx).pred, [0, 0, 0], [1, 5, VOCAB.length]));
  // Different ids under the padding flags must not change any real position's prediction.
  const swapped = { ...prepared, tokens: tf.tensor2d([[2, 5, 6, 8, 3, 9, 10, 7]], [1, 8], 'int32') };
  const after = tf.tidy(() => tf.slice(model.forward(swapped, mask, ctx).pred, [0, 0, 0], [1, 5, VOCAB.length]));
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(before, after))).dataSync()[0]);
  assert.ok(diff < 1e-5, `real positions changed by ${diff}`);
  const pooledA = model.encode(prepared);
  const pooledB = model.encode(swapped);
  assert.ok(tf.tidy(() => tf.max(tf.abs(tf.sub(pooledA, pooledB))).dataSync()[0]) < 1e-5, 'mean pooling ignores padding');
  tf.dispose([before, after, pooledA, pooledB, ids, prepared.tokens, prepared.targets, prepared.padding!, swapped.tokens]);
  disposeMaskBatch(mask);
  model.dispose();
});

test('text adapter: the loss is cross-entropy over the target positions only', async () => {
  await tf.setBackend('cpu');
  const { adapter, model } = setUp();
  const ids = tf.tensor2d([[2, 5, 6, 8, 3, 0, 0, 0]], [1, 8], 'int32');
  const prepared = adapter.prepare({ inputs: ids });
  const mask = toMaskBatch({ batchSize: 1, numTokens: 8, mask: Uint8Array.from([0, 1, 0, 0, 0, 0, 0, 0]), target: Uint8Array.from([0, 1, 1, 0, 0, 0, 0, 0]), maskedPerRow: Int32Array.from([1]) });
  const logits = tf.tidy(() => {
    const rows = Array.from({ length: 8 }, (_, i) => Array.from({ length: VOCAB.length }, (_, v) => (i >= 3 ? 50 * ((v * 7 + i) % 3) : v === 5 ? 2 : 0)));
    return tf.tensor3d([rows]);
  });
  const loss = adapter.loss(logits, prepared, mask).dataSync()[0];
  const lse = Math.log(Math.exp(2) + VOCAB.length - 1);
  // Position 1 (target id 5): lse - 2; position 2 (id 6): lse - 0.
  assert.ok(Math.abs(loss - (lse - 2 + lse) / 2) < 1e-4, `loss ${loss}`);
  tf.dispose([ids, logits, prepared.tokens, prepared.targets, prepared.padding!]);
  disposeMaskBatch(mask);
  model.dispose();
});
