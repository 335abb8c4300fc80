import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { z } from 'zod';
import { MemoryLogger, UserError, createTrainer, parseRunConfig, registry, validateParts } from '@mtojs/core';
import { TinyAttentionModel, tinyConfig } from './fixtures/tiny-task.js';

/** A model whose build fails part-way (as an out-of-memory allocation would), before it has variables to list. */
class FailingBuildModel extends (TinyAttentionModel as new (options: { width: number }) => TinyAttentionModel) {
  static readonly className = 'failing-build';
  static readonly optionsSchema = z.strictObject({ width: z.number().int().default(16) });
  private built = false;
  override build(): void {
    throw new UserError('model: the build failed (the real error)');
  }
  override variables() {
    if (!this.built) throw new Error('failing-build: call build() before using the model');
    return super.variables();
  }
}

before(async () => {
  await tf.setBackend('cpu');
  if (!registry.has('model', FailingBuildModel.className)) registry.register('model', FailingBuildModel as never);
});

test('dispose after a failed build neither throws nor hides the error that stopped setup', async () => {
  const t = createTrainer(validateParts(parseRunConfig(tinyConfig({ model: { name: 'failing-build' } }))), { logger: new MemoryLogger() });
  const n = tf.memory().numTensors;
  await assert.rejects(() => t.setup(), /the build failed \(the real error\)/);
  t.dispose();
  assert.equal(tf.memory().numTensors, n);
});
