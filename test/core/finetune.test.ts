import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {
  createTrainer,
  parseRunConfig,
  validateParts,
  MemoryLogger,
  Rng,
  finetune,
  stratifiedSample,
  layerDecayScales,
  type FinetuneConfigInput,
  type NamedVariable,
} from '@mtojs/core';
import { tinyConfig, TinyAttentionModel } from './fixtures/tiny-task.js';

before(async () => {
  await tf.setBackend('cpu');
});

function build(over: Record<string, unknown> = {}, outDir: string | null = null) {
  const config = validateParts(parseRunConfig(tinyConfig(over)));
  return createTrainer(config, { outDir, logger: new MemoryLogger() });
}

async function setUp(over: Record<string, unknown> = {}) {
  const t = build(over);
  await t.setup();
  return t;
}

const FT: FinetuneConfigInput = { labels: 32, epochs: 3, batchSize: 16, lr: 0.005, warmupEpochs: 1 };

function snapshot(vars: NamedVariable[]): Map<string, Float32Array> {
  return new Map(vars.map((p) => [p.name, p.variable.dataSync() as Float32Array]));
}

function changed(before: Map<string, Float32Array>, after: Map<string, Float32Array>): string[] {
  return [...before.keys()].filter((k) => before.get(k)!.some((v, i) => v !== after.get(k)![i]));
}

test('stratifiedSample picks exactly N distinct indices, class counts within one of each other, from the seed', () => {
  const labels = Int32Array.from({ length: 500 }, (_, i) => (i * 7) % 10);
  const a = stratifiedSample(labels, 53, new Rng(1).stream('finetune/labels'));
  assert.equal(a.length, 53);
  assert.equal(new Set(a).size, 53);
  const counts = new Array(10).fill(0);
  for (const i of a) counts[labels[i]]++;
  assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `counts ${counts}`);
  assert.deepEqual(a, stratifiedSample(labels, 53, new Rng(1).stream('finetune/labels')));
  assert.notDeepEqual(a, stratifiedSample(labels, 53, new Rng(2).stream('finetune/labels')));
  // A class with too few examples gives all it has; the others make up the count.
  const skewed = Int32Array.from({ length: 100 }, (_, i) => (i < 2 ? 0 : 1));
  const s = stratifiedSample(skewed, 10, new Rng(0));
  assert.equal(s.length, 10);
  assert.equal([...s].filter((i) => skewed[i] === 0).length, 2);
  assert.equal(stratifiedSample(skewed, 0, new Rng(0)).length, 100);
});

test('layerDecayScales: block i of D gets decay^(D - i), the stem decay^(D + 1), final norm and head 1', () => {
  const v = tf.variable(tf.zeros([1]));
  const names = ['stem/embed/kernel', 'encoder/cls_token', 'encoder/block0/attn/qkv/kernel', 'encoder/block2/mlp/fc1/bias', 'encoder/norm/gamma', 'head/kernel'];
  const scales = layerDecayScales(
    names.map((name) => ({ name, variable: v })),
    0.5,
  );
  assert.deepEqual(scales, [0.5 ** 4, 0.5 ** 4, 0.5 ** 3, 0.5, 1, 1]);
  v.dispose();
});

test('finetune: deterministic for a seed, learns the task, leaves the run weights alone and frees its tensors', async () => {
  const t = await setUp({ data: { name: 'sines', train: 128, test: 64 } });
  const before = snapshot(t.model.variables());
  const n0 = tf.memory().numTensors;
  const a = await finetune({ model: t.model, adapter: t.adapter, data: t.data, config: FT, seed: 3 });
  const n1 = tf.memory().numTensors;
  const b = await finetune({ model: t.model, adapter: t.adapter, data: t.data, config: FT, seed: 3 });
  assert.equal(tf.memory().numTensors, n1, 'a second fine-tune leaves no tensors behind');
  assert.equal(n1, n0);
  assert.equal(a.accuracy, b.accuracy);
  assert.deepEqual(a.history, b.history);
  assert.equal(a.trainExamples, 32);
  assert.equal(a.evalExamples, 64);
  assert.equal(a.split, 'test');
  assert.equal(a.history.length, 3);
  assert.ok(a.history[2].loss < a.history[0].loss, `loss ${a.history[0].loss} -> ${a.history[2].loss}`);
  assert.ok(a.accuracy > 0.4, `accuracy ${a.accuracy} on 4 classes`);
  assert.deepEqual(changed(before, snapshot(t.model.variables())), [], 'the run model is unchanged');
  const other = await finetune({ model: t.model, adapter: t.adapter, data: t.data, config: FT, seed: 4 });
  assert.notDeepEqual(other.history, a.history);
  t.dispose();
});

