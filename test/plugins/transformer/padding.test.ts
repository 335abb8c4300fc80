import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { disposeMaskBatch, noHooks, type MaskBatch, type MaskedModel, type PreparedBatch } from '@mtojs/core';
import { useCpuBackend } from './support/backend.js';
import { disposeBatch, gridLayout, randomBatch, randomMask } from './support/toy-task.js';
import { buildMae, buildSimMim, recordingContext } from './support/models.js';

before(useCpuBackend);

const N = 16;
/** Row 0 has its last 4 tokens padded, row 1 none. */
const PADDING = [Array.from({ length: N }, (_, i) => (i >= 12 ? 1 : 0)), new Array<number>(N).fill(0)];

/**
 * Runs forward with taps that read, in every layer, the attention probability mass on the keys
 * flagged in info.tokenPadding, and the flags themselves (read inside the taps: the tensors live
 * only as long as the forward pass's scope).
 */
function runRecording(model: MaskedModel, batch: PreparedBatch, mask: MaskBatch) {
  const ctx = noHooks(mask.mask, batch.padding);
  let massOnPadding = 0;
  let probsCalls = 0;
  ctx.hooks.attentionProbs.tap('mass', ({ probs }, info) => {
    probsCalls++;
    const [B, , T] = probs.shape;
    massOnPadding += tf.tidy(() => tf.sum(tf.mul(probs, tf.reshape(info.tokenPadding!, [B, 1, 1, T]))).dataSync()[0]);
  });
  const paddingFlags: { module: string; flags: number[][] }[] = [];
  ctx.hooks.blockOutput.tap('flags', (_, info) => void paddingFlags.push({ module: info.module, flags: info.tokenPadding!.arraySync() }));
  tf.tidy(() => void model.forward(batch, mask, ctx));
  assert.ok(probsCalls > 0);
  return { massOnPadding, paddingFlags };
}

test('simmim: padding keys get exactly zero attention in every layer; hooks see the padding (CLS column 0)', () => {
  for (const cls of [false, true]) {
    const { model } = buildSimMim({ cls });
    const batch = randomBatch(gridLayout(4, 4), 2, 1, PADDING);
    const mask = randomMask(2, N, 5, 2, PADDING);
    const { massOnPadding, paddingFlags } = runRecording(model, batch, mask);
    assert.equal(massOnPadding, 0);
    for (const { flags } of paddingFlags) assert.deepEqual(flags, PADDING.map((r) => (cls ? [0, ...r] : r)));
    disposeBatch(batch);
    disposeMaskBatch(mask);
    model.dispose();
  }
});

test('mae: padding is gathered with the visible tokens for the encoder and never attended in either module', () => {
  const { model } = buildMae({ cls: true });
  const batch = randomBatch(gridLayout(4, 4), 2, 1, PADDING);
  const mask = randomMask(2, N, 8, 2, PADDING);
  const { massOnPadding, paddingFlags } = runRecording(model, batch, mask);
  assert.equal(massOnPadding, 0);
  const keep = mask.keepIdx!.arraySync();
  const visiblePadding = keep.map((row, b) => [0, ...row.map((i) => PADDING[b][i])]);
  for (const { module, flags } of paddingFlags) assert.deepEqual(flags, module === 'encoder' ? visiblePadding : PADDING.map((r) => [0, ...r]));
  assert.ok(visiblePadding[0].some((f) => f === 1), 'padding reached the encoder');
  disposeBatch(batch);
  disposeMaskBatch(mask);
  model.dispose();
});

test('encode: padded tokens change nothing, and a padded sequence pools like the same sequence without the padding', () => {
  const real = 5;
  const long = gridLayout(1, 8);
  const short = gridLayout(1, real);
  const padding = [Array.from({ length: 8 }, (_, i) => (i >= real ? 1 : 0))];
  for (const build of [() => buildSimMim({ width: 8, heads: 2 }, long), () => buildMae({ width: 8, heads: 2, cls: true }, long)]) {
    const { model } = build();
    // Same seed and shapes: the short model has the same weights.
    const shortModel = rebuild(model, short);
    const batch = randomBatch(long, 1, 1, padding);
    tf.tidy(() => {
      const pooled = model.encode(batch).dataSync();
      // Different values in the padded tokens: the same features.
      const noise = tf.mul(tf.randomNormal([1, 8, 3], 0, 10, 'float32', 7), tf.expandDims(batch.padding!, -1));
      const perturbed = model.encode({ ...batch, tokens: tf.add(batch.tokens, noise) }).dataSync();
      assert.deepEqual([...perturbed], [...pooled]);
      // The same tokens without padding, in a model for 5 tokens.
      const truncated = shortModel.encode({ batchSize: 1, tokens: tf.slice(batch.tokens, [0, 0, 0], [1, real, 3]), targets: batch.targets }).dataSync();
      truncated.forEach((v, d) => assert.ok(Math.abs(v - pooled[d]) < 1e-5, `feature ${d}: ${v} != ${pooled[d]}`));
      // Without the padding flags the padded tokens do count.
      const unflagged = model.encode({ ...batch, padding: undefined }).dataSync();
      assert.notDeepEqual([...unflagged], [...pooled]);
    });
    disposeBatch(batch);
    model.dispose();
    shortModel.dispose();
  }
});

/** A model of the same class and options, built (same seed) for another layout. */
function rebuild(model: MaskedModel, layout: ReturnType<typeof gridLayout>): MaskedModel & { dispose(): void } {
  const options = model.getConfig();
  return ('decoderWidth' in options ? buildMae(options, layout) : buildSimMim(options, layout)).model;
}

test('forward and encode accept a batch without padding (tokenPadding null)', () => {
  const { model } = buildSimMim();
  const batch = randomBatch(gridLayout(4, 4), 2);
  const mask = randomMask(2, N, 5);
  const { ctx, calls } = recordingContext(mask.mask);
  tf.tidy(() => void model.forward(batch, mask, ctx));
  assert.ok(calls.every((c) => c.info.tokenPadding === null));
  tf.tidy(() => void model.encode(batch, noHooks()));
  disposeBatch(batch);
  disposeMaskBatch(mask);
  model.dispose();
});
