import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng, type DataBatch } from '@mtojs/core';
import { AudioAdapter, augmentWaveforms, type WaveAugmentOptions } from '@mtojs/audio';
import { tone } from './fixtures.js';

const WIDTH = 8000;
const INFO = { modality: 'audio', exampleShape: [WIDTH], dtype: 'float32' as const, sampleRate: 8000 };
const ALL: WaveAugmentOptions = { speed: 0.2, maxShift: 1500, gainDb: 6, noise: 0.1 };

function rows(lengths: number[]): Float32Array {
  const waves = new Float32Array(lengths.length * WIDTH);
  lengths.forEach((n, b) => waves.set(tone(400 + 250 * b, 8000, n / 8000), b * WIDTH));
  return waves;
}

function clipsBatch(lengths: number[]): DataBatch {
  return { inputs: tf.tensor2d(rows(lengths), [lengths.length, WIDTH]), extra: { lengths: tf.tensor1d(lengths, 'int32') }, labels: Int32Array.from(lengths, (_, i) => i) };
}

test('augmentWaveforms: seeded, zero past every new length, at least half of each clip kept', () => {
  const lengths = Int32Array.from([3000, 1200, 8000, 400, 6000, 2500]);
  const waves = rows(Array.from(lengths));
  const a = augmentWaveforms(waves, lengths, WIDTH, ALL, new Rng(3).stream('augment'));
  const b = augmentWaveforms(waves, lengths, WIDTH, ALL, new Rng(3).stream('augment'));
  const c = augmentWaveforms(waves, lengths, WIDTH, ALL, new Rng(4).stream('augment'));
  assert.deepEqual(a, b, 'same seed, same batch');
  assert.notDeepEqual(a.waves, c.waves, 'another seed, another batch');
  for (let r = 0; r < lengths.length; r++) {
    const len = a.lengths[r];
    assert.ok(len > 0 && len <= WIDTH, `row ${r}: length ${len}`);
    // Speed changes a clip's length by at most 1 / (1 - speed); shifts keep at least half of it.
    assert.ok(len >= Math.min(WIDTH, (lengths[r] / (1 + ALL.speed)) / 2) - 1, `row ${r}: ${lengths[r]} -> ${len}`);
    const row = a.waves.subarray(r * WIDTH, (r + 1) * WIDTH);
    assert.ok(row.subarray(len).every((v) => v === 0), `row ${r}: samples past the new length ${len}`);
    assert.ok(row.subarray(0, len).some((v) => v !== 0), `row ${r}: the clip is gone`);
  }
  // The input is left as it was.
  assert.deepEqual(waves, rows(Array.from(lengths)));
});

test('augmentWaveforms: each transform does what it says', () => {
  const lengths = Int32Array.from([2000]);
  const waves = rows([2000]);
  const none = augmentWaveforms(waves, lengths, WIDTH, { speed: 0, maxShift: 0, gainDb: 0, noise: 0 }, new Rng(0));
  assert.deepEqual(none, { waves, lengths });
  // A pure shift: the clip reappears, unchanged, `shift` samples later (or with its start cut).
  for (let seed = 0; seed < 6; seed++) {
    const { waves: out, lengths: len } = augmentWaveforms(waves, lengths, WIDTH, { speed: 0, maxShift: 900, gainDb: 0, noise: 0 }, new Rng(seed));
    const shift = len[0] - 2000;
    assert.ok(Math.abs(shift) <= 900);
    for (let i = Math.max(0, -shift); i < 2000; i++) assert.equal(out[i + shift], waves[i]);
  }
  // A pure gain: one factor within +-6 dB for the whole clip.
  const { waves: loud } = augmentWaveforms(waves, lengths, WIDTH, { speed: 0, maxShift: 0, gainDb: 6, noise: 0 }, new Rng(1));
  const factor = loud[10] / waves[10];
  assert.ok(factor > 10 ** (-6 / 20) - 1e-6 && factor < 10 ** (6 / 20) + 1e-6 && Math.abs(factor - 1) > 1e-4, `factor ${factor}`);
  for (let i = 0; i < 2000; i++) assert.ok(Math.abs(loud[i] - factor * waves[i]) < 1e-6);
  // A pure speed change: length (2000 - 1) / rate + 1.
  const { lengths: fast } = augmentWaveforms(waves, lengths, WIDTH, { speed: 0.3, maxShift: 0, gainDb: 0, noise: 0 }, new Rng(2));
  const rate = 1999 / (fast[0] - 1);
  assert.ok(rate > 0.7 - 1e-3 && rate < 1.3 + 1e-3 && fast[0] !== 2000, `length ${fast[0]}`);
});