test("finetune: freeze 'encoder' trains the head alone; 'none' trains the encoder path (not the reconstruction head)", async () => {
  const t = await setUp();
  const source = snapshot(t.model.variables());
  for (const freeze of ['encoder', 'none'] as const) {
    // The copy finetune builds (same class and options), read after its last epoch.
    let copy: TinyAttentionModel | null = null;
    let last: Map<string, Float32Array> | null = null;
    await finetune({
      model: t.model,
      adapter: t.adapter,
      data: t.data,
      config: { ...FT, freeze, epochs: 2 },
      seed: 1,
      createModel: () => (copy = new TinyAttentionModel({ width: 16 })),
      onEpoch: () => (last = snapshot(copy!.variables())),
    });
    const moved = changed(source, last!);
    if (freeze === 'encoder') assert.deepEqual(moved, [], `the frozen encoder changed: ${moved}`);
    else {
      assert.ok(moved.includes('encoder/q') && moved.includes('stem/embed/kernel'), `moved: ${moved}`);
      assert.ok(!moved.includes('stem/head/kernel'), 'the reconstruction head gets no gradient and stays as it was');
    }
  }
  t.dispose();
});

test('finetune: fromScratch starts from the run seed\'s initial weights, so it equals fine-tuning the untrained run', async () => {
  const trained = await setUp({ trainer: { epochs: 2, batchSize: 32, logEvery: 1, progress: 'none' } });
  await trained.fit();
  const fresh = await setUp();
  const scratch = await finetune({ model: trained.model, adapter: trained.adapter, data: trained.data, config: FT, seed: 7, fromScratch: true });
  const untrained = await finetune({ model: fresh.model, adapter: fresh.adapter, data: fresh.data, config: FT, seed: 7 });
  const pre = await finetune({ model: trained.model, adapter: trained.adapter, data: trained.data, config: FT, seed: 7 });
  assert.deepEqual(scratch.history, untrained.history);
  assert.equal(scratch.accuracy, untrained.accuracy);
  assert.notDeepEqual(pre.history, scratch.history);
  trained.dispose();
  fresh.dispose();
});

test('finetune: labels beyond the training split and bad options are one-line errors', async () => {
  const t = await setUp();
  await assert.rejects(finetune({ model: t.model, adapter: t.adapter, data: t.data, config: { labels: 1000 } }), /eval\.finetune\.labels: 1000 labelled examples asked for, but the training split has 128/);
  await assert.rejects(finetune({ model: t.model, adapter: t.adapter, data: t.data, config: { freeze: 'all' as never } }), /freeze/);
  t.dispose();
});

test('eval.finetune in a run: eval/ft_acc at the evaluations (and the random-init baseline) in metrics.jsonl; the pre-training losses are unchanged', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mtojs-ft-'));
  try {
    const t = build(
      {
        trainer: { epochs: 2, batchSize: 32, logEvery: 1, evalEvery: 1, progress: 'none' },
        eval: { enabled: true, maxTrainExamples: 64, probeSteps: 20, finetune: { ...FT, enabled: true, every: 2 } },
      },
      join(dir, 'run'),
    );
    await t.setup();
    const init = await t.evaluate(-1);
    assert.equal(typeof init['eval/ft_acc'], 'number');
    await t.fit();
    const epochs = readFileSync(join(dir, 'run', 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((l) => l.type === 'epoch');
    assert.equal(epochs.length, 2);
    // every: 2 -> the first evaluation has the probes only, the second (and last) fine-tunes too.
    assert.equal(typeof epochs[0]['eval/knn_acc'], 'number');
    assert.equal(epochs[0]['eval/ft_acc'], undefined);
    assert.ok(epochs[1]['eval/ft_acc'] >= 0 && epochs[1]['eval/ft_acc'] <= 1);
    assert.ok(epochs[1]['eval/ft_seconds'] > 0, 'the fine-tune wall time is logged');
    // Fine-tuning reads no random stream or state of the run: pre-training is the same without it.
    const steps = (file: string) =>
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((l) => l.type === 'step')
        .map((l) => l.loss);
    const plain = build(
      {
        trainer: { epochs: 2, batchSize: 32, logEvery: 1, evalEvery: 1, progress: 'none' },
        eval: { enabled: true, maxTrainExamples: 64, probeSteps: 20 },
      },
      join(dir, 'plain'),
    );
    await plain.setup();
    await plain.evaluate(-1);
    await plain.fit();
    assert.deepEqual(steps(join(dir, 'plain', 'metrics.jsonl')), steps(join(dir, 'run', 'metrics.jsonl')));
    plain.dispose();
    t.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('eval.finetune: labels beyond the training split fail at setup, before training', async () => {
  const t = build({ eval: { enabled: true, finetune: { enabled: true, labels: 500 } } });
  await assert.rejects(t.setup(), /eval\.finetune\.labels: 500 labelled examples asked for, but the training split has 128/);
  t.dispose();
});
