import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@mtojs/mto';
import { ConfigError, DataParallel, MemoryLogger, RunFailure, TOKENS, UserError, createTrainer, parseRunConfig, resolveWorkerCount, validateParts } from '@mtojs/core';
import { container as rootContainer } from 'tsyringe';
import { tinyConfig, SignalAdapter } from './fixtures/tiny-task.js';
import './fixtures/worker-plugins.js';

// The workers build the run from its config: these imports register the fixtures' parts there.
const IMPORTS = [join(__dirname, 'fixtures/tiny-task.js'), join(__dirname, 'fixtures/worker-plugins.js')];

before(async () => {
  await tf.setBackend('cpu');
});

function build(over: Record<string, unknown> = {}, outDir: string | null = null, container = rootContainer) {
  const base = tinyConfig(over);
  const config = validateParts(parseRunConfig({ ...base, imports: IMPORTS }));
  return createTrainer(config, { outDir, logger: new MemoryLogger(), container });
}

const trainerOpts = (workers: number | 'auto', more: Record<string, unknown> = {}) => ({ trainer: { epochs: 2, batchSize: 32, logEvery: 1, progress: 'none', workers, ...more } });

async function lossesOf(t: ReturnType<typeof build>): Promise<number[]> {
  const losses: number[] = [];
  t.events.on('batchEnd', (e) => losses.push(e.loss));
  await t.fit();
  return losses;
}

// The losses of 2 epochs (8 steps) with 2 workers, uninterrupted: computed once, compared by several tests.
let straightRun: Promise<number[]> | null = null;
function straightTwoWorkers(): Promise<number[]> {
  straightRun ??= (async () => {
    const t = build(trainerOpts(2));
    const losses = await lossesOf(t);
    t.dispose();
    return losses;
  })();
  return straightRun;
}

test('2 workers: bit-identical losses on rerun, and the 1-worker losses to 1e-5 (relative)', async (ctx) => {
  const one = build(trainerOpts(1));
  const a = await lossesOf(one);
  one.dispose();
  const rerun = build(trainerOpts(2));
  const runs = [await straightTwoWorkers(), await lossesOf(rerun)];
  rerun.dispose();
  assert.deepEqual(runs[0], runs[1]);
  assert.equal(runs[0].length, a.length);
  // Measured on the cpu backend: at most 6e-8 (the shards' sums round differently from the whole batch's).
  const worst = Math.max(...a.map((x, i) => Math.abs(x - runs[0][i]) / Math.abs(x)));
  ctx.diagnostic(`8 steps: 2 workers differ from 1 by at most ${worst.toExponential(1)} (relative)`);
  assert.ok(worst < 1e-5, `2 workers differ from 1 by ${worst} (relative)`);
  assert.notDeepEqual(runs[0], a, 'the shards are summed, so the bits differ slightly from one whole-batch step');
});

test('the MTO plugin runs in every rank: its loss terms with 2 workers match 1 worker; evaluation runs as with 1', async () => {
  const mto = { plugins: [{ name: 'mto', diagnostics: { enabled: true } }], eval: { enabled: true, probeSteps: 20, baselines: false } };
  const terms: Record<string, number>[][] = [];
  const evals: Record<string, number>[] = [];
  for (const workers of [1, 2]) {
    const t = build({ ...mto, ...trainerOpts(workers, { epochs: 1 }) });
    const seen: Record<string, number>[] = [];
    t.events.on('batchEnd', (e) => seen.push({ ...e.terms, ...e.extra, loss: e.loss }));
    t.events.on('evalEnd', (e) => evals.push(e.metrics));
    await t.fit();
    t.dispose();
    terms.push(seen);
  }
  assert.equal(evals.length, 2);
  assert.ok(Math.abs(evals[1]['eval/knn_acc'] - evals[0]['eval/knn_acc']) <= 0.05, `k-NN accuracy ${evals[1]['eval/knn_acc']} (2 workers) vs ${evals[0]['eval/knn_acc']}`);
  assert.ok('mto/e' in terms[0][0], `no MTO term in ${Object.keys(terms[0][0])}`);
  for (let s = 0; s < terms[0].length; s++) {
    assert.deepEqual(Object.keys(terms[1][s]).sort(), Object.keys(terms[0][s]).sort());
    for (const [k, v] of Object.entries(terms[0][s])) assert.ok(Math.abs(terms[1][s][k] - v) <= 1e-5 * Math.max(1, Math.abs(v)), `step ${s} ${k}: ${terms[1][s][k]} vs ${v}`);
  }
});

test("plugins in the workers hear the main thread's events: a loss term set by epochStart matches 1 worker", async () => {
  const losses: Record<string, number>[][] = [];
  for (const workers of [1, 2]) {
    const t = build({ plugins: [{ name: 'epoch-scaled-term' }], ...trainerOpts(workers) });
    const seen: Record<string, number>[] = [];
    t.events.on('batchEnd', (e) => seen.push({ loss: e.loss, ...e.terms }));
    await t.fit();
    t.dispose();
    losses.push(seen);
  }
  assert.ok(losses[0][7]['epoch-scaled'] > 0);
  for (let s = 0; s < 8; s++) for (const [k, v] of Object.entries(losses[0][s])) assert.ok(Math.abs(losses[1][s][k] - v) <= 1e-5 * Math.max(1, Math.abs(v)), `step ${s} ${k}: ${losses[1][s][k]} vs ${v}`);
});

