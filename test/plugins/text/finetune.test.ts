import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { MemoryLogger, createTrainer, finetune, loadConfig, validateParts } from '@mtojs/core';
import '@mtojs/masking';
import '@mtojs/transformer';
import '@mtojs/text';

const EXAMPLE = resolve(__dirname, '../../../../examples/text/mlm.yaml');

test('finetune on text (token ids with padding, SimMIM encoder): spam vs ham from 40 labels, deterministic, no leaks', async () => {
  const loaded = loadConfig(EXAMPLE, [
    'data.trainSize=200',
    'data.testSize=64',
    'data.seqLen=32',
    'data.vocabSize=300',
    'model={name: simmim, width: 32, depth: 1, heads: 2}',
    'eval.enabled=false',
  ]);
  const trainer = createTrainer(validateParts(loaded.config, 'mlm.yaml'), { outDir: null, logger: new MemoryLogger(), baseDir: loaded.baseDir });
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
    assert.equal(a.evalExamples, 64);
    assert.ok(a.history.every((h) => Number.isFinite(h.loss)), JSON.stringify(a.history));
    assert.ok(a.accuracy >= 0 && a.accuracy <= 1);
  } finally {
    trainer.dispose();
  }
});
