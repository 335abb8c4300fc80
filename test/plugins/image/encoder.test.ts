import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync, writeFileSync, existsSync, readdirSync, cpSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { Registry, encoderDirectory, loadEncoder, registry, UserError, type Encoder } from '@mtojs/core';
import '@mtojs/transformer';
import '@mtojs/image';
import { imagePixels } from '@mtojs/image';
import { ROOT, featuresInFreshProcess, maxAbsDiff, mto, trainAndExport, restoredTrainer, tempDir, trainerFeatures } from '../../core/fixtures/encoder-journey.js';

/** The demo's MAE + MTO config, shrunk: 4 steps of 32 digits, a one-block encoder. */
const TINY = [
  'backend=wasm',
  'data.trainSize=128',
  'data.testSize=64',
  'model={name: mae, width: 32, depth: 1, heads: 2, decoderWidth: 16, decoderDepth: 1, decoderHeads: 2}',
  'trainer.epochs=1',
  'trainer.batchSize=32',
  'trainer.progress=none',
  'eval.enabled=false',
].flatMap((s) => ['--set', s]);

test('image: pre-train (MAE + MTO) -> mto export -> loadEncoder gives the trained features from raw pixels; the folder is self-contained', async () => {
  const { dir, cleanup } = tempDir('mtojs-enc-image-');
  let encoder: Encoder | null = null;
  try {
    const { encDir, files, json } = trainAndExport('examples/mnist/mae-mto.yaml', TINY, dir);

    // The folder: model.json and weights.bin; model weights only; no path back to the run, its data or its config.
    assert.deepEqual(files, ['model.json', 'weights.bin']);
    const modelJson = JSON.parse(json);
    assert.equal(modelJson.format, 'mtojs-encoder');
    assert.equal(modelJson.modelTopology.formatVersion, 1);
    assert.deepEqual(modelJson.weightsManifest[0].paths, ['weights.bin']);
    const names: string[] = modelJson.weightsManifest[0].weights.map((w: { name: string }) => w.name);
    assert.ok(names.length > 10 && names.every((n) => !n.startsWith('optimizer') && !/adam|moment/i.test(n)), names.join(', '));
    for (const needle of [dir, ROOT, 'config.json', '.yaml', '"plugins"', 'lambda', 'checkpoint']) assert.ok(!json.includes(needle), `model.json mentions ${needle}`);
    assert.ok(!/"(\/|[A-Za-z]:\\)/.test(json), 'no absolute path');
    assert.equal(modelJson.modelTopology.adapterState, undefined, 'the image adapter keeps no state (the augmentation stream is training-only)');

    // The trained model's features of the first test digits vs the loaded encoder's from their pixels.
    await tf.setBackend('wasm');
    const trainer = await restoredTrainer(join(dir, 'run'));
    const idx = Array.from({ length: 12 }, (_, i) => i);
    let expected: Float32Array;
    let pixels: Float32Array[];
    try {
      expected = trainerFeatures(trainer, 'test', idx);
      const batch = trainer.data.batch('test', idx);
      const all = batch.inputs.dataSync() as Float32Array;
      batch.inputs.dispose();
      pixels = idx.map((i) => all.slice(i * 784, (i + 1) * 784));
    } finally {
      trainer.dispose();
    }
    encoder = await loadEncoder(encDir);
    assert.deepEqual({ ...encoder.info, classNames: undefined }, { modality: 'image', width: 32, exampleShape: [28, 28, 1], numTokens: 16, classNames: undefined, model: 'mae', adapter: 'image' });
    const got = await encoder.encode(pixels);
    assert.equal(got.length, 12);
    assert.equal(got[0].length, 32);
    const flat = Float32Array.from(got.flatMap((e) => Array.from(e)));
    assert.ok(maxAbsDiff(flat, expected) < 1e-5, `max |diff| ${maxAbsDiff(flat, expected)}`);

    // Other raw forms give the same features: nested [28][28] arrays, a [28, 28, 1] tensor, a batch tensor.
    const nested = pixels.slice(0, 2).map((p) => Array.from({ length: 28 }, (_, r) => Array.from(p.subarray(r * 28, (r + 1) * 28))));
    const asNested = await encoder.encode(nested);
    assert.ok(maxAbsDiff(asNested[1], got[1]) < 1e-6);
    const t3 = tf.tensor3d(pixels[0], [28, 28, 1]);
    const t4 = tf.tensor4d(Float32Array.from([...pixels[0], ...pixels[1]]), [2, 28, 28, 1]);
    const [fromT3] = await encoder.encode([t3]);
    const fromT4 = await encoder.encode(t4);
    tf.dispose([t3, t4]);
    assert.ok(maxAbsDiff(fromT3, got[0]) < 1e-6 && maxAbsDiff(fromT4[1], got[1]) < 1e-6);

    // Batching: more inputs than one forward pass holds give the same rows.
    const small = await loadEncoder(encDir, { batchSize: 5 });
    try {
      const batched = await small.encode(pixels);
      assert.ok(maxAbsDiff(Float32Array.from(batched.flatMap((e) => Array.from(e))), flat) < 1e-5);
    } finally {
      small.dispose();
    }

    // Tensor hygiene: encoding again and again leaves no tensor behind.
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      await encoder.encode(pixels);
      encoder.features(pixels.slice(0, 3)).dispose();
    }
    assert.equal(tf.memory().numTensors, before);

    // A new Node process with only the folder (the run directory removed) gives the same features.
    cpSync(encDir, join(dir, 'only-encoder'), { recursive: true });
    const fresh = featuresInFreshProcess(join(dir, 'only-encoder'), ['@mtojs/transformer', '@mtojs/image'], pixels.slice(0, 3).map((p) => Array.from(p)));
    for (let i = 0; i < 3; i++) assert.ok(maxAbsDiff(fresh[i], got[i]) < 1e-5, `fresh process, input ${i}`);

    // Saving the loaded encoder again writes the same folder content.
    await encoder.save(encoderDirectory(join(dir, 'again')));
    assert.equal(readFileSync(join(dir, 'again', 'model.json'), 'utf8'), json);
    assert.deepEqual(readFileSync(join(dir, 'again', 'weights.bin')), readFileSync(join(encDir, 'weights.bin')));
    await assert.rejects(encoder.save(encoderDirectory(join(dir, 'again'))), /already exists and is not empty/);
  } finally {
    encoder?.dispose();
    cleanup();
  }
});

