import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { UserError } from '@mtojs/core';
import { ImageFolderData } from '@mtojs/image';
import { pngBytes } from './fixtures.js';

let dir: string;

before(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'mtojs-folder-'));
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** Class c, file k: every pixel is (r, g, b) = (10c + k, 100, 200). */
function makeFolder(name: string, classes: string[], perClass: number, size = [6, 4]): string {
  const root = join(dir, name);
  classes.forEach((cls, c) => {
    mkdirSync(join(root, cls), { recursive: true });
    for (let k = 0; k < perClass; k++) writeFileSync(join(root, cls, `img-${k}.png`), pngBytes(size[1], size[0], () => [10 * c + k, 100, 200]));
  });
  return root;
}

/** Asserts a UserError of exit code 2 (a mistake in the folder given) whose message names `path` and matches `pattern`. */
function rejectsWith(path: string, pattern: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${e}`);
    assert.equal(e.exitCode, 2, e.message);
    assert.ok(e.message.includes(path), `message names the path: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  };
}

test('a PNG folder loads with sorted class names, a fixed split by file name and RGB pixels', async () => {
  const root = makeFolder('pets', ['dog', 'cat'], 5);
  writeFileSync(join(root, 'cat', '.DS_Store'), 'hidden files are skipped');
  const data = new ImageFolderData({ root });
  await data.load();
  assert.deepEqual(data.info, { modality: 'image', exampleShape: [6, 4, 3], dtype: 'float32', classNames: ['cat', 'dog'] });
  // testFraction 0.2: every fifth file of each class (img-4) is a test file.
  assert.equal(data.size('train'), 8);
  assert.equal(data.size('test'), 2);
  assert.equal(data.size('val'), 0);
  const test = data.batch('test', [0, 1]);
  assert.deepEqual(Array.from(test.labels!), [0, 1]);
  const values = test.inputs.dataSync();
  assert.deepEqual(test.inputs.shape, [2, 6, 4, 3]);
  // Folders were written dog first (red = 10*0 + k), cat second (red = 10*1 + k); sorted, cat is label 0.
  assert.ok(Math.abs(values[0] - 14 / 255) < 1e-7 && Math.abs(values[1] - 100 / 255) < 1e-7 && Math.abs(values[2] - 200 / 255) < 1e-7);
  assert.ok(Math.abs(values[72] - 4 / 255) < 1e-7);
  test.inputs.dispose();
  // Classes are interleaved so the first examples of a split show every class.
  const train = data.batch('train', [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(Array.from(train.labels!), [0, 1, 0, 1, 0, 1, 0, 1]);
  train.inputs.dispose();
});

test('grayscale gives one luminance channel; valFraction takes validation files from the rest', async () => {
  const root = makeFolder('gray', ['a', 'b'], 10);
  const data = new ImageFolderData({ root, grayscale: true, split: { testFraction: 0.2, valFraction: 0.2 } });
  await data.load();
  assert.deepEqual(data.info.exampleShape, [6, 4, 1]);
  assert.equal(data.size('test'), 4);
  assert.equal(data.size('val'), 4);
  assert.equal(data.size('train'), 12);
  const b = data.batch('train', [0]);
  assert.ok(Math.abs(b.inputs.dataSync()[0] - (0.299 * 0 + 0.587 * 100 + 0.114 * 200) / 255) < 1e-6);
  b.inputs.dispose();
});

test('relative roots resolve against baseDir', async () => {
  makeFolder('relative', ['x', 'y'], 2);
  const data = new ImageFolderData({ root: 'relative', baseDir: dir, split: { testFraction: 0.5 } });
  await data.load();
  assert.equal(data.size('train') + data.size('test'), 4);
});

test('a wrongly sized PNG is a UserError naming the file and the expected and found sizes', async () => {
  const root = makeFolder('sizes', ['a', 'b'], 3);
  const odd = join(root, 'b', 'img-9.png');
  writeFileSync(odd, pngBytes(5, 6, () => [0, 0, 0]));
  await assert.rejects(new ImageFolderData({ root }).load(), rejectsWith(odd, /6x5.*expected 6x4/));
  const withSize = join(root, 'a', 'img-0.png');
  await assert.rejects(new ImageFolderData({ root, size: [8, 8] }).load(), rejectsWith(withSize, /6x4.*expected 8x8.*data\.size/));
});

test('a non-PNG file and a corrupt PNG are UserErrors naming the file', async () => {
  const root = makeFolder('mixed', ['a', 'b'], 2);
  const text = join(root, 'a', 'notes.txt');
  writeFileSync(text, 'not an image');
  await assert.rejects(new ImageFolderData({ root }).load(), rejectsWith(text, /not a PNG file/));
  rmSync(text);
  const corrupt = join(root, 'b', 'broken.png');
  writeFileSync(corrupt, Buffer.concat([pngBytes(4, 6, () => [1, 2, 3]).subarray(0, 40)]));
  await assert.rejects(new ImageFolderData({ root }).load(), rejectsWith(corrupt, /corrupt PNG/));
});

test('a missing root, a root with no class folders and an empty class folder are UserErrors', async () => {
  const missing = join(dir, 'nowhere');
  await assert.rejects(new ImageFolderData({ root: missing }).load(), rejectsWith(missing, /no such folder/));
  const flat = join(dir, 'flat');
  mkdirSync(flat);
  writeFileSync(join(flat, 'a.png'), pngBytes(2, 2, () => [0, 0, 0]));
  await assert.rejects(new ImageFolderData({ root: flat }).load(), rejectsWith(flat, /one sub-folder/));
  const root = makeFolder('empty-class', ['a'], 2);
  mkdirSync(join(root, 'b'));
  await assert.rejects(new ImageFolderData({ root }).load(), rejectsWith(join(root, 'b'), /no files/));
});
