import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { applyReplacements, disposeMaskBatch, toMaskBatch, type PreparedBatch } from '@mtojs/core';

test('toMaskBatch: target defaults to the mask tensor; a separate target is its own tensor, disposed once', async () => {
  await tf.setBackend('cpu');
  const before = tf.memory().numTensors;
  const plain = toMaskBatch({ batchSize: 1, numTokens: 3, mask: Uint8Array.from([1, 0, 0]), maskedPerRow: Int32Array.from([1]) });
  assert.equal(plain.target, plain.mask);
  disposeMaskBatch(plain);
  const bert = toMaskBatch({ batchSize: 1, numTokens: 3, mask: Uint8Array.from([1, 0, 0]), target: Uint8Array.from([1, 1, 0]), maskedPerRow: Int32Array.from([1]) });
  assert.notEqual(bert.target, bert.mask);
  assert.deepEqual(Array.from(bert.target.dataSync()), [1, 1, 0]);
  disposeMaskBatch(bert);
  assert.equal(tf.memory().numTensors, before);
});

test('applyReplacements: feeds replacement ids at predicted positions only, keeps -1 and non-targets', async () => {
  await tf.setBackend('cpu');
  const ids = Int32Array.from([10, 11, 12, 13]);
  const raw = tf.tensor2d(ids, [1, 4], 'int32');
  const prepared: PreparedBatch = { batchSize: 1, tokens: tf.tensor2d(ids, [1, 4], 'int32'), targets: raw, tokenIds: ids };
  const old = prepared.tokens;
  applyReplacements(prepared, Int32Array.from([99, -1, 77, 55]), Uint8Array.from([1, 1, 1, 0]), raw);
  assert.ok(old.isDisposed);
  assert.deepEqual(Array.from(prepared.tokens.dataSync()), [99, 11, 77, 13]);
  assert.deepEqual(Array.from(ids), [10, 11, 12, 13], 'the original ids (the targets) are unchanged');
  prepared.tokens.dispose();
  raw.dispose();
  assert.throws(() => applyReplacements({ batchSize: 1, tokens: raw, targets: raw }, Int32Array.from([1]), Uint8Array.from([1]), raw), /tokenIds/);
});