test('image raw inputs: bytes are 0..255, floats 0..1, ImageData is RGBA (luma for one channel); mistakes name the input and what was expected', async () => {
  await tf.setBackend('wasm');
  const shape: [number, number, number] = [2, 2, 1];
  const bytes = Uint8Array.from([0, 51, 102, 255]);
  assert.deepEqual(Array.from(imagePixels(bytes, 0, shape)), Array.from(Float32Array.from([0, 0.2, 0.4, 1])));
  assert.deepEqual(Array.from(imagePixels(new Uint8ClampedArray(bytes), 0, shape)), Array.from(imagePixels(bytes, 0, shape)));
  const rgba = { width: 2, height: 2, data: Uint8ClampedArray.from([255, 0, 0, 255, 0, 255, 0, 0, 0, 0, 255, 9, 255, 255, 255, 255]) };
  const gray = imagePixels(rgba, 0, shape);
  assert.ok(maxAbsDiff(gray, [0.299, 0.587, 0.114, 1]) < 1e-6);
  assert.ok(maxAbsDiff(imagePixels(rgba, 0, [2, 2, 3]), [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1]) < 1e-6, 'alpha dropped');
  const bad: [unknown, RegExp][] = [
    [[0.1, 0.2, 0.3], /^input 3: the array has 3 values; expected an image of 2x2 pixels with 1 channel \(4 values/],
    [[1, 2, 3, 200], /^input 3: value 2 at position 1 is outside \[0, 1\].*Uint8Array/],
    [{ width: 3, height: 2, data: new Uint8Array(24) }, /^input 3: an RGBA image of 2x3 \(height x width\); expected 2x2/],
    ['digit.png', /^input 3: string; expected an image of 2x2 pixels/],
    [[[0, 1], [0]], /^input 3: a ragged nested array/],
  ];
  for (const [input, message] of bad) {
    assert.throws(() => imagePixels(input, 3, shape), (e: Error) => e instanceof UserError && message.test(e.message) && !e.message.includes('\n'), String(input));
  }
  const t = tf.zeros([3, 3, 1]);
  assert.throws(() => imagePixels(t, 0, shape), { message: /^input 0: a tensor of shape \[3, 3, 1\]; expected \[2, 2, 1\]/ });
  t.dispose();
});

test('loading a broken encoder folder is a one-line error naming the folder and the problem', async () => {
  const { dir, cleanup } = tempDir('mtojs-enc-errors-');
  try {
    const train = mto(['train', '--config', join(ROOT, 'examples/mnist/mae.yaml'), '--out', 'run', '--quiet', ...TINY, '--set', 'trainer.epochs=1'], dir);
    assert.equal(train.status, 0, train.stderr);
    assert.equal(mto(['export', 'run', '--out', 'good'], dir).status, 0);
    const good = join(dir, 'good');
    const variant = (name: string, edit: (json: any) => void): string => {
      const d = join(dir, name);
      cpSync(good, d, { recursive: true });
      const json = JSON.parse(readFileSync(join(d, 'model.json'), 'utf8'));
      edit(json);
      writeFileSync(join(d, 'model.json'), JSON.stringify(json));
      return d;
    };
    const corrupt = join(dir, 'corrupt');
    cpSync(good, corrupt, { recursive: true });
    writeFileSync(join(corrupt, 'model.json'), '{"format": "mtojs-encoder", "modelTo');
    const truncated = join(dir, 'truncated');
    cpSync(good, truncated, { recursive: true });
    writeFileSync(join(truncated, 'weights.bin'), readFileSync(join(good, 'weights.bin')).subarray(0, 100));
    const cases: [string, RegExp][] = [
      [join(dir, 'missing'), /missing: no such encoder folder$/],
      [join(dir, 'run'), /run: holds no model\.json/],
      [corrupt, /corrupt\/model\.json: not valid JSON/],
      [truncated, /truncated\/weights\.bin: 100 bytes, expected \d+ for the weights listed in model\.json$/],
      [variant('newer', (j) => (j.modelTopology.formatVersion = 2)), /newer: encoder format version 2 is newer than this mtojs reads \(1\)/],
      [variant('other', (j) => (j.format = 'layers-model')), /other: not an mtojs encoder \(model\.json's format is "layers-model"/],
      [variant('unknown-model', (j) => (j.modelTopology.model.name = 'vit-huge')), /unknown-model: the encoder's model 'vit-huge' is not registered; import the package that provides it/],
      [
        variant('swapped', (j) => {
          const w = j.weightsManifest[0].weights.find((x: { shape: number[] }) => x.shape.length === 2 && x.shape[0] !== x.shape[1]);
          w.shape = [w.shape[1], w.shape[0]];
        }),
        /swapped: weight '[^']+' has shape \[\d+,\d+\], the mae model expects \[\d+,\d+\]$/,
      ],
      [
        variant('renamed', (j) => (j.weightsManifest[0].weights[0].name = 'stem/embed/kernel_old')),
        /renamed: weights\.bin has no weight 'stem\/embed\/kernel', which the mae model needs/,
      ],
    ];
    for (const [path, message] of cases) {
      await assert.rejects(loadEncoder(path), (e: Error) => e instanceof UserError && message.test(e.message) && !e.message.includes('\n'), `${path}`);
    }
    // A part whose package is not imported: the error says which package to import.
    const empty = new Registry();
    await assert.rejects(loadEncoder(good, { registry: empty }), /the encoder's model 'mae' is not registered; import '@mtojs\/transformer' before loading/);
    const onlyModel = new Registry();
    onlyModel.register('model', registry.get('model', 'mae'));
    await assert.rejects(loadEncoder(good, { registry: onlyModel }), /the encoder's adapter 'image' is not registered; import '@mtojs\/image' before loading/);
    assert.ok(existsSync(join(good, 'model.json')) && readdirSync(dir).every((n) => !n.includes('.tmp-')), 'no temp folders left');
  } finally {
    cleanup();
  }
});
