import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { MemoryLogger, createTrainer, finetune, loadConfig, validateParts } from '@mtojs/core';
import '@mtojs/masking';
import '@mtojs/transformer';
import '@mtojs/audio';

const EXAMPLE = resolve(__dirname, '../../../../examples/audio/audiomae.yaml');

test('finetune on audio (log-mel patches, MAE encoder): spoken digits from 40 labels, deterministic, no leaks', async () => {
  const loaded = loadConfig(EXAMPLE, [
    'data.trainSize=100',
    'data.testSize=50',
    'adapter.statsClips=100',
    'model={name: mae, width: 32, depth: 2, heads: 2, decoderWidth: 32, decoderDepth: 1, decoderHeads: 2}',
    'eval.enabled=false',
  ]);
  const trainer = createTrainer(validateParts(loaded.config, 'audiomae.yaml'), { outDir: null, logger: new MemoryLogger(), baseDir: loaded.baseDir });
  await tf.setBackend('wasm');
  try {
    await trainer.setup();
    const opts = { model: trainer.model, adapter: trainer.adapter, data: trainer.data, config: { labels: 40, epochs: 3, batchSize: 20 }, seed: 2 };
    const before = tf.memory().numTensors;
    const a = await finetune(opts);
    assert.equal(tf.memory().numTensors, before);
    const b = await finetune(opts);
    assert.equal(a.accuracy, b.accuracy);
    assert.equal(a.trainExamples, 40);
    assert.equal(a.evalExamples, 50);
    assert.ok(a.history.every((h) => Number.isFinite(h.loss)), JSON.stringify(a.history));
    assert.ok(a.history[2].loss < a.history[0].loss, `loss ${a.history[0].loss} -> ${a.history[2].loss}`);
  } finally {
    trainer.dispose();
  }
});
