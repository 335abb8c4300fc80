import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { patchify, unpatchify, normalizePatches, denormalizePatches } from '@mtojs/image';

before(async () => {
  await tf.setBackend('cpu');
});

test('patchify orders patches row-major over the grid and pixels (py, px, c) within a patch', () => {
  // One 4x4 image with 2 channels: value = 100*y + 10*x + c, so every pixel is identifiable.
  const H = 4, W = 4, C = 2, p = 2;
  const values = new Float32Array(H * W * C);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) values[(y * W + x) * C + c] = 100 * y + 10 * x + c;
  const images = tf.tensor4d(values, [1, H, W, C]);
  const patches = patchify(images, p);
  assert.deepEqual(patches.shape, [1, 4, 8]);
  const rows = patches.arraySync()[0];
  // Patch 1 is the top-right patch (grid row 0, column 1): pixels (0,2), (0,3), (1,2), (1,3).
  assert.deepEqual(rows[1], [20, 21, 30, 31, 120, 121, 130, 131]);
  // Patch 2 is bottom-left (grid row 1, column 0).
  assert.deepEqual(rows[2], [200, 201, 210, 211, 300, 301, 310, 311]);
  assert.deepEqual(rows[0], [0, 1, 10, 11, 100, 101, 110, 111]);
  tf.dispose([images, patches]);
});

test('unpatchify inverts patchify exactly (non-square images, 3 channels, batch of 3)', () => {
  const B = 3, H = 8, W = 12, C = 3, p = 4;
  const images = tf.tensor4d(Float32Array.from({ length: B * H * W * C }, (_, i) => (i * 7919) % 1000), [B, H, W, C]);
  const patches = patchify(images, p);
  assert.deepEqual(patches.shape, [B, (H / p) * (W / p), p * p * C]);
  const back = unpatchify(patches, p, H, W, C);
  assert.deepEqual(back.shape, [B, H, W, C]);
  assert.deepEqual(Array.from(back.dataSync()), Array.from(images.dataSync()));
  tf.dispose([images, patches, back]);
});

test('patchify rejects a patch size that does not divide the image', () => {
  const images = tf.zeros([1, 6, 6, 1]) as tf.Tensor4D;
  assert.throws(() => patchify(images, 4), /patch size 4 does not divide the image size 6x6/);
  images.dispose();
});

test('normalised patches have mean 0 and std ~1 per patch, and denormalise back', () => {
  const patches = tf.tensor3d(Float32Array.from({ length: 2 * 5 * 16 }, (_, i) => Math.sin(i * 1.3) * 0.5 + 0.5), [2, 5, 16]);
  const norm = normalizePatches(patches);
  const { mean, variance } = tf.moments(norm, -1);
  for (const m of mean.dataSync()) assert.ok(Math.abs(m) < 1e-5, `mean ${m}`);
  for (const v of variance.dataSync()) assert.ok(Math.abs(Math.sqrt(v) - 1) < 1e-3, `std ${Math.sqrt(v)}`);
  const back = denormalizePatches(norm, patches);
  const err = tf.max(tf.abs(tf.sub(back, patches))).dataSync()[0];
  assert.ok(err < 1e-5, `round trip error ${err}`);
  tf.dispose([patches, norm, mean, variance, back]);
});