test('DataParallel by hand, 3 ranks on uneven rows: the same losses as 1 worker, bit-identical weights in every rank, no tensor left behind in any thread', async () => {
  // A schedule whose rate depends on its setup (fit's plan), which only the main thread has, and clipping.
  const cfg = { ...trainerOpts(3, { epochs: 100, gradClipNorm: 0.5 }), schedule: { name: 'warmup-cosine', warmupSteps: 3 } };
  const t = build(cfg);
  const single = build({ ...cfg, trainer: { ...cfg.trainer, workers: 1 } });
  await Promise.all([t.setup(), single.setup()]);
  for (const x of [t, single]) x.schedule.setup({ totalSteps: 8, stepsPerEpoch: 4 });
  const pool = await DataParallel.start(t);
  try {
    assert.equal(pool.split(32), '10/11/11');
    const order = t.epochOrder(0);
    const counts: number[] = [];
    let workerTensors: number[] = [];
    for (let s = 0; s < 8; s++) {
      const idx = order.subarray((s % 4) * 32, (s % 4) * 32 + 32);
      const loss = (await pool.step(idx)).loss;
      const reference = single.trainStep(idx).loss;
      assert.ok(Math.abs(loss - reference) <= 1e-5 * Math.abs(reference), `step ${s}: ${loss} (3 ranks) vs ${reference}`);
      counts.push(tf.memory().numTensors);
      if (s === 1) workerTensors = (await pool.checkReplicas()).workerTensors;
    }
    assert.equal(counts[7], counts[1], `tensors: ${counts.join(',')}`);
    assert.equal(t.step, 8);
    assert.deepEqual((await pool.checkReplicas()).workerTensors, workerTensors);
  } finally {
    await pool.close();
    t.dispose();
    single.dispose();
  }
});

test('resume with 2 workers: stop after epoch 1, resume to 2 gives the losses of 2 uninterrupted epochs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mtojs-workers-resume-'));
  try {
    const cfg = trainerOpts(2);
    const all = await straightTwoWorkers();
    const first = build(cfg, dir);
    first.events.on('epochEnd', (e) => {
      if (e.epoch === 0) first.requestStop('test');
    });
    const part1 = await lossesOf(first);
    first.dispose();
    assert.equal(part1.length, 4);
    const second = build(cfg, dir);
    assert.equal((await second.restore(dir)).epoch, 1);
    const part2 = await lossesOf(second);
    second.dispose();
    assert.deepEqual([...part1, ...part2], all);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a user error thrown in a worker is the same one-line error in the main thread, after a checkpoint of the last step', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mtojs-workers-throw-'));
  try {
    const t = build({ plugins: [{ name: 'fail-in-worker', step: 3, how: 'throw' }], ...trainerOpts(2) }, dir);
    await assert.rejects(t.fit(), (e: Error) => e instanceof UserError && e.exitCode === 2 && e.message === 'fail-in-worker: data file went missing at step 3');
    assert.equal(t.step, 3);
    assert.ok(readdirSync(join(dir, 'checkpoints')).includes('step-00000003'), `checkpoints: ${readdirSync(join(dir, 'checkpoints'))}`);
    t.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a crashed worker stops the run with a checkpoint (no hang), and the run resumes from it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mtojs-workers-crash-'));
  try {
    const cfg = trainerOpts(2);
    const all = await straightTwoWorkers();
    const t = build({ plugins: [{ name: 'fail-in-worker', step: 5, how: 'exit' }], ...cfg }, dir);
    const part1: number[] = [];
    t.events.on('batchEnd', (e) => part1.push(e.loss));
    await assert.rejects(t.fit(), (e: Error) => e instanceof RunFailure && e.exitCode === 1 && e.message === 'trainer.workers: worker 1 of 2 stopped unexpectedly (exit code 3)');
    t.dispose();
    assert.ok(readdirSync(join(dir, 'checkpoints')).includes('step-00000005'));
    const resumed = build(cfg, dir);
    assert.equal((await resumed.restore(dir)).step, 5);
    const part2 = await lossesOf(resumed);
    resumed.dispose();
    assert.deepEqual([...part1, ...part2], all);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('workers need a run built from its config, parts included; auto is the cores the process may use', async () => {
  const c = rootContainer.createChildContainer();
  c.register(TOKENS.Adapter, { useValue: new SignalAdapter({ tokenSize: 4 }) });
  const t = build(trainerOpts(2), null, c);
  await assert.rejects(t.fit(), (e: Error) => e instanceof ConfigError && /^trainer\.workers: 2 workers rebuild the run from its config in each thread, but the DI container supplies its adapter;/.test(e.message));
  t.dispose();
  // Parts registered in this process only (no imports: entry) are unknown in a worker: said so, with the parts.
  const bare = createTrainer(validateParts(parseRunConfig(tinyConfig(trainerOpts(2)))), { logger: new MemoryLogger() });
  await assert.rejects(bare.fit(), (e: Error) => e instanceof ConfigError && /^trainer\.workers: worker 1 could not build the run \(a worker has only the parts that the installed packages and the config's imports: register\):\n.*unknown data 'sines'/.test(e.message));
  bare.dispose();
  assert.ok(resolveWorkerCount('auto') >= 1);
  assert.equal(resolveWorkerCount('auto', 1), 1, 'auto never gives a rank no rows');
  assert.equal(resolveWorkerCount(3), 3);
  assert.throws(() => parseRunConfig(tinyConfig(trainerOpts(0))), /trainer\.workers: Too small: expected number to be >=1 \(found 0\)/);
});
