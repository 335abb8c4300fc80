import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { ConfigError, UserError } from '@mtojs/core';
import { IdxData } from '@mtojs/image';
import { gzip, idxImages, idxLabels } from './fixtures.js';

let dir: string;

before(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'mtojs-idx-'));
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** Pixel (y, x) of image i is (i * 10 + y * 3 + x) mod 256: each image is recognisable. */
const pixel = (i: number, y: number, x: number) => (i * 10 + y * 3 + x) % 256;

function write(name: string, bytes: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** Asserts a UserError of exit code 2 (a mistake in the file given) whose message names `path` and matches `pattern`. */
function rejectsWith(path: string, pattern: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${e}`);
    assert.equal(e.exitCode, 2, e.message);
    assert.ok(e.message.includes(path), `message names the file: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  };
}

test('IDX files load (train plain, test gzipped), pixels / 255 in [rows, cols, 1]', async () => {
  write('train-images', idxImages(6, 4, 3, pixel));
  write('train-labels', idxLabels([0, 1, 2, 0, 1, 2]));
  write('test-images.gz', gzip(idxImages(2, 4, 3, pixel)));
  write('test-labels.gz', gzip(idxLabels([2, 1])));
  const data = new IdxData({ trainImages: 'train-images', trainLabels: 'train-labels', testImages: 'test-images.gz', testLabels: 'test-labels.gz', baseDir: dir });
  await data.load();
  assert.deepEqual(data.info, { modality: 'image', exampleShape: [4, 3, 1], dtype: 'float32', classNames: ['0', '1', '2'] });
  assert.equal(data.size('train'), 6);
  assert.equal(data.size('test'), 2);
  assert.equal(data.size('val'), 0);
  const batch = data.batch('train', [5, 0]);
  assert.deepEqual(batch.inputs.shape, [2, 4, 3, 1]);
  assert.deepEqual(Array.from(batch.labels!), [2, 0]);
  const values = batch.inputs.dataSync();
  for (let y = 0; y < 4; y++) for (let x = 0; x < 3; x++) {
    assert.ok(Math.abs(values[y * 3 + x] - pixel(5, y, x) / 255) < 1e-7);
    assert.ok(Math.abs(values[12 + y * 3 + x] - pixel(0, y, x) / 255) < 1e-7);
  }
  batch.inputs.dispose();
  const test = data.batch('test', [1]);
  assert.deepEqual(Array.from(test.labels!), [1]);
  assert.ok(Math.abs(test.inputs.dataSync()[0] - pixel(1, 0, 0) / 255) < 1e-7);
  test.inputs.dispose();
});

test('valFraction holds out the last training examples; limit caps each file; classNames name labels', async () => {
  write('v-images', idxImages(10, 2, 2, pixel));
  write('v-labels', idxLabels([0, 1, 0, 1, 0, 1, 0, 1, 0, 1]));
  const data = new IdxData({ trainImages: join(dir, 'v-images'), trainLabels: join(dir, 'v-labels'), valFraction: 0.2, classNames: ['even', 'odd'] });
  await data.load();
  assert.equal(data.size('train'), 8);
  assert.equal(data.size('val'), 2);
  assert.equal(data.size('test'), 0);
  assert.deepEqual(data.info.classNames, ['even', 'odd']);
  const val = data.batch('val', [0]);
  assert.ok(Math.abs(val.inputs.dataSync()[0] - pixel(8, 0, 0) / 255) < 1e-7);
  val.inputs.dispose();

  const limited = new IdxData({ trainImages: 'v-images', trainLabels: 'v-labels', limit: 3, baseDir: dir });
  await limited.load();
  assert.equal(limited.size('train'), 3);
});

test('relative paths resolve against the working directory when no baseDir is given', async () => {
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const data = new IdxData({ trainImages: 'v-images', trainLabels: 'v-labels' });
    await data.load();
    assert.equal(data.size('train'), 10);
  } finally {
    process.chdir(cwd);
  }
});

