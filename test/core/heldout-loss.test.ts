import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createTrainer, parseRunConfig, validateParts, MemoryLogger, type StepMetrics } from '@mtojs/core';
import { tinyConfig } from './fixtures/tiny-task.js';

before(async () => {
  await tf.setBackend('cpu');
});

function build(evalOver: Record<string, unknown>) {
  const config = validateParts(parseRunConfig(tinyConfig({ eval: { enabled: true, baselines: false, ...evalOver } })));
  return createTrainer(config, { outDir: null, logger: new MemoryLogger() });
}

test('eval/heldout_loss: the task loss on fixed examples and fixed masks, the same at every evaluation of the same weights', async () => {
  const t = build({ heldoutExamples: 48 });
  try {
    await t.setup();
    const before = tf.memory().numTensors;
    const a = await t.evaluate(0);
    const b = await t.evaluate(0);
    assert.ok(Number.isFinite(a['eval/heldout_loss']) && a['eval/heldout_loss'] > 0, `heldout loss ${a['eval/heldout_loss']}`);
    assert.equal(b['eval/heldout_loss'], a['eval/heldout_loss'], 'the same masks every evaluation');
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
    // More examples than the split has: all of them (64 test examples), a different mean.
    const all = build({ heldoutExamples: 100000 });
    await all.setup();
    const c = await all.evaluate(0);
    assert.notEqual(c['eval/heldout_loss'], a['eval/heldout_loss']);
    all.dispose();
  } finally {
    t.dispose();
  }
});

test('eval/heldout_loss falls as training proceeds and never shifts the training losses', async () => {
  const run = async (heldoutExamples: number) => {
    const t = build({ heldoutExamples });
    const steps: number[] = [];
    const evals: number[] = [];
    t.events.on('batchEnd', (e: StepMetrics) => steps.push(e.loss));
    t.events.on('evalEnd', (e) => {
      if (e.metrics['eval/heldout_loss'] !== undefined) evals.push(e.metrics['eval/heldout_loss']);
    });
    await t.fit();
    t.dispose();
    return { steps, evals };
  };
  const on = await run(64);
  const off = await run(0);
  assert.deepEqual(on.steps, off.steps, 'training losses are the same with and without the held-out evaluation');
  assert.equal(off.evals.length, 0, 'heldoutExamples 0 turns it off');
  assert.ok(on.evals.length >= 1, `evaluations: ${on.evals.length}`);
  assert.ok(on.evals[on.evals.length - 1] < on.steps[0], `held-out loss after training ${on.evals.at(-1)} vs the first training loss ${on.steps[0]}`);
});
