import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { disposeMaskBatch, noHooks } from '@mtojs/core';
import { PADDING_LOGIT_BIAS } from '@mtojs/transformer';
import { useCpuBackend } from './support/backend.js';
import { disposeBatch, gridLayout, randomBatch, randomMask } from './support/toy-task.js';
import { buildMae, buildSimMim, recordingContext } from './support/models.js';

before(useCpuBackend);

const B = 2;
const N = 16;

test('mae: per layer attentionLogits, attentionProbs, blockOutput; encoder layers first, then decoder; info names module, layer, depth, heads', () => {
  const { model } = buildMae({ depth: 3, decoderDepth: 2 });
  const batch = randomBatch(gridLayout(4, 4), B);
  const mask = randomMask(B, N, 12);
  const { ctx, calls } = recordingContext(mask.mask);
  tf.tidy(() => void model.forward(batch, mask, ctx));
  const expected: [string, string, number][] = [];
  for (const [module, depth] of [['encoder', 3], ['decoder', 2]] as const)
    for (let layer = 0; layer < depth; layer++) for (const hook of ['attentionLogits', 'attentionProbs', 'blockOutput']) expected.push([hook, module, layer]);
  assert.deepEqual(calls.map((c) => [c.hook, c.info.module, c.info.layer]), expected);
  for (const c of calls) {
    assert.equal(c.info.numLayers, c.info.module === 'encoder' ? 3 : 2);
    assert.equal(c.info.numHeads, c.info.module === 'encoder' ? 4 : 2);
    const T = c.info.module === 'encoder' ? N - 12 : N;
    assert.deepEqual(c.shape, c.hook === 'blockOutput' ? [B, T, c.info.module === 'encoder' ? 16 : 8] : [B, c.info.numHeads, T, T]);
  }
  // One info object per layer, shared by that layer's three hooks; the flags are built once per module.
  assert.equal(calls[0].info, calls[2].info);
  assert.equal(calls[9].info.tokenMask, calls[12].info.tokenMask);
  disposeBatch(batch);
  disposeMaskBatch(mask);
  model.dispose();
});

test('the logits an attentionLogits tap returns are the ones the softmax uses', () => {
  const { model } = buildSimMim();
  const batch = randomBatch(gridLayout(4, 4), B);
  const mask = randomMask(B, N, 6);
  const blockedKey = 5;
  const probsAt = (withTap: boolean) => {
    const ctx = noHooks(mask.mask);
    if (withTap) {
      ctx.hooks.attentionLogits.tap('block-key', (logits, info) => {
        if (info.layer !== 0) return logits;
        const bias = tf.tensor4d(Array.from({ length: N }, (_, j) => (j === blockedKey ? -1e9 : 0)), [1, 1, 1, N]);
        return tf.add(logits, bias) as tf.Tensor4D;
      });
    }
    const toKey: number[][] = [];
    ctx.hooks.attentionProbs.tap('read', ({ probs }, info) => {
      toKey[info.layer] = [...tf.slice(probs, [0, 0, 0, blockedKey], [-1, -1, -1, 1]).dataSync()];
    });
    const pred = tf.tidy(() => model.forward(batch, mask, ctx).pred.dataSync());
    return { toKey, pred };
  };
  const plain = probsAt(false);
  const tapped = probsAt(true);
  assert.ok(plain.toKey[0].every((p) => p > 0), 'without the tap every query attends to the key');
  assert.ok(tapped.toKey[0].every((p) => p === 0), 'with the tap no query attends to the key');
  assert.ok(tapped.toKey[1].some((p) => p > 0), 'later layers are untouched');
  assert.notDeepEqual([...tapped.pred], [...plain.pred]);
  disposeBatch(batch);
  disposeMaskBatch(mask);
  model.dispose();
});

test('attentionLogits taps receive logits with the padding bias already added', () => {
  const { model } = buildSimMim();
  const padding = [Array.from({ length: N }, (_, i) => (i >= 13 ? 1 : 0)), new Array<number>(N).fill(0)];
  const batch = randomBatch(gridLayout(4, 4), B, 1, padding);
  const mask = randomMask(B, N, 6, 2, padding);
  const ctx = noHooks(mask.mask, batch.padding);
  let seen: number[][][][] | null = null;
  ctx.hooks.attentionLogits.tap('read', (logits, info) => {
    if (info.layer === 0) seen = logits.arraySync();
    return logits;
  });
  tf.tidy(() => void model.forward(batch, mask, ctx));
  const logits = seen as unknown as number[][][][];
  for (let j = 0; j < N; j++) {
    const v = logits[0][0][0][j];
    if (padding[0][j]) assert.ok(v < PADDING_LOGIT_BIAS / 2, `padding key ${j}: ${v}`);
    else assert.ok(Math.abs(v) < 1e3, `real key ${j}: ${v}`);
  }
  disposeBatch(batch);
  disposeMaskBatch(mask);
  model.dispose();
});

test('a tap returning logits of the wrong shape is an error naming the layer', () => {
  const { model } = buildSimMim();
  const batch = randomBatch(gridLayout(4, 4), B);
  const mask = randomMask(B, N, 6);
  const ctx = noHooks(mask.mask);
  ctx.hooks.attentionLogits.tap('bad', (logits) => tf.slice(logits, [0, 0, 0, 0], [-1, 1, -1, -1]) as tf.Tensor4D);
  assert.throws(() => tf.tidy(() => void model.forward(batch, mask, ctx)), /encoder layer 0: an attentionLogits tap returned shape \[2,1,16,16\]/);
  disposeBatch(batch);
  disposeMaskBatch(mask);
  model.dispose();
});
