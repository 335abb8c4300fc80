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
  resumeMessage,
  MemoryLogger,
  TOKENS,
  NonFiniteLossError,
  type TrainerPlugin,
  type PluginHost,
} from '@mtojs/core';
import { container as rootContainer } from 'tsyringe';
import { tinyConfig } from './fixtures/tiny-task.js';

before(async () => {
  await tf.setBackend('cpu');
});

// The tiny task: 128 training examples, so batchSize 32 gives 4 steps per epoch.
const EVAL = { enabled: true, baselines: false, probeSteps: 5 };

function build(over: Record<string, unknown> = {}, outDir: string | null = null, plugins: TrainerPlugin[] = []) {
  const c = rootContainer.createChildContainer();
  for (const p of plugins) c.register(TOKENS.Plugin, { useValue: p });
  const config = validateParts(parseRunConfig(tinyConfig(over)));
  return createTrainer(config, { outDir, logger: new MemoryLogger(), container: c });
}

function evalSteps(t: ReturnType<typeof build>): { epoch: number; step: number; knn: number }[] {
  const seen: { epoch: number; step: number; knn: number }[] = [];
  t.events.on('evalEnd', (e) => seen.push({ epoch: e.epoch, step: e.step, knn: e.metrics['eval/knn_acc'] }));
  return seen;
}

