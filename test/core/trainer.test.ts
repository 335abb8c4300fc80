import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

import {
  createTrainer,
  parseRunConfig,
  validateParts,
  MemoryLogger,
  TOKENS,
  NonFiniteLossError,
  type TrainerPlugin,
  type PluginHost,
} from '@mtojs/core';
import { container as rootContainer } from 'tsyringe';
import { tinyConfig, SignalAdapter } from './fixtures/tiny-task.js';

before(async () => {
  await tf.setBackend('cpu');
});

function build(over: Record<string, unknown> = {}, outDir: string | null = null, container = rootContainer) {
  const config = validateParts(parseRunConfig(tinyConfig(over)));
  return createTrainer(config, { outDir, logger: new MemoryLogger(), container });
}

async function lossesOf(t: ReturnType<typeof build>): Promise<number[]> {
  const losses: number[] = [];
  t.events.on('batchEnd', (e) => losses.push(e.loss));
  await t.fit();
  return losses;
}

test('the loop learns: masked reconstruction loss falls 1.5x and ends well below predicting zero', async () => {
  // The signals' mean square is 1/2 + 1/8 = 0.625: the loss of a model that predicts zeros.
  const t = build({
    data: { name: 'sines', train: 256, test: 64 },
    masking: { name: 'exact-random', ratio: 0.25 },
    trainer: { epochs: 20, batchSize: 32, logEvery: 1, progress: 'none' },
  });
  const losses = await lossesOf(t);
  const first = losses.slice(0, 4).reduce((a, b) => a + b) / 4;
  const last = losses.slice(-4).reduce((a, b) => a + b) / 4;
  assert.ok(last * 1.5 < first, `loss went from ${first.toFixed(4)} to ${last.toFixed(4)}`);
  assert.ok(last < 0.6 * 0.625, `final loss ${last.toFixed(4)} is not well below the zero predictor's 0.625`);
  t.dispose();
});

test('tensor count is the same after step 2 and after step 20', async () => {
  const t = build({ trainer: { epochs: 100, batchSize: 32, logEvery: 1, progress: 'none' } });
  await t.setup();
  const order = t.epochOrder(0);
  const counts: number[] = [];
  for (let s = 0; s < 20; s++) {
    t.trainStep(order.subarray((s % 4) * 32, (s % 4) * 32 + 32));
    counts.push(tf.memory().numTensors);
  }
  assert.equal(counts[19], counts[1], `tensors: ${counts.join(',')}`);
  t.dispose();
});

