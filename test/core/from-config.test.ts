import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, Trainer, UserError, registry } from '@mtojs/core';
import { tinyConfig } from './fixtures/tiny-task.js';

const FIXTURE = resolve(__dirname, 'fixtures/tiny-task.js');
const CORE = realpathSync(dirname(require.resolve('@mtojs/core/package.json')));
const ZOD = realpathSync(dirname(require.resolve('zod/package.json')));

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'mtojs-from-config-'));
}

test('Trainer.fromConfig imports the built-in part packages and the config imports, applies --set, starts the config backend, and fit() returns the history', async () => {
  const dir = tmp();
  try {
    // 'random' comes from @mtojs/masking, which nothing in this file imports: fromConfig loads it.
    assert.equal(registry.has('masking', 'random'), false);
    const cfg = join(dir, 'run.yaml');
    writeFileSync(
      cfg,
      [
        'name: api',
        'seed: 3',
        'backend: wasm',
        `imports: [${JSON.stringify(FIXTURE)}]`,
        'data: { name: sines, train: 64, test: 32 }',
        'adapter: { name: signal, tokenSize: 4 }',
        'masking: { name: random, ratio: 0.5 }',
        'model: { name: tiny-attention, width: 8 }',
        'trainer: { epochs: 2, batchSize: 32, logEvery: 1, progress: none }',
        'eval: { enabled: true, baselines: false, probeSteps: 5 }',
      ].join('\n'),
    );
    const out = join(dir, 'run');
    const trainer = await Trainer.fromConfig(cfg, { set: ['trainer.epochs=3'], outDir: out });
    try {
      assert.equal(tf.getBackend(), 'wasm', 'the config says backend: wasm');
      assert.equal(registry.has('masking', 'random'), true);
      assert.equal(trainer.config.trainer.epochs, 3);
      const fit = await trainer.fit();
      assert.equal(fit.steps, 6);
      assert.equal(fit.stopped, false);
      assert.deepEqual(fit.epochs.map((e) => e.epoch), [0, 1, 2]);
      assert.deepEqual(fit.epochs.map((e) => e.step), [2, 4, 6]);
      assert.equal(fit.history.loss.length, 3);
      assert.ok(fit.history.loss.every(Number.isFinite));
      assert.equal(fit.history['eval/knn_acc'].length, 3);
      // The history is the metrics.jsonl epoch records, column by column.
      const epochs = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((r) => r.type === 'epoch');
      assert.deepEqual(fit.history.loss, epochs.map((r) => r.loss));
      assert.deepEqual(fit.history['eval/knn_acc'], epochs.map((r) => r['eval/knn_acc']));
    } finally {
      trainer.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Trainer.fromConfig takes an object: relative imports resolve from baseDir, the opts backend wins, outDir defaults to writing nothing', async () => {
  const trainer = await Trainer.fromConfig(
    {
      ...tinyConfig({ backend: 'wasm', eval: { enabled: true, baselines: false, probeSteps: 5 } }),
      imports: ['./fixtures/tiny-task.js'],
    },
    // evalEvery 0: evaluated after the last epoch only.
    { baseDir: __dirname, backend: 'cpu', set: ['trainer.evalEvery=0'] },
  );
  try {
    assert.equal(tf.getBackend(), 'cpu');
    assert.equal(trainer.paths.root, null);
    assert.deepEqual(trainer.config.imports, [FIXTURE], 'imports are stored absolute, so the run config reads from anywhere');
    const fit = await trainer.fit();
    assert.equal(fit.steps, 8);
    // A metric missing at an epoch is NaN there, keeping every column aligned with `epochs`.
    assert.equal(fit.history.loss.length, 2);
    assert.equal(fit.history['eval/knn_acc'].length, 2);
    assert.ok(Number.isNaN(fit.history['eval/knn_acc'][0]!));
    assert.ok(fit.history['eval/knn_acc'][1]! >= 0 && fit.history['eval/knn_acc'][1]! <= 1);
  } finally {
    trainer.dispose();
  }
});

test('dispose() after fit() frees every tensor the run made, the model\'s constant tables included (MAE)', async () => {
  const before = tf.memory().numTensors;
  const trainer = await Trainer.fromConfig({
    ...tinyConfig({ backend: 'cpu' }),
    imports: [FIXTURE],
    masking: { name: 'random', ratio: 0.5 },
    model: { name: 'mae', width: 8, depth: 1, heads: 1, decoderWidth: 8, decoderDepth: 1, decoderHeads: 1 },
  });
  await trainer.fit();
  trainer.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('Trainer.fromConfig rejects bad input before building anything, with one-line errors', async () => {
  await assert.rejects(Trainer.fromConfig({ ...tinyConfig(), imports: [FIXTURE], model: { name: 'no-such-model' } }), (e: unknown) => e instanceof ConfigError && /model/.test((e as Error).message) && !(e as Error).message.includes('\n'));
  await assert.rejects(Trainer.fromConfig({ ...tinyConfig(), imports: ['./missing.js'] }, { baseDir: __dirname }), (e: unknown) => e instanceof UserError && /imports\.0: cannot find the file '\.\/missing\.js'/.test((e as Error).message));
  await assert.rejects(Trainer.fromConfig({ ...tinyConfig(), imports: ['no-such-package-mtojs'] }), (e: unknown) => e instanceof UserError && /cannot find the package 'no-such-package-mtojs' \(is it installed\?\)/.test((e as Error).message));
  await assert.rejects(Trainer.fromConfig(join(tmpdir(), 'no-such-config.yaml')), (e: unknown) => e instanceof ConfigError && /cannot read the config file/.test((e as Error).message));
});

test('imports: loads an ESM-only package ("type": "module", an import-only exports map) that registers a part', async () => {
  const dir = tmp();
  try {
    // A project folder with the package installed under node_modules, next to @mtojs/core.
    const pkg = join(dir, 'node_modules', 'esm-only-parts');
    mkdirSync(join(pkg, 'lib'), { recursive: true });
    mkdirSync(join(dir, 'node_modules', '@mtojs'), { recursive: true });
    symlinkSync(CORE, join(dir, 'node_modules', '@mtojs', 'core'), 'dir');
    symlinkSync(ZOD, join(dir, 'node_modules', 'zod'), 'dir');
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'esm-only-parts', version: '1.0.0', type: 'module', exports: { '.': { import: './lib/index.js' } } }));
    writeFileSync(
      join(pkg, 'lib', 'index.js'),
      [
        "import { registry } from '@mtojs/core';",
        "import { z } from 'zod';",
        '/** Masks every other token, starting at the first. */',
        'export class AlternateMasking {',
        "  static className = 'alternate';",
        '  static optionsSchema = z.strictObject({});',
        '  constructor(options) { this.options = options; }',
        '  getConfig() { return { ...this.options }; }',
        '  sample(req) {',
        '    const N = req.layout.numTokens;',
        '    const mask = new Uint8Array(req.batchSize * N);',
        '    for (let i = 0; i < mask.length; i++) mask[i] = (i % N) % 2 === 0 ? 1 : 0;',
        '    return { batchSize: req.batchSize, numTokens: N, mask, maskedPerRow: new Int32Array(req.batchSize).fill(Math.ceil(N / 2)) };',
        '  }',
        '}',
        "registry.register('masking', AlternateMasking);",
      ].join('\n'),
    );
    const trainer = await Trainer.fromConfig({ ...tinyConfig(), imports: [FIXTURE, 'esm-only-parts'], masking: { name: 'alternate' } }, { baseDir: dir });
    try {
      assert.deepEqual(trainer.config.imports, [FIXTURE, 'esm-only-parts'], 'package names stay names');
      const fit = await trainer.fit();
      assert.equal(fit.steps, 8);
      assert.ok(fit.history.loss.every(Number.isFinite));
    } finally {
      trainer.dispose();
    }
    // A package whose exports map has no entry for import() is named as such, not as missing.
    const cjsOnly = join(dir, 'node_modules', 'require-only-parts');
    mkdirSync(cjsOnly, { recursive: true });
    writeFileSync(join(cjsOnly, 'package.json'), JSON.stringify({ name: 'require-only-parts', version: '1.0.0', exports: { require: './index.cjs' } }));
    writeFileSync(join(cjsOnly, 'index.cjs'), '');
    await assert.rejects(
      Trainer.fromConfig({ ...tinyConfig(), imports: ['require-only-parts'] }, { baseDir: dir }),
      /imports\.0: the package 'require-only-parts' is installed but exports no entry for import\(\)/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
