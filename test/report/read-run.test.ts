import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReportInputError, downsample, epochMeanSeries, evalKeys, evalSeries, layerMatrix, lossKeys, parseMetrics, readRun, spreadPick, stepSeries } from '@mtojs/report';
import { workspace, writeSyntheticRun } from './helpers.js';

test('parseMetrics: records by type, the last of a repeated step wins (resume), null is NaN', () => {
  const text = [
    '{"type":"baseline","init_knn_acc":0.3}',
    '{"type":"step","step":0,"epoch":0,"loss":2}',
    '{"type":"step","step":1,"epoch":0,"loss":1.5,"note":"text is ignored"}',
    '',
    '{"type":"step","step":1,"epoch":0,"loss":1.25}',
    '{"type":"epoch","epoch":0,"step":2,"loss":null}',
    '{"type":"plugin-thing","x":1}',
  ].join('\n');
  const m = parseMetrics(text, 'm.jsonl');
  assert.deepEqual(m.steps.map((s) => [s.step, s.loss]), [[0, 2], [1, 1.25]]);
  assert.equal(m.steps[1]!.note, undefined);
  assert.equal(m.epochs.length, 1);
  assert.ok(Number.isNaN(m.epochs[0]!.loss));
  assert.equal(m.baseline?.init_knn_acc, 0.3);
});

test('parseMetrics names the file and line of a corrupt or wrong record', () => {
  assert.throws(() => parseMetrics('{"type":"step","step":0}\n{"type":"step", "st', 'run/metrics.jsonl'), (e: unknown) => e instanceof ReportInputError && e.exitCode === 2 && /^run\/metrics\.jsonl:2: not valid JSON/.test(e.message));
  assert.throws(() => parseMetrics('\n[1,2]\n', 'f'), /: f:2: expected a JSON object/);
  assert.throws(() => parseMetrics('{"type":"epoch","loss":1}', 'f'), /: f:1: an 'epoch' record without a numeric 'epoch' field/);
  // Readers of runs that may be killed mid-write pass over such lines and keep the rest.
  const tolerant = parseMetrics('{"type":"epoch","epoch":0,"loss":1}\n[1]\n{"type":"epoch","loss":2}\n{"type":"epoch","epoch":1,"lo', 'f', { skipBadLines: true });
  assert.deepEqual(tolerant.epochs, [{ epoch: 0, loss: 1 }]);
});

test('readRun reads a run directory and rejects what is not one, naming the path', () => {
  const ws = workspace();
  try {
    const run = readRun(writeSyntheticRun(join(ws, 'a'), { name: 'alpha' }));
    assert.equal(run.name, 'alpha');
    assert.equal(run.steps.length, 12);
    assert.equal(run.epochs.length, 3);
    assert.deepEqual(run.images.map((i) => i.name), ['recon-epoch-003.png']);
    assert.throws(() => readRun(join(ws, 'missing')), /missing: no such directory/);
    writeFileSync(join(ws, 'file'), 'x');
    assert.throws(() => readRun(join(ws, 'file')), /file: not a directory/);
    mkdirSync(join(ws, 'empty'));
    assert.throws(() => readRun(join(ws, 'empty')), /empty\/metrics\.jsonl: not found; is .*empty a run directory/);
    writeFileSync(join(ws, 'a', 'config.json'), '{"name": ');
    assert.throws(() => readRun(join(ws, 'a')), (e: unknown) => e instanceof ReportInputError && /a\/config\.json: not valid JSON/.test(e.message));
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test('series: loss and eval keys, x positions, the random-init baseline at epoch 0', () => {
  const ws = workspace();
  try {
    const run = readRun(writeSyntheticRun(join(ws, 'a')));
    assert.deepEqual(lossKeys([run]), ['loss', 'loss/task']);
    assert.deepEqual(evalKeys([run]), ['eval/knn_acc', 'eval/probe_acc']);
    // Step records count from 0: x = steps done.
    assert.deepEqual(stepSeries(run, 'loss').slice(0, 2), [[1, 1], [2, 0.5]]);
    // Epoch e covers steps 4e+1 .. 4e+4: its mean sits at 4e + 2.5.
    assert.deepEqual(epochMeanSeries(run, 'loss').map((p) => p[0]), [2.5, 6.5, 10.5]);
    const knn = evalSeries(run, 'eval/knn_acc');
    assert.deepEqual(knn.map((p) => p[0]), [0, 1, 2, 3]);
    assert.equal(knn[0]![1], 0.3);
    assert.ok(Math.abs(knn[3]![1] - 0.6) < 1e-12);
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test('layerMatrix: rows = layers in order, columns = epochs, values = epoch means', () => {
  const ws = workspace();
  try {
    const run = readRun(writeSyntheticRun(join(ws, 'a')));
    const m = layerMatrix(run, 'mto/het/')!;
    assert.deepEqual(m.rowLabels, ['L0', 'L1', 'L2']);
    assert.deepEqual(m.colLabels, ['1', '2', '3']);
    assert.equal(m.xLabel, 'epoch');
    for (let l = 0; l < 3; l++) for (let e = 0; e < 3; e++) assert.ok(Math.abs(m.values[l]![e]! - (0.1 * l + 0.01 * e)) < 1e-12, `L${l} epoch ${e + 1}`);
    assert.equal(layerMatrix(readRun(writeSyntheticRun(join(ws, 'b'), { diagnostics: false })), 'mto/het/'), null);
    // Within one epoch: step bins, and layer 10 sorts after layer 2.
    const one = { ...run, steps: [0, 1, 2, 3].map((s) => ({ step: s, epoch: 0, 'mto/het/L10': s, 'mto/het/L2': 1 })) };
    const b = layerMatrix(one, 'mto/het/', 2)!;
    assert.equal(b.xLabel, 'step');
    assert.deepEqual(b.rowLabels, ['L2', 'L10']);
    assert.deepEqual(b.colLabels, ['1–2', '3–4']);
    assert.deepEqual(b.values, [[1, 1], [0.5, 2.5]]);
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test('downsample averages buckets; spreadPick keeps first, last and evenly between', () => {
  const pts: [number, number][] = Array.from({ length: 10 }, (_, i) => [i, i * 2]);
  assert.deepEqual(downsample(pts, 5), [[0.5, 1], [2.5, 5], [4.5, 9], [6.5, 13], [8.5, 17]]);
  assert.equal(downsample(pts, 20), pts);
  assert.deepEqual(spreadPick(10, 4), [0, 3, 6, 9]);
  assert.deepEqual(spreadPick(3, 5), [0, 1, 2]);
  assert.deepEqual(spreadPick(5, 1), [4]);
  assert.deepEqual(spreadPick(5, 0), []);
});
