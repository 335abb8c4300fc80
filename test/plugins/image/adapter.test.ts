import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { ConfigError, Rng, registry, toMaskBatch, disposeMaskBatch, type DataInfo, type MaskSample } from '@mtojs/core';
import { ImageAdapter, augmentImages, patchify } from '@mtojs/image';
import { partContext } from './fixtures.js';

before(async () => {
  await tf.setBackend('cpu');
});

const mnistInfo: DataInfo = { modality: 'image', exampleShape: [28, 28, 1], dtype: 'float32', classNames: ['0', '1'] };

function randomImages(B: number, H: number, W: number, C: number, seed = 1): tf.Tensor4D {
  const rng = new Rng(seed);
  return tf.tensor4d(Float32Array.from({ length: B * H * W * C }, () => rng.random()), [B, H, W, C]);
}

function maskSample(rows: number[][]): MaskSample {
  const B = rows.length;
  const N = rows[0].length;
  const mask = Uint8Array.from(rows.flat());
  return { batchSize: B, numTokens: N, mask, maskedPerRow: Int32Array.from(rows, (r) => r.reduce((a, b) => a + b, 0)) };
}

test('the package registers the image adapter and its data sources', () => {
  assert.equal(registry.get('adapter', 'image'), ImageAdapter);
  for (const name of ['mnist', 'idx', 'image-folder']) assert.ok(registry.has('data', name), name);
});

test('options default to patch size 4, normPix on, augmentation off; unknown fields are rejected', () => {
  assert.deepEqual(ImageAdapter.optionsSchema.parse({}), { patchSize: 4, normPix: true, augment: { enabled: false, maxShift: 2, flip: false } });
  assert.deepEqual(new ImageAdapter({ augment: { enabled: true } }).getConfig(), { patchSize: 4, normPix: true, augment: { enabled: true, maxShift: 2, flip: false } });
  assert.throws(() => new ImageAdapter({ patchsize: 2 } as never), (e: unknown) => e instanceof ConfigError && /adapter: unknown field 'patchsize'/.test(e.message));
  assert.throws(() => registry.parseOptions('adapter', { name: 'image', patchSize: 0 }), ConfigError);
});

test('setup lays out the patch grid', () => {
  const layout = new ImageAdapter({ patchSize: 4 }).setup(mnistInfo);
  assert.deepEqual(layout, { numTokens: 49, tokenDim: 16, targetDim: 16, grid: [7, 7], discrete: false });
  const rgb = new ImageAdapter({ patchSize: 8 }).setup({ modality: 'image', exampleShape: [16, 32, 3], dtype: 'float32' });
  assert.deepEqual(rgb, { numTokens: 8, tokenDim: 192, targetDim: 192, grid: [2, 4], discrete: false });
});

test('setup rejects a patch size that does not divide the image, naming adapter.patchSize, the value and the size', () => {
  assert.throws(
    () => new ImageAdapter({ patchSize: 5 }).setup(mnistInfo),
    (e: unknown) => e instanceof ConfigError && /adapter\.patchSize/.test(e.message) && /\b5\b/.test(e.message) && /28x28/.test(e.message),
  );
});

test('setup rejects non-image data and non-[H, W, C] shapes', () => {
  assert.throws(() => new ImageAdapter().setup({ ...mnistInfo, modality: 'text' }), (e: unknown) => e instanceof ConfigError && /modality 'text'/.test(e.message));
  assert.throws(() => new ImageAdapter().setup({ ...mnistInfo, exampleShape: [28, 28] }), ConfigError);
});

test('prepare: patch tokens, normPix targets with per-patch mean 0 and std ~1, labels passed through', () => {
  const adapter = new ImageAdapter({ patchSize: 4 });
  adapter.setup({ modality: 'image', exampleShape: [8, 8, 3], dtype: 'float32' });
  const inputs = randomImages(2, 8, 8, 3);
  const labels = Int32Array.from([3, 1]);
  const before = tf.memory().numTensors;
  const prepared = adapter.prepare({ inputs, labels });
  assert.equal(prepared.batchSize, 2);
  assert.equal(prepared.labels, labels);
  assert.deepEqual(prepared.tokens.shape, [2, 4, 48]);
  assert.deepEqual(prepared.targets.shape, [2, 4, 48]);
  const expected = patchify(inputs, 4);
  assert.deepEqual(Array.from(prepared.tokens.dataSync()), Array.from(expected.dataSync()));
  const { mean, variance } = tf.moments(prepared.targets, -1);
  for (const m of mean.dataSync()) assert.ok(Math.abs(m) < 1e-5, `patch mean ${m}`);
  for (const v of variance.dataSync()) assert.ok(Math.abs(Math.sqrt(v) - 1) < 1e-3, `patch std ${Math.sqrt(v)}`);
  tf.dispose([expected, mean, variance, prepared.tokens, prepared.targets]);
  assert.equal(tf.memory().numTensors, before, 'prepare leaks nothing once its outputs are disposed');
  inputs.dispose();
});