function records(dir: string): Record<string, unknown>[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

test('a run that stops mid-epoch (trainer.maxSteps) is still evaluated, once, at the step it ends', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mtojs-maxsteps-'));
  try {
    const t = build({ trainer: { epochs: 3, batchSize: 32, logEvery: 1, progress: 'none', maxSteps: 6 }, eval: EVAL }, dir);
    const seen = evalSteps(t);
    await t.fit();
    assert.equal(t.step, 6);
    // evalEvery 1: after epoch 1 (step 4), then the final one at step 6 in epoch 2 (0-based 1).
    assert.deepEqual(seen.map((e) => [e.epoch, e.step]), [[0, 4], [1, 6]]);
    assert.ok(Number.isFinite(seen[1].knn));
    const evals = records(dir).filter((r) => r.type === 'eval');
    assert.deepEqual(evals.map((r) => [r.epoch, r.step]), [[1, 6]]);
    assert.ok(typeof evals[0]['eval/knn_acc'] === 'number');
    // Its position is checkpointed, so a larger maxSteps can resume it.
    assert.equal(readFileSync(join(dir, 'checkpoints', 'latest'), 'utf8').trim(), 'step-00000006');
    t.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a requested stop is evaluated at its end too; a run ending on an epoch boundary is not evaluated twice', async () => {
  const t = build({ trainer: { epochs: 3, batchSize: 32, logEvery: 1, progress: 'none', evalEvery: 0 }, eval: EVAL });
  const seen = evalSteps(t);
  t.events.on('batchEnd', (e) => {
    if (e.step === 2) t.requestStop('test');
  });
  await t.fit();
  assert.equal(t.step, 3);
  assert.deepEqual(seen.map((e) => [e.epoch, e.step]), [[0, 3]]);
  t.dispose();

  const full = build({ trainer: { epochs: 1, batchSize: 32, logEvery: 1, progress: 'none', maxSteps: 4 }, eval: EVAL });
  const fullSeen = evalSteps(full);
  await full.fit();
  assert.deepEqual(fullSeen.map((e) => [e.epoch, e.step]), [[0, 4]]);
  full.dispose();
});

class PoisonPlugin implements TrainerPlugin {
  readonly name = 'poison';
  constructor(private readonly atStep: number) {}
  getConfig() {
    return {};
  }
  apply(host: PluginHost) {
    host.hooks.loss.tap(this.name, (ctx) => ctx.add('poison/aux', (ctx.step === this.atStep ? tf.scalar(NaN) : tf.mul(ctx.taskLoss, 0)) as tf.Scalar, 1));
  }
}

test('the non-finite-loss error says which checkpoint is kept: the step of the last one, none yet, or none at all', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mtojs-nan-'));
  try {
    const trainer = { epochs: 3, batchSize: 32, logEvery: 1, progress: 'none' };
    const late = build({ trainer }, join(dir, 'late'), [new PoisonPlugin(6)]);
    await assert.rejects(late.fit(), (e: unknown) => e instanceof NonFiniteLossError && e.exitCode === 1 && e.message === "non-finite loss at step 6: term 'poison/aux' = NaN; the last checkpoint, at step 4, is kept");
    late.dispose();
    const early = build({ trainer }, join(dir, 'early'), [new PoisonPlugin(1)]);
    await assert.rejects(early.fit(), (e: unknown) => e instanceof NonFiniteLossError && /; no checkpoint was written before it$/.test(e.message) && e.lastCheckpointStep === null);
    early.dispose();
    const none = build({ trainer }, null, [new PoisonPlugin(1)]);
    await assert.rejects(none.fit(), (e: unknown) => e instanceof NonFiniteLossError && /; the run writes no checkpoints$/.test(e.message));
    none.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('resume messages count epochs from 1, as the progress lines do, and say when a run is already complete', () => {
  const plan = { epochs: 2, stepsPerEpoch: 4, maxSteps: 0, evaluates: true };
  assert.equal(resumeMessage({ step: 6, epoch: 1, batchInEpoch: 2 }, plan), 'resumed at step 6 (epoch 2/2, 2 of 4 batches done)');
  assert.equal(resumeMessage({ step: 4, epoch: 1, batchInEpoch: 0 }, plan), 'resumed at step 4 (start of epoch 2/2)');
  assert.equal(
    resumeMessage({ step: 8, epoch: 2, batchInEpoch: 0 }, plan),
    'the run is already complete: epoch 2/2 done at step 8; nothing is left to train, it is evaluated again and summary.json rewritten (raise trainer.epochs to train further)',
  );
  assert.match(resumeMessage({ step: 5, epoch: 1, batchInEpoch: 1 }, { ...plan, maxSteps: 5, evaluates: false }), /^the run is already complete: trainer.maxSteps 5 reached at step 5 \(epoch 2\/2, 1 of 4 batches done\); nothing is left to train, summary.json is rewritten/);
});

test('resuming a complete run trains nothing and evaluates it once, as the last epoch (0-based in events and files)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mtojs-done-'));
  try {
    const over = { trainer: { epochs: 1, batchSize: 32, logEvery: 1, progress: 'none' }, eval: EVAL };
    const first = build(over, dir);
    await first.fit();
    first.dispose();
    const epochLines = records(dir).filter((r) => r.type === 'epoch');
    assert.deepEqual(epochLines.map((r) => r.epoch), [0]);
    const again = build(over, dir);
    const st = await again.restore(dir);
    assert.deepEqual([st.step, st.epoch, st.batchInEpoch], [4, 1, 0]);
    const seen = evalSteps(again);
    let steps = 0;
    again.events.on('batchEnd', () => steps++);
    await again.fit();
    assert.equal(steps, 0);
    assert.deepEqual(seen.map((e) => [e.epoch, e.step]), [[0, 4]]);
    again.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

class ObserverPlugin implements TrainerPlugin {
  readonly name = 'observer';
  getConfig() {
    return {};
  }
  apply(host: PluginHost) {
    host.hooks.stepStart.tap(this.name, () => {});
    host.hooks.attentionProbs.tap(this.name, () => {});
    host.hooks.loss.tap(this.name, () => {});
  }
}

class ListenerPlugin implements TrainerPlugin {
  readonly name = 'listener';
  getConfig() {
    return {};
  }
  apply(host: PluginHost) {
    host.events.on('batchEnd', () => {});
    host.events.on('epochEnd', () => {});
  }
}

test('debugHooks: each trace line names its phase; an evaluation fires no stepStart; event-only plugins are listed', async () => {
  const t = build({ trainer: { epochs: 1, batchSize: 32, logEvery: 1, progress: 'none', debugHooks: true }, eval: EVAL }, null, [new ObserverPlugin(), new ListenerPlugin()]);
  await t.setup();
  await t.evaluate(-1); // the baseline, as mto train runs it before fit()
  await t.fit();
  assert.deepEqual(t.hookTrace, [
    '[hooks] listener: taps no hook; listens to batchEnd, epochEnd',
    // The baseline evaluation: each hook <- tap pair once, however many batches it runs.
    '[hooks] eval step 0 (before training) attentionProbs <- observer',
    // The first training step: every call.
    '[hooks] train step 0 stepStart <- observer',
    '[hooks] train step 0 attentionProbs <- observer',
    '[hooks] train step 0 loss <- observer',
  ]);
  t.dispose();

  const all = build({ trainer: { epochs: 1, batchSize: 32, logEvery: 1, progress: 'none', debugHooks: 'all' }, eval: EVAL }, null, [new ObserverPlugin()]);
  await all.fit();
  assert.equal(all.hookTrace.filter((l) => l.startsWith('[hooks] train step ')).length, 4 * 3);
  assert.deepEqual(all.hookTrace.filter((l) => l.startsWith('[hooks] eval ')), ['[hooks] eval step 4 attentionProbs <- observer']);
  all.dispose();
});