test('a wrong magic number is a UserError naming the file and the expected magic', async () => {
  const labelsAsImages = write('swapped-images', idxLabels([1, 2, 3]));
  write('ok-labels', idxLabels([1, 2, 3]));
  await assert.rejects(new IdxData({ trainImages: labelsAsImages, trainLabels: join(dir, 'ok-labels') }).load(), rejectsWith(labelsAsImages, /expected magic number 0x00000803.*found 0x00000801.*labels file/));
  const junk = write('junk-images', Buffer.from('this is not an IDX file at all'));
  await assert.rejects(new IdxData({ trainImages: junk, trainLabels: join(dir, 'ok-labels') }).load(), rejectsWith(junk, /expected magic number 0x00000803/));
});

test('a truncated file, trailing bytes and a short header are UserErrors with expected vs found sizes', async () => {
  write('t-labels', idxLabels([0, 1, 2, 3, 4]));
  const full = idxImages(5, 4, 4, pixel);
  const truncated = write('truncated-images', full.subarray(0, full.length - 7));
  await assert.rejects(new IdxData({ trainImages: truncated, trainLabels: join(dir, 't-labels') }).load(), rejectsWith(truncated, new RegExp(`truncated.*expected ${full.length} bytes.*found ${full.length - 7}`)));
  const truncatedGz = write('truncated-images.gz', gzip(full.subarray(0, full.length - 1)));
  await assert.rejects(new IdxData({ trainImages: truncatedGz, trainLabels: join(dir, 't-labels') }).load(), rejectsWith(truncatedGz, /truncated.*after gunzip/));
  const trailing = write('trailing-images', Buffer.concat([full, Buffer.from([1, 2])]));
  await assert.rejects(new IdxData({ trainImages: trailing, trainLabels: join(dir, 't-labels') }).load(), rejectsWith(trailing, /trailing bytes/));
  const header = write('header-images', full.subarray(0, 10));
  await assert.rejects(new IdxData({ trainImages: header, trainLabels: join(dir, 't-labels') }).load(), rejectsWith(header, /16-byte header/));
  const badGz = write('bad.gz', Buffer.from([0x1f, 0x8b, 0, 1, 2, 3]));
  await assert.rejects(new IdxData({ trainImages: badGz, trainLabels: join(dir, 't-labels') }).load(), rejectsWith(badGz, /gzip/));
});

test('image and label counts must match; a missing file is named', async () => {
  const images = write('c-images', idxImages(4, 2, 2, pixel));
  const labels = write('c-labels', idxLabels([0, 1, 0]));
  await assert.rejects(new IdxData({ trainImages: images, trainLabels: labels }).load(), rejectsWith(labels, new RegExp(`3 labels, but ${images.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} has 4 images`)));
  const missing = join(dir, 'no-such-file');
  await assert.rejects(new IdxData({ trainImages: missing, trainLabels: labels }).load(), rejectsWith(missing, /no such file/));
});

test('test images of another size and labels beyond classNames are UserErrors', async () => {
  write('s-images', idxImages(2, 4, 4, pixel));
  write('s-labels', idxLabels([0, 3]));
  const other = write('s-test-images', idxImages(2, 5, 4, pixel));
  await assert.rejects(
    new IdxData({ trainImages: 's-images', trainLabels: 's-labels', testImages: 's-test-images', testLabels: 's-labels', baseDir: dir }).load(),
    rejectsWith(other, /5x4.*4x4/),
  );
  await assert.rejects(new IdxData({ trainImages: 's-images', trainLabels: 's-labels', classNames: ['a', 'b'], baseDir: dir }).load(), rejectsWith(join(dir, 's-labels'), /label 3/));
});

test('testImages without testLabels is a ConfigError', () => {
  assert.throws(() => new IdxData({ trainImages: 'a', trainLabels: 'b', testImages: 'c' }), (e: unknown) => e instanceof ConfigError && /data\.testLabels/.test(e.message));
});
