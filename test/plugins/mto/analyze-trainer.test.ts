import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { analyzeTrainer, formatReport } from '@mtojs/mto';
import { TINY, tinyTrainer, useCpu } from './tiny-run.js';

before(useCpu);

test('analyzeTrainer on a SimMIM baseline: the encoder profile, the mask token at the input, deterministic, no tensor leaked', async () => {
  const { trainer } = tinyTrainer('simmim.yaml', TINY.simmim);
  try {
    await trainer.setup();
    const before = tf.memory().numTensors;
    const a = analyzeTrainer(trainer, { samples: 8, maskRows: 200 });
    assert.equal(tf.memory().numTensors, before);
    const b = analyzeTrainer(trainer, { samples: 8, maskRows: 200 });
    assert.deepEqual(b, a);

    assert.deepEqual(a.run.plugins, []);
    assert.deepEqual(a.mixingModule, { name: 'encoder', layers: 3, tokens: 16, maxEntropy: Math.log(16) });
    for (const l of a.profile) assert.ok(l.vis2mask! > 0 && l.vis2mask! < 1, 'without recalibration visible queries attend to masked keys');
    // The example's grid masking of single patches: round(ratio * 16) tokens per image.
    assert.equal(trainer.config.masking.maskPatchSize, 1);
    const masked = Math.round((trainer.config.masking.ratio as number) * 16);
    assert.deepEqual(a.properties.spatialRandomness.maskedPerRow, { min: masked, max: masked });
    const consistency = a.properties.substitutionalConsistency;
    assert.equal(consistency.maskToken.name, 'encoder/mask_token');
    assert.equal(consistency.maskedPositions, 8 * masked);
    assert.equal(consistency.maxDeviation, 0);
    const singularity = a.properties.dataSingularity;
    assert.ok(singularity.available && singularity.realTokens === 8 * (16 - masked) && singularity.width === 16);
  } finally {
    trainer.dispose();
  }
});

test('mto analyze flags the MNIST collision: at initialisation blank 7x7 patches embed to the stem bias, next to the 0.02-std mask token', async () => {
  const { trainer } = tinyTrainer('simmim.yaml', [...TINY.simmim, 'data.trainSize=64', 'data.testSize=64']);
  try {
    await trainer.setup();
    const report = analyzeTrainer(trainer, { samples: 64, maskRows: 200 });
    const c = report.properties.dataSingularity;
    assert.ok(c.available, 'measured');
    if (!c.available) return;
    assert.equal(c.collides, true, `near: ${JSON.stringify(c.near)}`);
    assert.ok(c.near.fraction > 0.25, `fraction of real tokens near the mask token: ${c.near.fraction}`);
    assert.match(formatReport(report), /\(c\) data singularity: NOT distinct[\s\S]*WARNING: \d+ of \d+ real tokens/);
  } finally {
    trainer.dispose();
  }
});