test('prepare without normPix targets the raw patches, as a tensor of its own', () => {
  const adapter = new ImageAdapter({ patchSize: 2, normPix: false });
  adapter.setup({ modality: 'image', exampleShape: [4, 4, 1], dtype: 'float32' });
  const inputs = randomImages(3, 4, 4, 1);
  const prepared = adapter.prepare({ inputs });
  assert.notEqual(prepared.targets, prepared.tokens);
  assert.deepEqual(Array.from(prepared.targets.dataSync()), Array.from(prepared.tokens.dataSync()));
  prepared.tokens.dispose();
  assert.equal(prepared.targets.isDisposed, false);
  tf.dispose([inputs, prepared.targets]);
});

test('a constant patch (MNIST background) gets all-zero normPix targets, not NaN', () => {
  const adapter = new ImageAdapter({ patchSize: 4 });
  adapter.setup(mnistInfo);
  const inputs = tf.zeros([1, 28, 28, 1]) as tf.Tensor4D;
  const prepared = adapter.prepare({ inputs });
  assert.ok(Array.from(prepared.targets.dataSync()).every((v) => v === 0));
  tf.dispose([inputs, prepared.tokens, prepared.targets]);
});

test('the loss counts masked patches only', () => {
  const adapter = new ImageAdapter({ patchSize: 2 });
  adapter.setup({ modality: 'image', exampleShape: [4, 4, 1], dtype: 'float32' });
  const inputs = randomImages(2, 4, 4, 1, 5);
  const prepared = adapter.prepare({ inputs });
  // Rows mask different counts: 1 and 3 of 4 patches.
  const maskBatch = toMaskBatch(maskSample([[0, 1, 0, 0], [1, 1, 0, 1]]));
  const before = tf.memory().numTensors;
  const [exactOnMasked, offByOne, nothingMasked] = tf.tidy(() => {
    const m = tf.expandDims(maskBatch.mask, -1);
    const garbage = tf.fill(prepared.targets.shape, 1000);
    const predExact = tf.add(tf.mul(prepared.targets, m), tf.mul(garbage, tf.sub(1, m))) as tf.Tensor3D;
    const predOff = tf.add(predExact, m) as tf.Tensor3D; // masked patches off by 1 everywhere
    const none = toMaskBatch(maskSample([[0, 0, 0, 0], [0, 0, 0, 0]]));
    const out = [
      adapter.loss(predExact, prepared, maskBatch).dataSync()[0],
      adapter.loss(predOff, prepared, maskBatch).dataSync()[0],
      adapter.loss(predExact, prepared, none).dataSync()[0],
    ];
    disposeMaskBatch(none);
    return out;
  });
  assert.equal(tf.memory().numTensors, before, 'loss in tidy leaks nothing');
  assert.ok(Math.abs(exactOnMasked) < 1e-10, `loss ${exactOnMasked}`);
  assert.ok(Math.abs(offByOne - 1) < 1e-5, `loss ${offByOne}`);
  assert.equal(nothingMasked, 0, 'nothing masked: loss 0, not NaN');
  disposeMaskBatch(maskBatch);
  tf.dispose([inputs, prepared.tokens, prepared.targets]);
});

