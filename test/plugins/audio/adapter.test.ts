import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { ConfigError, type DataBatch } from '@mtojs/core';
import { AudioAdapter, SpokenDigitsData, patchifySpectrogram, unpatchifySpectrogram } from '@mtojs/audio';
import { tone } from './fixtures.js';

const INFO = { modality: 'audio', exampleShape: [8000], dtype: 'float32' as const, sampleRate: 8000 };

function clipsBatch(lengths: number[], width = 8000): DataBatch {
  const waves = new Float32Array(lengths.length * width);
  lengths.forEach((n, b) => waves.set(tone(500 + 300 * b, 8000, n / 8000), b * width));
  return { inputs: tf.tensor2d(waves, [lengths.length, width]), extra: { lengths: tf.tensor1d(lengths, 'int32') } };
}

test('patchifySpectrogram: frequency rows x time columns, exact inverse', async () => {
  await tf.setBackend('cpu');
  const spec = tf.tensor3d(Float32Array.from({ length: 2 * 8 * 6 }, (_, i) => i), [2, 8, 6]); // [B, frames, mels]
  const tokens = patchifySpectrogram(spec, { freq: 3, time: 4 });
  assert.deepEqual(tokens.shape, [2, 4, 12]); // 2 bands x 2 time steps
  const values = tokens.arraySync();
  // Token 1 = band 0, time step 1: frames 4..7, mels 0..2; first value = frame 4, mel 0.
  assert.equal(values[0][1][0], 4 * 6 + 0);
  // Token 2 = band 1, time step 0: first value = frame 0, mel 3; second = frame 1, mel 3.
  assert.deepEqual(values[0][2].slice(0, 2), [3, 6 + 3]);
  const back = unpatchifySpectrogram(tokens, { freq: 3, time: 4 }, 8, 6);
  assert.deepEqual(back.arraySync(), spec.arraySync());
  tf.dispose([spec, tokens, back]);
});

test('audio adapter: layout, padding and protected time columns past each clip, no leaks', async () => {
  await tf.setBackend('cpu');
  const adapter = new AudioAdapter({ numMels: 32, frames: 32, patchFreq: 8, patchTime: 8, windowMs: 32, hopMs: 16, mean: -5, std: 4 });
  const layout = adapter.setup(INFO);
  assert.deepEqual(layout, { numTokens: 16, tokenDim: 64, targetDim: 64, grid: [4, 4], discrete: false });
  assert.equal(adapter.logMel.frameLength, 256);
  assert.equal(adapter.logMel.hopLength, 128);
  const before = tf.memory().numTensors;
  // Time columns are 8 frames of 128 samples = 1024 samples: a 1500-sample clip fills 2 columns.
  const batch = clipsBatch([8000, 1500, 100]);
  const prepared = adapter.prepare(batch);
  assert.deepEqual(prepared.tokens.shape, [3, 16, 64]);
  const padding = prepared.padding!.arraySync();
  const columnPadded = (b: number) => [0, 1, 2, 3].map((c) => padding[b][c]);
  assert.deepEqual(columnPadded(0), [0, 0, 0, 0]);
  assert.deepEqual(columnPadded(1), [0, 0, 1, 1]);
  assert.deepEqual(columnPadded(2), [0, 1, 1, 1]);
  for (let b = 0; b < 3; b++) for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) assert.equal(prepared.protected![b * 16 + r * 4 + c], padding[b][r * 4 + c]);
  tf.dispose([prepared.tokens, prepared.targets, prepared.padding!, batch.inputs, batch.extra!.lengths]);
  assert.equal(tf.memory().numTensors, before);
  // Full-length clips: no padding at all.
  const full = clipsBatch([8000, 8000]);
  const noPad = adapter.prepare(full);
  assert.equal(noPad.padding, undefined);
  assert.equal(noPad.protected, undefined);
  tf.dispose([noPad.tokens, noPad.targets, full.inputs, full.extra!.lengths]);
  adapter.dispose();
});

test('audio adapter: measures normalisation on the training split, restores it from state', async () => {
  await tf.setBackend('cpu');
  const data = new SpokenDigitsData({ trainSize: 40, testSize: 10 });
  await data.load();
  assert.equal(data.info.sampleRate, 8000);
  assert.deepEqual(data.info.classNames!.slice(0, 3), ['zero', 'one', 'two']);
  const adapter = new AudioAdapter({ statsClips: 40 });
  adapter.setup(data.info);
  assert.equal(adapter.stats, null);
  const stats = adapter.fitNormalization(data);
  assert.ok(Number.isFinite(stats.mean) && stats.std > 0.5, JSON.stringify(stats));
  // Normalised tokens of real frames have about zero mean and unit spread.
  const batch = data.batch('train', Array.from({ length: 40 }, (_, i) => i));
  const prepared = adapter.prepare(batch);
  const valid = tf.sub(1, prepared.padding!);
  const weights = tf.expandDims(valid, -1);
  const count = tf.sum(valid).dataSync()[0] * 64;
  const mean = tf.sum(tf.mul(prepared.tokens, weights)).dataSync()[0] / count;
  assert.ok(Math.abs(mean) < 0.2, `mean ${mean}`);
  tf.dispose([valid, weights, prepared.tokens, prepared.targets, prepared.padding!, batch.inputs, batch.extra!.lengths]);

  const resumed = new AudioAdapter({});
  resumed.setState(adapter.getState());
  assert.deepEqual(resumed.stats, stats);
  adapter.dispose();
});

test('audio adapter: config errors name the option', () => {
  assert.throws(() => new AudioAdapter({ numMels: 60, patchFreq: 8 }).setup(INFO), (e: unknown) => e instanceof ConfigError && /adapter.patchFreq: 8 does not divide numMels 60/.test(e.message));
  assert.throws(() => new AudioAdapter({ frames: 30, patchTime: 8 }).setup(INFO), /adapter.patchTime/);
  assert.throws(() => new AudioAdapter({ fMax: 6000 }).setup(INFO), /adapter.fMax: 6000 Hz/);
  assert.throws(() => new AudioAdapter({}).setup({ ...INFO, modality: 'image' }), /needs audio data/);
  assert.throws(() => new AudioAdapter({ mean: 1 }), /give both mean and std/);
});
