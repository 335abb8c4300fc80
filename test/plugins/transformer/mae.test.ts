import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { disposeMaskBatch, noHooks, registry, type MaskBatch, type PreparedBatch } from '@mtojs/core';
import { MaeModel, sincos2d } from '@mtojs/transformer';
import { useCpuBackend } from './support/backend.js';
import { disposeBatch, gridLayout, maskFromRows, randomBatch, randomMask } from './support/toy-task.js';
import { assertEveryVariableReached, buildMae, makeBlocksIdentity, recordingContext, variableByName } from './support/models.js';

before(useCpuBackend);

const B = 3;
const N = 16;
const M = 12; // masked per row: the encoder sees N - M = 4 tokens

test('mae: pred is [B, N, targetDim], encode is [B, width], with and without CLS', () => {
  for (const cls of [false, true]) {
    const { model } = buildMae({ cls });
    const batch = randomBatch(gridLayout(4, 4), B);
    const mask = randomMask(B, N, M);
    tf.tidy(() => {
      assert.deepEqual(model.forward(batch, mask, noHooks()).pred.shape, [B, N, 5]);
      assert.deepEqual(model.encode(batch).shape, [B, 16]);
    });
    disposeBatch(batch);
    disposeMaskBatch(mask);
    model.dispose();
  }
});

test('mae: every variable receives a non-zero gradient', () => {
  for (const cls of [false, true]) {
    const { model } = buildMae({ cls });
    const batch = randomBatch(gridLayout(4, 4), B);
    const mask = randomMask(B, N, M);
    assertEveryVariableReached(model, batch, mask);
    disposeBatch(batch);
    disposeMaskBatch(mask);
    model.dispose();
  }
});

test('mae: variables have stable names; only matrices decay', () => {
  const { model } = buildMae({ depth: 1, decoderDepth: 1, cls: true });
  const block = (m: string) =>
    ['norm1/gamma', 'norm1/beta', 'attn/qkv/kernel', 'attn/qkv/bias', 'attn/proj/kernel', 'attn/proj/bias', 'norm2/gamma', 'norm2/beta', 'mlp/fc1/kernel', 'mlp/fc1/bias', 'mlp/fc2/kernel', 'mlp/fc2/bias'].map(
      (n) => `${m}/block0/${n}`,
    );
  assert.deepEqual(
    model.variables().map((v) => v.name),
    [
      'stem/embed/kernel',
      'stem/embed/bias',
      'stem/head/kernel',
      'stem/head/bias',
      'encoder/cls_token',
      ...block('encoder'),
      'encoder/norm/gamma',
      'encoder/norm/beta',
      'decoder/embed/kernel',
      'decoder/embed/bias',
      'decoder/mask_token',
      ...block('decoder'),
      'decoder/norm/gamma',
      'decoder/norm/beta',
    ],
  );
  for (const v of model.variables().filter((v) => !v.name.startsWith('stem/'))) assert.equal(v.decay, v.variable.rank >= 2, v.name);
  assert.equal(model.maskToken(), variableByName(model, 'decoder/mask_token'));
  assert.deepEqual(model.maskToken().shape, [8]);
  assert.equal(model.mixingModule, 'decoder');
  model.dispose();
});

test('mae: the encoder sees only the visible tokens; the decoder sees all, flagged by the batch mask', () => {
  for (const cls of [false, true]) {
    const { model } = buildMae({ cls });
    const batch = randomBatch(gridLayout(4, 4), B);
    const mask = randomMask(B, N, M);
    const extra = cls ? 1 : 0;
    const { ctx, calls } = recordingContext(mask.mask);
    tf.tidy(() => {
      model.forward(batch, mask, ctx);
      const encoderCalls = calls.filter((c) => c.info.module === 'encoder');
      const decoderCalls = calls.filter((c) => c.info.module === 'decoder');
      assert.equal(encoderCalls.length, 2 * 3);
      assert.equal(decoderCalls.length, 2 * 3);
      for (const c of encoderCalls) {
        assert.equal(c.info.tokenMask, null, 'no mask token enters the encoder');
        assert.equal(c.info.tokenPadding, null);
        if (c.hook !== 'blockOutput') assert.deepEqual(c.shape, [B, 4, N - M + extra, N - M + extra]);
      }
      const expectedMask = cls ? [...mask.mask.arraySync().map((r) => [0, ...r])] : mask.mask.arraySync();
      for (const c of decoderCalls) {
        assert.ok(c.info.tokenMask);
        assert.deepEqual(c.info.tokenMask.arraySync(), expectedMask);
        if (c.hook === 'blockOutput') assert.deepEqual(c.shape, [B, N + extra, 8]);
      }
    });
    disposeBatch(batch);
    disposeMaskBatch(mask);
    model.dispose();
  }
});

