import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { ConfigError, UserError } from '@mtojs/core';
import { IdxData, ImageAdapter, ImageFolderData } from '@mtojs/image';
import { goodPng, gzipBomb, idxHeader, pngHeaderOnly } from '../../fuzz/corpus.js';

let dir: string;

before(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'mtojs-hostile-image-'));
});

after(() => rmSync(dir, { recursive: true, force: true }));

function folderWith(name: string, odd: Buffer): string {
  const root = join(dir, name);
  for (const cls of ['a', 'b']) {
    mkdirSync(join(root, cls), { recursive: true });
    for (let i = 0; i < 3; i++) writeFileSync(join(root, cls, `${i}.png`), goodPng(8, i));
  }
  writeFileSync(join(root, 'b', '9.png'), odd);
  return root;
}

test('a 50-byte PNG declaring 30000x30000 pixels is refused from its header, naming the file, without decoding', async () => {
  const root = folderWith('bomb', pngHeaderOnly(30000, 30000));
  const rss = process.memoryUsage().rss;
  const t = performance.now();
  await assert.rejects(() => new ImageFolderData({ root }).load(), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.equal(e.message, `${join(root, 'b', '9.png')}: the header gives 30000x30000 (height x width) = 900000000 pixels, more than data.maxPixels (16777216); raise it for larger images`);
    return true;
  });
  assert.ok(performance.now() - t < 5000);
  assert.ok(process.memoryUsage().rss - rss < 200 * 2 ** 20, 'no image-sized allocation');
  // data.maxPixels lowers (or raises) the limit.
  await assert.rejects(() => new ImageFolderData({ root: folderWith('small', goodPng(8)), maxPixels: 63 }).load(), /= 64 pixels, more than data\.maxPixels \(63\)/);
  await assert.rejects(() => new ImageFolderData({ root: folderWith('zero', pngHeaderOnly(0, 8)) }).load(), /corrupt PNG file: the header gives 0x8 pixels/);
});

test('a gzip bomb in an IDX file is inflated with a cap (data.maxBytes) and refused naming the file', async () => {
  const images = join(dir, 'bomb-images.gz');
  writeFileSync(images, gzipBomb(8, idxHeader(8, [16, 8, 8])));
  const labels = join(dir, 'labels.idx');
  writeFileSync(labels, Buffer.concat([idxHeader(8, [16]), Buffer.alloc(16)]));
  await assert.rejects(() => new IdxData({ trainImages: images, trainLabels: labels, maxBytes: 4 * 2 ** 20 }).load(), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.equal(e.message, `${images}: the IDX images file decompresses to more than data.maxBytes (4194304) bytes; raise it to read a larger file`);
    return true;
  });
  const plain = join(dir, 'plain-images');
  writeFileSync(plain, Buffer.concat([idxHeader(8, [16, 8, 8]), Buffer.alloc(1024)]));
  await assert.rejects(() => new IdxData({ trainImages: plain, trainLabels: labels, maxBytes: 1000 }).load(), /plain-images: the IDX images file has 1040 bytes, more than data\.maxBytes \(1000\)/);
});

test('augment.maxShift as large as the image is a config error in setup (it would pad a huge tensor)', () => {
  const info = { modality: 'image' as const, exampleShape: [8, 8, 1], dtype: 'float32' as const };
  assert.throws(() => new ImageAdapter({ patchSize: 4, augment: { enabled: true, maxShift: 1_000_000_000 } }).setup(info), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.message, 'adapter.augment.maxShift: 1000000000 pixels, but the images are 8x8; expected at most 7');
    return true;
  });
  new ImageAdapter({ patchSize: 4, augment: { enabled: true, maxShift: 7 } }).setup(info);
});