test('the stem: named variables, glorot-uniform kernels, zero biases, shapes, and gradients reach every variable', () => {
  const adapter = new ImageAdapter({ patchSize: 4 });
  adapter.setup(mnistInfo);
  const ctx = partContext(3);
  const stem = adapter.createStem({ inputWidth: 32, outputWidth: 24 }, ctx.init);
  const vars = stem.variables();
  assert.deepEqual(vars.map((v) => v.name), ['embed/kernel', 'embed/bias', 'head/kernel', 'head/bias']);
  assert.deepEqual(vars.map((v) => v.variable.shape), [[16, 32], [32], [24, 16], [16]]);
  const limit = Math.sqrt(6 / (16 + 32));
  const kernel = vars[0].variable.dataSync();
  assert.ok(kernel.every((v) => Math.abs(v) <= limit) && kernel.some((v) => v !== 0));
  assert.ok(vars[1].variable.dataSync().every((v) => v === 0));

  const inputs = randomImages(2, 28, 28, 1);
  const prepared = adapter.prepare({ inputs });
  const maskBatch = toMaskBatch(maskSample([Array.from({ length: 49 }, (_, i) => i % 2), Array.from({ length: 49 }, (_, i) => (i + 1) % 2)]));
  const before = tf.memory().numTensors;
  const { value, grads } = tf.variableGrads(() => {
    const embedded = stem.embed(prepared.tokens);
    assert.deepEqual(embedded.shape, [2, 49, 32]);
    const features = tf.reshape(tf.tanh(tf.matMul(tf.reshape(embedded, [98, 32]), tf.ones([32, 24]))), [2, 49, 24]) as tf.Tensor3D;
    const pred = stem.head(features);
    assert.deepEqual(pred.shape, [2, 49, 16]);
    return adapter.loss(pred, prepared, maskBatch);
  }, vars.map((v) => v.variable));
  for (const v of vars) assert.ok(grads[v.variable.name], `gradient for ${v.name}`);
  tf.dispose([value, ...Object.values(grads)]);
  assert.equal(tf.memory().numTensors, before);
  disposeMaskBatch(maskBatch);
  tf.dispose([inputs, prepared.tokens, prepared.targets, ...vars.map((v) => v.variable)]);
});

test('augmentImages translates by at most maxShift with zero fill', () => {
  // A single bright pixel in the middle of a 9x9 image moves to somewhere within 2 pixels.
  const values = new Float32Array(81);
  values[4 * 9 + 4] = 1;
  const images = tf.tensor4d(Float32Array.from({ length: 16 * 81 }, (_, i) => values[i % 81]), [16, 9, 9, 1]);
  const shifted = augmentImages(images, { maxShift: 2, flip: false }, new Rng(1));
  const out = shifted.arraySync();
  const offsets = new Set<string>();
  for (const img of out) {
    const spots: [number, number][] = [];
    img.forEach((row, y) => row.forEach(([v], x) => v !== 0 && spots.push([y, x])));
    assert.equal(spots.length, 1);
    const [y, x] = spots[0];
    assert.ok(Math.abs(y - 4) <= 2 && Math.abs(x - 4) <= 2, `moved to ${y},${x}`);
    offsets.add(`${y},${x}`);
  }
  assert.ok(offsets.size > 3, 'offsets vary between examples');
  // An edge pixel shifted out of the frame leaves zeros behind: nothing wraps around.
  const edge = tf.tensor4d(Float32Array.from({ length: 9 }, (_, i) => (i === 0 ? 1 : 0)), [1, 3, 3, 1]);
  for (let s = 0; s < 20; s++) {
    const moved = augmentImages(edge, { maxShift: 1, flip: false }, new Rng(s));
    const total = tf.sum(moved);
    assert.ok((total.arraySync() as number) <= 1);
    tf.dispose([moved, total]);
  }
  tf.dispose([images, shifted, edge]);
});

test('augmentation applies to training batches only, and is reproducible from the seed and the saved state', () => {
  const make = () => {
    const adapter = new ImageAdapter({ patchSize: 4, augment: { enabled: true, maxShift: 2 } }, partContext(11));
    adapter.setup(mnistInfo);
    return adapter;
  };
  const inputs = randomImages(4, 28, 28, 1);
  const tokensOf = (adapter: ImageAdapter, training: boolean) => {
    const p = adapter.prepare({ inputs }, { training });
    const values = Array.from(p.tokens.dataSync());
    tf.dispose([p.tokens, p.targets]);
    return values;
  };
  const a = make();
  const b = make();
  const plainTokens = patchify(inputs, 4);
  const plain = Array.from(plainTokens.dataSync());
  plainTokens.dispose();
  assert.deepEqual(tokensOf(a, false), plain, 'no augmentation outside training');
  const state = a.getState();
  const first = tokensOf(a, true);
  assert.notDeepEqual(first, plain);
  assert.deepEqual(tokensOf(b, true), first, 'same seed, same augmentation');
  const second = tokensOf(a, true);
  assert.notDeepEqual(second, first);
  const c = make();
  c.setState(JSON.parse(JSON.stringify(state)));
  assert.deepEqual(tokensOf(c, true), first, 'restored state repeats the augmentation');
  inputs.dispose();
});
