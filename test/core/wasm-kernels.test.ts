import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { installWasmKernels } from '@mtojs/core';

/** Runs f on the cpu backend and on wasm with the replacement kernels; both give the same values and shapes. */
async function sameOnBoth(what: string, f: (x: tf.Tensor) => tf.Tensor | tf.Tensor[]) {
  const values = Float32Array.from({ length: 2 * 3 * 4 * 5 * 2 }, (_, i) => i * 0.5 - 7);
  const run = () =>
    tf.tidy(() => {
      const out = f(tf.tensor(values, [2, 3, 4, 5, 2]));
      return (Array.isArray(out) ? out : [out]).map((t) => ({ shape: t.shape, values: Array.from(t.dataSync()) }));
    });
  await tf.setBackend('cpu');
  const expected = run();
  await tf.setBackend('wasm');
  assert.deepEqual(run(), expected, what);
}

test('wasm: the replacement Slice, SplitV, Unpack and Identity give the cpu backend’s values, and keep no tensor', async () => {
  await tf.setBackend('wasm');
  assert.equal(installWasmKernels(), true);
  const before = tf.memory().numTensors;
  await sameOnBoth('contiguous slice', (x) => tf.slice(x, [1, 0, 0, 0, 0], [1, 3, 4, 5, 2]));
  await sameOnBoth('strided slice of every axis', (x) => tf.slice(x, [1, 1, 2, 1, 1], [1, 2, 2, 3, 1]));
  await sameOnBoth('2-D slice of columns', (x) => tf.slice(tf.reshape(x, [12, 20]), [2, 3], [5, 9]));
  await sameOnBoth('1-D slice and a scalar', (x) => [tf.slice(tf.reshape(x, [240]), [17], [40]), tf.slice(tf.reshape(x, [240]), [5], [1])]);
  await sameOnBoth('split of a flat buffer', (x) => tf.split(tf.reshape(x, [240]), [12, 100, 1, 127]));
  await sameOnBoth('split of the middle axis', (x) => tf.split(x, [1, 3], 2));
  await sameOnBoth('split of the last axis', (x) => tf.split(tf.reshape(x, [2, 3, 40]), 4, 2));
  await sameOnBoth('unstack', (x) => tf.unstack(x, 1));
  await sameOnBoth('unstack of the last axis', (x) => tf.unstack(x, 4));
  await sameOnBoth('int32', (x) => tf.split(tf.cast(x, 'int32'), [1, 1], 0));
  await sameOnBoth('clone, then the original disposed', (x) => {
    const y = tf.mul(x, 2);
    const copy = tf.clone(y);
    y.dispose();
    return tf.add(copy, 1);
  });
  await sameOnBoth('a variable assigned after a clone of it was taken', (x) => {
    const v = tf.variable(tf.reshape(x, [240]));
    const before = tf.clone(v);
    v.assign(tf.zerosLike(v));
    const out = [tf.clone(before), tf.clone(v)];
    v.dispose();
    return out;
  });
  await sameOnBoth('gradient of a slice', (x) => tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.slice(t, [0, 1, 1, 0, 0], [2, 2, 2, 5, 1]))))(x));
  await tf.setBackend('wasm');
  assert.equal(tf.memory().numTensors, before);
});
