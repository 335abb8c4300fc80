import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { disposeMaskBatch, noHooks, registry } from '@mtojs/core';
import { SimMimModel, sincos1d, sincos2d } from '@mtojs/transformer';
import { useCpuBackend } from './support/backend.js';
import { disposeBatch, gridLayout, randomBatch, randomMask } from './support/toy-task.js';
import { assertEveryVariableReached, buildSimMim, makeBlocksIdentity, recordingContext, variableByName } from './support/models.js';

before(useCpuBackend);

const B = 3;
const N = 16;

test('simmim: pred is [B, N, targetDim], encode is [B, width], with and without CLS', () => {
  for (const cls of [false, true]) {
    const { model } = buildSimMim({ cls, pooling: cls ? 'cls' : 'mean' });
    const batch = randomBatch(gridLayout(4, 4), B);
    const mask = randomMask(B, N, 6);
    tf.tidy(() => {
      assert.deepEqual(model.forward(batch, mask, noHooks()).pred.shape, [B, N, 5]);
      assert.deepEqual(model.encode(batch).shape, [B, 16]);
    });
    disposeBatch(batch);
    disposeMaskBatch(mask);
    model.dispose();
  }
});

test('simmim: every variable receives a non-zero gradient; rows may mask different counts', () => {
  for (const cls of [false, true]) {
    const { model } = buildSimMim({ cls });
    const batch = randomBatch(gridLayout(4, 4), B);
    const mask = randomMask(B, N, 6);
    assertEveryVariableReached(model, batch, mask);
    disposeMaskBatch(mask);
    // Unequal counts (keepIdx null) are fine for SimMIM.
    const uneven = tf.tensor2d(Array.from({ length: B * N }, (_, i) => (i % 7 === 0 ? 1 : 0)), [B, N]);
    tf.tidy(() => assert.deepEqual(model.forward(batch, { sample: null as never, mask: uneven, target: uneven, keepIdx: null, restoreIdx: null, maskedPerRow: new Int32Array(B) }, noHooks()).pred.shape, [B, N, 5]));
    uneven.dispose();
    disposeBatch(batch);
    model.dispose();
  }
});

test('simmim: variables have stable names; only matrices decay', () => {
  const { model } = buildSimMim({ depth: 1, cls: true });
  const names = model.variables().map((v) => v.name);
  assert.deepEqual(names.slice(0, 6), ['stem/embed/kernel', 'stem/embed/bias', 'stem/head/kernel', 'stem/head/bias', 'encoder/mask_token', 'encoder/cls_token']);
  assert.deepEqual(names.slice(-3), ['encoder/block0/mlp/fc2/bias', 'encoder/norm/gamma', 'encoder/norm/beta']);
  assert.ok(names.includes('encoder/block0/attn/qkv/kernel'));
  assert.equal(new Set(names).size, names.length);
  for (const v of model.variables().filter((v) => !v.name.startsWith('stem/'))) assert.equal(v.decay, v.variable.rank >= 2, v.name);
  assert.equal(model.maskToken(), variableByName(model, 'encoder/mask_token'));
  assert.equal(model.mixingModule, 'encoder');
  model.dispose();
});

test('simmim: masked embeddings are replaced by the mask token before the positions are added; the encoder is told which', () => {
  for (const cls of [false, true]) {
    const { model, adapter } = buildSimMim({ cls });
    makeBlocksIdentity(model, 'encoder');
    const batch = randomBatch(gridLayout(4, 4), B);
    const mask = randomMask(B, N, 6);
    const { ctx, calls } = recordingContext(mask.mask);
    let encoderInput: number[][][] | null = null;
    ctx.hooks.blockOutput.tap('capture', ({ features }, info) => {
      if (info.layer === 0) encoderInput = features.arraySync();
    });
    tf.tidy(() => {
      model.forward(batch, mask, ctx);
      const m = tf.expandDims(mask.mask, -1);
      const mixed = tf.add(tf.mul(adapter.lastStem!.embed(batch.tokens), tf.sub(1, m)), tf.mul(model.maskToken(), m));
      let expected = tf.add(mixed, tf.tensor2d(sincos2d([4, 4], 16), [N, 16])) as tf.Tensor3D;
      if (cls) expected = tf.concat([tf.broadcastTo(tf.reshape(variableByName(model, 'encoder/cls_token'), [1, 1, 16]), [B, 1, 16]), expected], 1);
      const want = expected.arraySync();
      const got = encoderInput as unknown as number[][][];
      assert.ok(got);
      want.forEach((row, b) => row.forEach((tok, i) => tok.forEach((v, d) => assert.ok(Math.abs(got[b][i][d] - v) < 1e-5, `row ${b} token ${i} dim ${d}`))));
      const expectedMask = mask.mask.arraySync().map((r) => (cls ? [0, ...r] : r));
      assert.equal(calls.length, 2 * 3);
      for (const c of calls) {
        assert.equal(c.info.module, 'encoder');
        assert.deepEqual(c.info.tokenMask?.arraySync(), expectedMask);
      }
    });
    disposeBatch(batch);
    disposeMaskBatch(mask);
    model.dispose();
  }
});

test('simmim: sequences (grid [1, N]) use 1-D positions', () => {
  const layout = gridLayout(1, 6);
  const { model, adapter } = buildSimMim({ width: 6, heads: 2 }, layout);
  makeBlocksIdentity(model, 'encoder');
  const batch = randomBatch(layout, 2);
  const ctx = noHooks();
  let first: tf.Tensor3D | null = null;
  ctx.hooks.blockOutput.tap('capture', ({ features }, info) => {
    if (info.layer === 0) first = tf.keep(features);
  });
  tf.tidy(() => {
    model.encode(batch, ctx);
    const expected = tf.add(adapter.lastStem!.embed(batch.tokens), tf.tensor2d(sincos1d(6, 6), [6, 6]));
    const diff = tf.max(tf.abs(tf.sub(first!, expected))).dataSync()[0];
    assert.ok(diff < 1e-5, `max difference ${diff}`);
  });
  (first as tf.Tensor3D | null)?.dispose();
  disposeBatch(batch);
  model.dispose();
});

test("simmim: registered as 'simmim' with validated options", () => {
  assert.equal(registry.get('model', 'simmim'), SimMimModel);
  const { options } = registry.parseOptions('model', { name: 'simmim' });
  assert.deepEqual(new SimMimModel(options).getConfig(), options);
  assert.deepEqual(options, { width: 64, depth: 4, heads: 4, mlpRatio: 4, maxParameters: 100_000_000, cls: false, pooling: 'mean', maskTokenStd: 0.02 });
  assert.throws(() => registry.parseOptions('model', { name: 'simmim', heads: 5 }), /heads \(5\) must divide width \(64\)/);
  assert.throws(() => registry.parseOptions('model', { name: 'simmim', decoderWidth: 8 }), /decoderWidth/);
  assert.throws(() => buildSimMim({ width: 6, heads: 2 }), /width must be divisible by 4/);
});
