import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { ConfigError, registry } from '@mtojs/core';
import { MnistData } from '@mtojs/image';

before(async () => {
  await tf.setBackend('cpu');
});

function allOf(data: MnistData, split: 'train' | 'val' | 'test') {
  const n = data.size(split);
  const batch = data.batch(split, Array.from({ length: n }, (_, i) => i));
  const pixels = batch.inputs.dataSync() as Float32Array;
  batch.inputs.dispose();
  return { pixels, labels: batch.labels! };
}

test('MNIST loads 8000 train / 2000 test digits quickly, labels 0..9, pixels in [0, 1], classes balanced', async () => {
  const start = performance.now();
  const data = new MnistData();
  await data.load();
  const ms = performance.now() - start;
  console.log(`# mnist load: ${ms.toFixed(0)} ms`);
  assert.ok(ms < 5000, `loading took ${ms.toFixed(0)} ms`);
  assert.deepEqual(data.info, { modality: 'image', exampleShape: [28, 28, 1], dtype: 'float32', classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] });
  assert.equal(data.size('train'), 8000);
  assert.equal(data.size('test'), 2000);
  assert.equal(data.size('val'), 0);

  const before = tf.memory().numTensors;
  const batch = data.batch('train', [0, 1, 7999]);
  assert.deepEqual(batch.inputs.shape, [3, 28, 28, 1]);
  assert.equal(batch.inputs.dtype, 'float32');
  batch.inputs.dispose();
  assert.equal(tf.memory().numTensors, before);

  for (const split of ['train', 'test'] as const) {
    const { pixels, labels } = allOf(data, split);
    let lo = Infinity, hi = -Infinity;
    for (const v of pixels) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    assert.equal(lo, 0);
    assert.ok(hi > 0.9 && hi <= 1, `max pixel ${hi}`);
    const counts = new Array(10).fill(0);
    for (const l of labels) {
      assert.ok(Number.isInteger(l) && l >= 0 && l <= 9, `label ${l}`);
      counts[l]++;
    }
    if (split === 'test') assert.deepEqual(counts, new Array(10).fill(200), 'the test split has 200 of each digit');
    else for (const c of counts) assert.ok(c >= 600 && c <= 950, `train class counts ${counts}`);
  }
  // The first examples of a split cover every digit (sheets and evaluation subsets see all classes).
  const first = data.batch('test', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  first.inputs.dispose();
  assert.deepEqual(Array.from(first.labels!), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('the MNIST split is fixed: the test digits do not depend on the other sizes and never appear in train or val', async () => {
  const a = new MnistData();
  const b = new MnistData({ trainSize: 6000, valSize: 1500, testSize: 2000 });
  await Promise.all([a.load(), b.load()]);
  const testA = allOf(a, 'test');
  const testB = allOf(b, 'test');
  assert.deepEqual(testA.labels, testB.labels);
  assert.ok(testA.pixels.every((v, i) => v === testB.pixels[i]));
  assert.equal(b.size('val'), 1500);
  assert.equal(b.size('train'), 6000);

  const key = (pixels: Float32Array, i: number) => Array.from(pixels.subarray(i * 784, (i + 1) * 784)).join(',');
  const testKeys = new Set(Array.from({ length: 2000 }, (_, i) => key(testB.pixels, i)));
  for (const split of ['train', 'val'] as const) {
    const { pixels, labels } = allOf(b, split);
    for (let i = 0; i < labels.length; i++) assert.ok(!testKeys.has(key(pixels, i)), `${split} example ${i} is also a test example`);
  }
});

test('MNIST sizes beyond the 10,000 shipped digits are a ConfigError naming the fields', () => {
  const check = (e: unknown) => e instanceof ConfigError && /trainSize/.test(e.message) && /valSize/.test(e.message) && /testSize/.test(e.message) && /10000/.test(e.message);
  assert.throws(() => new MnistData({ trainSize: 8000, valSize: 1000, testSize: 2000 }), check);
  assert.throws(() => registry.parseOptions('data', { name: 'mnist', trainSize: 9000 }, 'data'), check);
});

test('MNIST batches reject out-of-range indices with a RangeError', async () => {
  const data = new MnistData({ trainSize: 100, testSize: 10 });
  await data.load();
  assert.throws(() => data.batch('test', [10]), RangeError);
  assert.throws(() => data.batch('train', [-1]), RangeError);
  assert.throws(() => data.batch('val', [0]), RangeError);
  assert.throws(() => data.batch('train', [1.5]), RangeError);
});