test('mae: the decoder receives projected visible features and the mask token in the original token order', () => {
  const { model, adapter } = buildMae();
  // Identity blocks: the first decoder block's output is exactly the decoder's input, and the
  // encoder's output for a token depends on that token alone: LayerNorm(embed + position).
  makeBlocksIdentity(model, 'encoder');
  makeBlocksIdentity(model, 'decoder');
  const batch = randomBatch(gridLayout(4, 4), B);
  // Rows with different masked positions, so a wrong restore order cannot go unnoticed.
  const rows = Array.from({ length: B }, (_, b) => Array.from({ length: N }, (_, i) => ((i * 5 + b * 3) % 16 < M ? 1 : 0)));
  const mask = maskFromRows(rows);
  let decoderInput: number[][][] | null = null;
  const ctx = noHooks(mask.mask);
  ctx.hooks.blockOutput.tap('capture', ({ features }, info) => {
    if (info.module === 'decoder' && info.layer === 0) decoderInput = features.arraySync();
  });
  tf.tidy(() => {
    model.forward(batch, mask, ctx);
    const encoderIn = tf.add(adapter.lastStem!.embed(batch.tokens), tf.tensor2d(sincos2d([4, 4], 16), [N, 16]));
    const { mean, variance } = tf.moments(encoderIn, -1, true);
    const encoded = tf.div(tf.sub(encoderIn, mean), tf.sqrt(tf.add(variance, 1e-6)));
    const projected = tf.add(tf.einsum('bnw,wd->bnd', encoded, variableByName(model, 'decoder/embed/kernel')), variableByName(model, 'decoder/embed/bias'));
    const m = tf.expandDims(mask.mask, -1);
    const expected = tf.add(
      tf.add(tf.mul(projected, tf.sub(1, m)), tf.mul(model.maskToken(), m)),
      tf.tensor2d(sincos2d([4, 4], 8), [N, 8]),
    ).arraySync() as number[][][];
    assert.ok(decoderInput);
    const got = decoderInput as number[][][];
    for (let b = 0; b < B; b++)
      for (let i = 0; i < N; i++)
        for (let d = 0; d < 8; d++) assert.ok(Math.abs(got[b][i][d] - expected[b][i][d]) < 1e-4, `row ${b} token ${i} dim ${d}: ${got[b][i][d]} != ${expected[b][i][d]}`);
  });
  disposeBatch(batch);
  disposeMaskBatch(mask);
  model.dispose();
});

test('mae: rows with different masked counts are an error that says why', () => {
  const { model } = buildMae();
  const batch = randomBatch(gridLayout(4, 4), 2);
  const mask = maskFromRows([Array.from({ length: N }, (_, i) => (i < 8 ? 1 : 0)), Array.from({ length: N }, (_, i) => (i < 7 ? 1 : 0))]);
  assert.throws(() => tf.tidy(() => void model.forward(batch, mask, noHooks())), /same number of masked tokens in every row/);
  disposeBatch(batch);
  disposeMaskBatch(mask);
  model.dispose();
});

test("mae: registered as 'mae'; options are validated and round-trip through getConfig", () => {
  assert.equal(registry.get('model', 'mae'), MaeModel);
  const { options } = registry.parseOptions('model', { name: 'mae' });
  assert.deepEqual(new MaeModel(options).getConfig(), options);
  assert.deepEqual(options, { width: 64, depth: 4, heads: 4, mlpRatio: 4, maxParameters: 100_000_000, cls: false, pooling: 'mean', maskTokenStd: 0.02, decoderWidth: 32, decoderDepth: 2, decoderHeads: 4 });
  assert.throws(() => registry.parseOptions('model', { name: 'mae', width: 30, heads: 4 }), /heads \(4\) must divide width \(30\)/);
  assert.throws(() => registry.parseOptions('model', { name: 'mae', decoderWidth: 30, decoderHeads: 4 }), /decoderHeads/);
  assert.throws(() => registry.parseOptions('model', { name: 'mae', pooling: 'cls' }), /pooling 'cls' needs cls: true/);
  assert.throws(() => buildMae({ decoderWidth: 6, decoderHeads: 2 }), /decoderWidth must be divisible by 4/);
  assert.throws(() => new MaeModel({}).forward({} as PreparedBatch, {} as MaskBatch, noHooks()), /build\(\)/);
});
