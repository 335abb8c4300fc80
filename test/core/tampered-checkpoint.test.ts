import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { MemoryLogger, UserError, createTrainer, parseRunConfig, validateParts } from '@mtojs/core';
import { tinyConfig } from './fixtures/tiny-task.js';
import { CHECKPOINT_TAMPERS } from '../fuzz/tampers.js';

const config = () => validateParts(parseRunConfig(tinyConfig({ trainer: { epochs: 1, batchSize: 32, progress: 'none' } })));
let root: string;
let good: string;

before(async () => {
  await tf.setBackend('cpu');
  root = mkdtempSync(join(tmpdir(), 'mtojs-tampered-'));
  good = join(root, 'good');
  const t = createTrainer(config(), { outDir: good, logger: new MemoryLogger() });
  await t.fit();
  t.dispose();
});

after(() => rmSync(root, { recursive: true, force: true }));

/** The run's one checkpoint folder. */
function checkpointDir(run: string): string {
  return join(run, 'checkpoints', readFileSync(join(run, 'checkpoints', 'latest'), 'utf8').trim());
}

test('every tampered checkpoint is refused by restore with one line naming model.json and the field (exit 2), and nothing leaks', async () => {
  assert.ok(CHECKPOINT_TAMPERS.length >= 20);
  const tensorsBefore = tf.memory().numTensors;
  for (const [i, tamper] of CHECKPOINT_TAMPERS.entries()) {
    const run = join(root, `t${i}`);
    cpSync(good, run, { recursive: true });
    const file = join(checkpointDir(run), 'model.json');
    const json = JSON.parse(readFileSync(file, 'utf8'));
    const out = tamper.apply(json);
    writeFileSync(file, typeof out === 'string' ? out : JSON.stringify(out === undefined ? json : out));
    const t = createTrainer(config(), { outDir: run, logger: new MemoryLogger() });
    await t.setup();
    const n = tf.memory().numTensors;
    await assert.rejects(
      () => t.restore(run),
      (e: unknown) => {
        assert.ok(e instanceof UserError, `${tamper.name}: ${(e as Error).stack}`);
        assert.equal(e.exitCode, 2, tamper.name);
        assert.equal(e.message.split('\n').length, 1, `${tamper.name}: ${e.message}`);
        assert.ok(e.message.startsWith(file + ': '), `${tamper.name}: ${e.message}`);
        assert.match(e.message, tamper.field, `${tamper.name}: ${e.message}`);
        return true;
      },
    );
    assert.equal(tf.memory().numTensors, n, `${tamper.name}: a refused checkpoint leaves no tensors behind`);
    t.dispose();
  }
  assert.equal(tf.memory().numTensors, tensorsBefore);
});

test('the untampered checkpoint still restores', async () => {
  const t = createTrainer(config(), { outDir: good, logger: new MemoryLogger() });
  const st = await t.restore(good);
  assert.equal(st.step, 4);
  assert.equal(st.epoch, 1);
  t.dispose();
});
