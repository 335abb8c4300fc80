import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { PNG } from 'pngjs';
import { MemoryLogger, Rng, TrainerHooks, artifactImageSaver, type EvalContext } from '@mtojs/core';
import { RandomMasking } from '@mtojs/masking';
import { ImageAdapter, MnistData, SHEET_EXAMPLES, SHEET_GUTTER, sheetScale } from '@mtojs/image';

const SHEET_SCALE = sheetScale(28, 28);
import { PatchLinearModel, partContext } from './fixtures.js';

let dir: string;
let data: MnistData;

before(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'mtojs-sheet-'));
  data = new MnistData({ trainSize: 16, testSize: 16 });
  await data.load();
});

after(() => rmSync(dir, { recursive: true, force: true }));

function setup(normPix: boolean) {
  const ctx = partContext(5);
  const adapter = new ImageAdapter({ patchSize: 4, normPix }, ctx);
  const layout = adapter.setup(data.info);
  const model = new PatchLinearModel(8);
  model.build(layout, adapter, ctx.init);
  return { adapter, model };
}

function evalContext(adapter: ImageAdapter, model: PatchLinearModel, outDir: string | null): EvalContext {
  return {
    model,
    adapter,
    data,
    masking: new RandomMasking({ ratio: 0.75 }),
    split: 'test',
    epoch: 0,
    step: 10,
    outDir,
    // What the trainer gives evaluators: PNG files under the run's artefacts directory.
    saveImage: outDir === null ? null : artifactImageSaver(outDir),
    rng: new Rng(1).stream('eval'),
    hooks: new TrainerHooks(),
    logger: new MemoryLogger(),
    batchSize: 64,
    tag: 'epoch-001',
  };
}

test('evaluate writes a 3-row reconstruction sheet of the first 8 test digits, scaled up, and leaks no tensors', async () => {
  const { adapter, model } = setup(true);
  const before = tf.memory().numTensors;
  const metrics = await adapter.evaluate(evalContext(adapter, model, dir));
  assert.equal(tf.memory().numTensors, before, 'evaluate leaks no tensors');
  assert.ok(Number.isFinite(metrics.recon_mse) && metrics.recon_mse > 0, `recon_mse ${metrics.recon_mse}`);
  assert.ok(Number.isFinite(metrics.recon_mse_pixels) && metrics.recon_mse_pixels > 0, `recon_mse_pixels ${metrics.recon_mse_pixels}`);

  const file = join(dir, 'recon-epoch-001.png');
  assert.ok(existsSync(file));
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.')), [], 'no temp files left behind');
  const png = PNG.sync.read(readFileSync(file));
  const n = SHEET_EXAMPLES;
  assert.equal(png.width, (n * 28 + (n + 1) * SHEET_GUTTER) * SHEET_SCALE);
  assert.equal(png.height, (3 * 28 + 4 * SHEET_GUTTER) * SHEET_SCALE);

  // Not blank: each row's cells contain many distinct gray levels; the masked row shows the grey fill.
  const cellGray = (row: number, col: number) => {
    const values = new Set<number>();
    const top = (SHEET_GUTTER + row * (28 + SHEET_GUTTER)) * SHEET_SCALE;
    const left = (SHEET_GUTTER + col * (28 + SHEET_GUTTER)) * SHEET_SCALE;
    for (let y = top; y < top + 28 * SHEET_SCALE; y++) for (let x = left; x < left + 28 * SHEET_SCALE; x++) values.add(png.data[(y * png.width + x) * 4]);
    return values;
  };
  for (let row = 0; row < 3; row++) assert.ok(cellGray(row, 0).size > 5, `row ${row} has content`);
  assert.ok(cellGray(1, 0).has(128), 'masked patches are drawn grey');
  // The original row equals the digit itself: its top-left corner is MNIST background (black).
  const corner = ((SHEET_GUTTER * SHEET_SCALE) * png.width + SHEET_GUTTER * SHEET_SCALE) * 4;
  assert.deepEqual([png.data[corner], png.data[corner + 1], png.data[corner + 2]], [0, 0, 0]);
  model.dispose();
});

test('evaluate is repeatable (fixed eval stream) and writes nothing when outDir is null', async () => {
  const { adapter, model } = setup(false);
  const before = tf.memory().numTensors;
  const filesBefore = readdirSync(dir).length;
  const a = await adapter.evaluate(evalContext(adapter, model, null));
  const b = await adapter.evaluate(evalContext(adapter, model, null));
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(a, b);
  // Without normPix the task loss is already in pixel space.
  assert.ok(Math.abs(a.recon_mse - a.recon_mse_pixels) < 1e-6);
  assert.equal(readdirSync(dir).length, filesBefore, 'nothing written');
  model.dispose();
});

test('sheets enlarge small images 4x and leave large ones at their size', () => {
  assert.equal(sheetScale(28, 28), 4);
  assert.equal(sheetScale(32, 32), 4);
  assert.equal(sheetScale(64, 48), 2);
  assert.equal(sheetScale(224, 224), 1);
});

test('evaluate on an empty split returns no metrics', async () => {
  const { adapter, model } = setup(true);
  const empty = evalContext(adapter, model, dir);
  empty.split = 'val';
  assert.deepEqual(await adapter.evaluate(empty), {});
  model.dispose();
});