test('the same config gives bit-identical losses on the cpu backend; another seed does not', async () => {
  const a = await lossesOf(build());
  const b = await lossesOf(build());
  const c = await lossesOf(build({ seed: 8 }));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('resume: 2 epochs, stop, resume to 4 gives exactly the losses of 4 uninterrupted epochs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mtojs-resume-'));
  try {
    const cfg = { trainer: { epochs: 4, batchSize: 32, logEvery: 1, progress: 'none' } };
    const straight = await lossesOf(build(cfg));
    const first = build(cfg, dir);
    first.events.on('epochEnd', (e) => {
      if (e.epoch === 1) first.requestStop('test');
    });
    const part1 = await lossesOf(first);
    assert.equal(part1.length, 8);
    first.dispose();
    const second = build(cfg, dir);
    const st = await second.restore(dir);
    assert.equal(st.epoch, 2);
    const part2 = await lossesOf(second);
    assert.deepEqual([...part1, ...part2], straight);
    second.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('mid-epoch checkpoints resume exactly too', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mtojs-resume-mid-'));
  try {
    const cfg = { trainer: { epochs: 2, batchSize: 32, logEvery: 1, progress: 'none', checkpointEverySteps: 3 } };
    const straight = await lossesOf(build(cfg));
    const first = build(cfg, dir);
    first.events.on('batchEnd', (e) => {
      if (e.step === 5) first.requestStop('test');
    });
    const part1 = await lossesOf(first);
    first.dispose();
    const second = build(cfg, dir);
    const st = await second.restore(dir);
    assert.equal(st.step, 6);
    assert.equal(st.batchInEpoch, 2);
    const part2 = await lossesOf(second);
    assert.deepEqual([...part1, ...part2], straight);
    second.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('run output: metrics.jsonl has step and epoch lines with each loss term, lr and throughput', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mtojs-out-'));
  try {
    const t = build({ trainer: { epochs: 2, batchSize: 32, logEvery: 2, progress: 'none', keepCheckpoints: 1 } }, dir);
    await t.fit();
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const steps = lines.filter((l) => l.type === 'step');
    const epochs = lines.filter((l) => l.type === 'epoch');
    assert.equal(steps.length, 4);
    assert.equal(epochs.length, 2);
    for (const s of steps) for (const k of ['step', 'epoch', 'loss', 'loss/task', 'lr', 'samples_per_sec']) assert.ok(typeof s[k] === 'number', `step line lacks ${k}`);
    assert.ok(typeof epochs[1]['loss/task'] === 'number');
    const cks = readdirSync(join(dir, 'checkpoints')).filter((n) => n.startsWith('step-'));
    assert.deepEqual(cks, ['step-00000008'], 'keepCheckpoints: 1 keeps only the newest');
    assert.equal(readFileSync(join(dir, 'checkpoints', 'latest'), 'utf8').trim(), 'step-00000008');
    const json = JSON.parse(readFileSync(join(dir, 'checkpoints', 'step-00000008', 'model.json'), 'utf8'));
    assert.equal(json.weightsManifest[0].paths[0], 'weights.bin');
    assert.ok(json.weightsManifest[0].weights.some((w: { name: string }) => w.name === 'model/encoder/mask'));
    assert.ok(json.weightsManifest[0].weights.some((w: { name: string }) => w.name.startsWith('optimizer/')));
    t.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A plugin that adds a named term, and one that poisons the loss at a given step. */
class AuxTermPlugin implements TrainerPlugin {
  readonly name: string;
  constructor(name: string, private readonly weight: number, private readonly nanAtStep = -1, private readonly stage = 0, private readonly before?: string) {
    this.name = name;
  }
  getConfig() {
    return {};
  }
  apply(host: PluginHost) {
    host.hooks.loss.tap({ name: this.name, stage: this.stage, before: this.before }, (ctx) => {
      const v = ctx.step === this.nanAtStep ? tf.scalar(NaN) : tf.mul(ctx.taskLoss, 0.5);
      ctx.add(`${this.name}/aux`, v as tf.Scalar, this.weight);
    });
  }
}

test('plugin loss terms are logged by name and added with their weight; hook trace shows plugin order', async () => {
  const c = rootContainer.createChildContainer();
  c.register(TOKENS.Plugin, { useValue: new AuxTermPlugin('second', 1) });
  c.register(TOKENS.Plugin, { useValue: new AuxTermPlugin('first', 0, -1, 0, 'second') });
  const t = build({ trainer: { epochs: 1, batchSize: 32, logEvery: 1, progress: 'none', debugHooks: true } }, null, c);
  const results: { loss: number; terms: Record<string, number> }[] = [];
  t.events.on('batchEnd', (e) => results.push(e));
  await t.fit();
  const r = results[0];
  assert.ok(Math.abs(r.terms['second/aux'] - 0.5 * r.terms.task) < 1e-6);
  assert.ok(Math.abs(r.loss - 1.5 * r.terms.task) < 1e-5, 'weight 1 term adds, weight 0 term does not');
  assert.ok('first/aux' in r.terms);
  const lossTrace = t.hookTrace.filter((l) => l.includes(' loss <- '));
  assert.deepEqual(lossTrace, ['[hooks] train step 0 loss <- first', '[hooks] train step 0 loss <- second']);
  t.dispose();
});

test('a non-finite loss stops the run naming the step and term, and the last good checkpoint stays intact', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mtojs-nan-'));
  try {
    const c = rootContainer.createChildContainer();
    c.register(TOKENS.Plugin, { useValue: new AuxTermPlugin('poison', 1, 6) });
    const t = build({ trainer: { epochs: 3, batchSize: 32, logEvery: 1, progress: 'none' } }, dir, c);
    const errors: string[] = [];
    t.events.on('error', (e) => errors.push(e.where));
    await assert.rejects(t.fit(), (e: unknown) => e instanceof NonFiniteLossError && e.step === 6 && e.term === 'poison/aux' && /step 6: .*; the last checkpoint, at step 4, is kept$/.test(e.message));
    assert.deepEqual(errors, ['fit']);
    const latest = readFileSync(join(dir, 'checkpoints', 'latest'), 'utf8').trim();
    assert.equal(latest, 'step-00000004');
    const again = build({ trainer: { epochs: 3, batchSize: 32, logEvery: 1, progress: 'none' } }, dir);
    const st = await again.restore(dir);
    assert.equal(st.step, 4);
    for (const p of again.parameters) assert.ok(!Number.isNaN(tf.sum(p.variable).dataSync()[0]));
    again.dispose();
    t.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dependency injection: a class registered under a token replaces the config part', async () => {
  class LoudAdapter extends SignalAdapter {
    static override readonly className = 'loud-signal';
    prepared = 0;
    override prepare(b: Parameters<SignalAdapter['prepare']>[0]) {
      this.prepared++;
      return super.prepare(b);
    }
  }
  const c = rootContainer.createChildContainer();
  const mine = new LoudAdapter({ tokenSize: 4 });
  c.register(TOKENS.Adapter, { useValue: mine });
  const t = build({ trainer: { epochs: 1, batchSize: 32, logEvery: 1, progress: 'none' } }, null, c);
  await t.fit();
  assert.equal(t.adapter, mine);
  assert.equal(mine.prepared, 4);
  t.dispose();
});

test('observers cannot break training: a throwing listener is reported on error and the run goes on', async () => {
  const t = build({ trainer: { epochs: 1, batchSize: 32, logEvery: 1, progress: 'none' } });
  const errors: string[] = [];
  t.events.on('error', (e) => errors.push(e.where));
  t.events.on('batchEnd', () => {
    throw new Error('observer bug');
  });
  await t.fit();
  assert.equal(t.step, 4);
  assert.equal(errors.length, 4);
  assert.match(errors[0], /batchEnd/);
  t.dispose();
});

test('events fire in lifecycle order', async () => {
  const t = build({ trainer: { epochs: 1, batchSize: 64, logEvery: 1, progress: 'none' }, eval: { enabled: true, baselines: false, probeSteps: 5 } });
  const seen: string[] = [];
  for (const n of ['fitStart', 'epochStart', 'batchStart', 'batchEnd', 'evalEnd', 'epochEnd', 'fitEnd', 'checkpointSaved'] as const) t.events.on(n, () => seen.push(n));
  await t.fit();
  assert.deepEqual(seen, ['fitStart', 'epochStart', 'batchStart', 'batchEnd', 'batchStart', 'batchEnd', 'evalEnd', 'epochEnd', 'fitEnd']);
  t.dispose();
});

test('evaluation: k-NN and linear-probe accuracies of the tiny task beat chance (4 classes)', async () => {
  const t = build({ trainer: { epochs: 4, batchSize: 32, logEvery: 1, progress: 'none' }, eval: { enabled: true, baselines: false, probeSteps: 100 } });
  let m: Record<string, number> = {};
  t.events.on('evalEnd', (e) => (m = e.metrics));
  await t.fit();
  assert.ok(m['eval/knn_acc'] > 0.5, `knn ${m['eval/knn_acc']}`);
  assert.ok(m['eval/probe_acc'] > 0.5, `probe ${m['eval/probe_acc']}`);
  t.dispose();
});

test('unused output: a run with outDir null writes nothing', async () => {
  const t = build();
  await t.fit();
  assert.equal(t.paths.root, null);
  assert.ok(!existsSync('runs/tiny'));
  t.dispose();
});
