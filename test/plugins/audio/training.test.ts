import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { MemoryLogger, createTrainer, loadConfig, validateParts, type StepMetrics } from '@mtojs/core';
import '@mtojs/masking';
import '@mtojs/transformer';
import '@mtojs/audio';

const EXAMPLE = resolve(__dirname, '../../../../examples/audio/audiomae.yaml');

test('a short AudioMAE run on spoken digits: loss falls, the probe beats chance, no tensor leaks', async () => {
  const overrides = [
    'backend=wasm',
    'data.trainSize=300',
    'data.testSize=100',
    'adapter.statsClips=300',
    'model={name: mae, width: 32, depth: 2, heads: 2, decoderWidth: 32, decoderDepth: 1, decoderHeads: 2}',
    'trainer.epochs=5',
    'trainer.batchSize=50',
    'trainer.logEvery=1',
    'trainer.progress=none',
    'trainer.evalEvery=0',
    'eval.enabled=false',
    'eval.maxTrainExamples=300',
    'eval.maxEvalExamples=100',
  ];
  const loaded = loadConfig(EXAMPLE, overrides);
  const trainer = createTrainer(validateParts(loaded.config, 'audiomae.yaml'), { outDir: null, logger: new MemoryLogger(), baseDir: loaded.baseDir });
  await tf.setBackend('wasm');
  const steps: StepMetrics[] = [];
  trainer.events.on('batchEnd', (e) => steps.push(e));
  const tensorsAtEpochEnd: number[] = [];
  trainer.events.on('epochEnd', () => tensorsAtEpochEnd.push(tf.memory().numTensors));
  await trainer.fit();
  // Optimiser slots appear in the first step; after that, epochs must not accumulate tensors.
  assert.equal(new Set(tensorsAtEpochEnd.slice(1)).size, 1, `tensors at epoch ends: ${tensorsAtEpochEnd.join(', ')}`);
  const before = tf.memory().numTensors;
  const losses = steps.map((s) => s.loss);
  assert.equal(losses.length, 30);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const [first, last] = [mean(losses.slice(0, 5)), mean(losses.slice(-5))];
  assert.ok(last < 0.85 * first, `loss ${first.toFixed(3)} -> ${last.toFixed(3)}`);
  const metrics = await trainer.evaluate();
  assert.ok(metrics['eval/probe_acc'] > 0.3, `probe ${metrics['eval/probe_acc']}`);
  assert.ok(metrics['eval/knn_acc'] > 0.2, `k-NN ${metrics['eval/knn_acc']}`);
  assert.ok(Number.isFinite(metrics['eval/recon_mse']));
  assert.equal(tf.memory().numTensors, before, 'evaluation leaves no tensor behind');
  trainer.dispose();
});
