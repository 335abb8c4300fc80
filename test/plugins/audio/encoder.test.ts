import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { Encoder, MemoryLogger, UserError, createTrainer, encoderDirectory, loadConfig, loadEncoder, validateParts } from '@mtojs/core';
import '@mtojs/masking';
import '@mtojs/transformer';
import '@mtojs/mto';
import '@mtojs/audio';
import { InMemoryAudioSource, resample } from '@mtojs/audio';
import { featuresInFreshProcess, folderText, maxAbsDiff, tempDir, trainerFeatures } from '../../core/fixtures/encoder-journey.js';

const EXAMPLE = resolve(__dirname, '../../../../examples/audio/audiomae-mto.yaml');

test('audio: pre-train (AudioMAE + MTO) in code -> Encoder.save -> loadEncoder embeds sample arrays as the trained model embeds the same clips', async () => {
  const { dir, cleanup } = tempDir('mtojs-enc-audio-');
  const loaded = loadConfig(EXAMPLE, [
    'backend=wasm',
    'data.trainSize=100',
    'data.testSize=40',
    'adapter.statsClips=100',
    'model={name: mae, width: 32, depth: 2, heads: 2, decoderWidth: 32, decoderDepth: 1, decoderHeads: 2}',
    'trainer.epochs=1',
    'trainer.batchSize=50',
    'trainer.progress=none',
    'eval.enabled=false',
  ]);
  await tf.setBackend('wasm');
  const trainer = createTrainer(validateParts(loaded.config, 'audiomae-mto.yaml'), { outDir: join(dir, 'run'), logger: new MemoryLogger(), baseDir: loaded.baseDir });
  let encoder: Encoder | null = null;
  try {
    await trainer.fit();
    assert.ok(trainer.plugins.some((p) => p.name === 'mto'), 'MTO is on');
    await new Encoder(trainer.model, trainer.adapter, trainer.data.info).save(encoderDirectory(join(dir, 'encoder')));
    const { files, json } = folderText(join(dir, 'encoder'));
    assert.deepEqual(files, ['model.json', 'weights.bin']);
    const topology = JSON.parse(json).modelTopology;
    assert.deepEqual(Object.keys(topology.adapterState), ['stats'], 'the normalisation statistics, not the augmentation stream');
    assert.ok(topology.adapterState.stats.std > 0);
    assert.equal(topology.dataInfo.sampleRate, 8000);

    const clips = (trainer.data as InMemoryAudioSource).clips('test');
    const idx = Array.from({ length: 10 }, (_, i) => i);
    const expected = trainerFeatures(trainer, 'test', idx);
    assert.ok(new Set(idx.map((i) => clips[i].length)).size > 1, 'clips of different lengths (padding)');

    encoder = await loadEncoder(join(dir, 'encoder'));
    assert.equal(encoder.info.sampleRate, 8000);
    const inputs = idx.map((i) => clips[i]);
    const got = await encoder.encode(inputs);
    const flat = Float32Array.from(got.flatMap((e) => Array.from(e)));
    assert.ok(maxAbsDiff(flat, expected) < 1e-5, `max |diff| ${maxAbsDiff(flat, expected)}`);

    // number[] and { samples, sampleRate } at the data's rate are the same clip; another rate is resampled first.
    const [asNumbers, tagged] = await encoder.encode([Array.from(clips[0]), { samples: clips[0], sampleRate: 8000 }]);
    assert.ok(maxAbsDiff(asNumbers, got[0]) < 1e-6 && maxAbsDiff(tagged, got[0]) < 1e-6);
    const at16k = resample(clips[1], 8000, 16000);
    const [viaTag, byHand] = await encoder.encode([{ samples: at16k, sampleRate: 16000 }, resample(at16k, 16000, 8000)]);
    assert.ok(maxAbsDiff(viaTag, byHand) < 1e-6);
    // A clip longer than the data's clips is cut like them.
    const long = new Float32Array(clips[2].length + 20000);
    long.set(clips[2]);
    const [cut] = await encoder.encode([long]);
    const [full] = await encoder.encode([Float32Array.from({ length: 8000 * 0.8 }, (_, i) => long[i])]);
    assert.ok(maxAbsDiff(cut, full) < 1e-6);

    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await encoder.encode(inputs);
    assert.equal(tf.memory().numTensors, before);

    // Loading and disposing an encoder (its weights, the adapter's log-mel filters) leaves nothing behind; so does a bad input mid-way.
    const again = await loadEncoder(join(dir, 'encoder'), { batchSize: 2 });
    await assert.rejects(again.encode([...inputs.slice(0, 4), 'not a clip']), /^UserError: input 4: string/);
    again.dispose();
    assert.equal(tf.memory().numTensors, before);

    const fresh = featuresInFreshProcess(join(dir, 'encoder'), ['@mtojs/transformer', '@mtojs/audio'], [Array.from(clips[3])]);
    assert.ok(maxAbsDiff(fresh[0], got[3]) < 1e-5);

    for (const [bad, message] of [
      [new Int16Array([1000, -1000]), /^input 0: sample 0 is 1000; samples are floats in \[-1, 1\] \(divide 16-bit PCM by 32768\)$/],
      [new Float32Array(0), /^input 0: the clip has no samples$/],
      [{ samples: clips[0], sampleRate: 'fast' }, /^input 0: 'sampleRate' must be a positive number/],
      ['clip.wav', /^input 0: string; expected mono samples \(Float32Array or number\[\] in \[-1, 1\] at 8000 Hz\) or \{ samples, sampleRate \}$/],
    ] as [unknown, RegExp][]) {
      await assert.rejects(encoder.encode([bad]), (e: Error) => e instanceof UserError && message.test(e.message), String(message));
    }
  } finally {
    encoder?.dispose();
    trainer.dispose();
    cleanup();
  }
});