test('audio adapter augmentation: off by default and at evaluation, seeded, padding follows the augmented clips, no leaks', async () => {
  await tf.setBackend('cpu');
  const options = { numMels: 32, frames: 32, patchFreq: 8, patchTime: 8, windowMs: 32, hopMs: 16, mean: -5, std: 4 };
  const lengths = [1500, 3000, 700, 4200];
  const plain = new AudioAdapter(options);
  plain.setup(INFO);
  const aug = new AudioAdapter({ ...options, augment: { enabled: true, speed: 0.1, maxShiftMs: 150, gainDb: 6, noise: 0.05 } });
  aug.setup(INFO);
  assert.equal(new AudioAdapter(options).options.augment.enabled, false);
  assert.deepEqual(aug.getConfig().augment, { enabled: true, speed: 0.1, maxShiftMs: 150, gainDb: 6, noise: 0.05 });
  const resumed = new AudioAdapter({ ...options, augment: { enabled: true, speed: 0.1, maxShiftMs: 150, gainDb: 6, noise: 0.05 } });
  resumed.setup(INFO);
  const batch = clipsBatch(lengths);
  const before = tf.memory().numTensors;
  const reference = plain.prepare(batch, { training: true });
  const evaluated = aug.prepare(batch);
  assert.deepEqual(evaluated.tokens.arraySync(), reference.tokens.arraySync(), 'no augmentation outside training');
  const state = aug.getState();
  const trained = aug.prepare(batch, { training: true });
  assert.notDeepEqual(trained.tokens.arraySync(), reference.tokens.arraySync());
  assert.deepEqual(trained.labels, batch.labels);
  // The same draws, replayed: the padding flags are those of the augmented lengths.
  const replay = augmentWaveforms(batch.inputs.dataSync() as Float32Array, Int32Array.from(lengths), WIDTH, { speed: 0.1, maxShift: 1200, gainDb: 6, noise: 0.05 }, new Rng(0).stream('augment'));
  const need = aug.logMel.hopLength * (32 - 1) + aug.logMel.frameLength;
  const padding = trained.padding!.arraySync();
  for (let b = 0; b < lengths.length; b++) {
    for (let c = 0; c < 4; c++) {
      const padded = c * 8 * aug.logMel.hopLength >= Math.min(replay.lengths[b], need) ? 1 : 0;
      for (let r = 0; r < 4; r++) assert.equal(padding[b][r * 4 + c], padded, `clip ${b} (length ${replay.lengths[b]}), column ${c}`);
    }
  }
  assert.notDeepEqual(Array.from(replay.lengths), lengths, 'the draws change the lengths');
  // Resuming from the saved state repeats the same augmented batch.
  resumed.setState(state);
  const again = resumed.prepare(batch, { training: true });
  assert.deepEqual(again.tokens.arraySync(), trained.tokens.arraySync());
  for (const p of [reference, evaluated, trained, again]) tf.dispose([p.tokens, p.targets, ...(p.padding ? [p.padding] : [])]);
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([batch.inputs, batch.extra!.lengths]);
  [plain, aug, resumed].forEach((a) => a.dispose());
});

test('audio adapter augmentation: option errors name the field', () => {
  assert.throws(() => new AudioAdapter({ augment: { enabled: true, speed: 1.5 } }), /adapter\.augment\.speed/);
  assert.throws(() => new AudioAdapter({ augment: { shift: 3 } as never }), /adapter\.augment/);
});
