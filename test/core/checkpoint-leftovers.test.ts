import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { MemoryLogger, checkpointName, createTrainer, parseRunConfig, validateParts } from '@mtojs/core';
import { tinyConfig } from './fixtures/tiny-task.js';

before(async () => {
  await tf.setBackend('cpu');
});

/** A finished 2-epoch tiny run with a checkpoint after each epoch, in a fresh folder. */
async function finishedRun(): Promise<{ dir: string; ckpts: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'mtojs-leftovers-'));
  const t = createTrainer(validateParts(parseRunConfig(tinyConfig({ trainer: { epochs: 2, batchSize: 32, checkpointEvery: 1, keepCheckpoints: 3, progress: 'none' } }))), { outDir: dir, logger: new MemoryLogger() });
  await t.fit();
  t.dispose();
  return { dir, ckpts: join(dir, 'checkpoints') };
}

function resumed(dir: string, epochs = 3) {
  const logger = new MemoryLogger();
  const t = createTrainer(validateParts(parseRunConfig(tinyConfig({ trainer: { epochs, batchSize: 32, checkpointEvery: 1, keepCheckpoints: 3, progress: 'none' } }))), { outDir: dir, logger });
  return { t, logger };
}

test('resuming removes the temp folders of checkpoint writes a killed process left, and keeps a running writer\'s', async () => {
  const { dir, ckpts } = await finishedRun();
  try {
    // What `kill -9` during saveCheckpoint leaves: a half-written temp folder (its pid is gone).
    const stale = '.step-00000099.tmp-2147483646-1700000000000-0';
    mkdirSync(join(ckpts, stale));
    writeFileSync(join(ckpts, stale, 'weights.bin'), 'half');
    // A temp folder of a live process (this test's parent) is not ours to remove.
    const live = `.step-00000098.tmp-${process.ppid}-1700000000000-0`;
    mkdirSync(join(ckpts, live));
    const { t, logger } = resumed(dir);
    await t.restore(dir);
    assert.ok(!readdirSync(ckpts).includes(stale), 'the stale temp folder is removed');
    assert.ok(readdirSync(ckpts).includes(live), "a running process's temp folder stays");
    assert.ok(logger.lines.some((l) => l.includes(`removed ${stale}, an unfinished checkpoint write`)), logger.lines.join('\n'));
    await t.fit(); // each new checkpoint prunes too
    t.dispose();
    assert.deepEqual(readdirSync(ckpts).filter((n) => n.startsWith('.')), [live]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a newest checkpoint without model.json: resuming from the older one says so', async () => {
  const { dir, ckpts } = await finishedRun();
  try {
    const steps = readdirSync(ckpts).filter((n) => /^step-\d+$/.test(n)).sort();
    assert.equal(steps.length, 2);
    rmSync(join(ckpts, steps[1]!, 'model.json'));
    const { t, logger } = resumed(dir);
    const state = await t.restore(dir);
    t.dispose();
    assert.equal(checkpointName(state.step), steps[0]);
    const warning = logger.lines.find((l) => l.startsWith('warn: '));
    assert.ok(warning?.includes(`names ${steps[1]}, which has no model.json (damaged or deleted); using ${steps[0]} instead`), logger.lines.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
