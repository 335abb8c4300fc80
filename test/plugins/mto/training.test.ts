import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StepMetrics } from '@mtojs/core';
import { MTO_TERMS, diagnosticNames } from '@mtojs/mto';
import { MTO_ALL_OFF, TINY, fitSteps, mtoOf, tinyTrainer, useCpu } from './tiny-run.js';

before(useCpu);

const STEPS = 4;
const LAYERS = 3;

for (const model of ['mae', 'simmim'] as const) {
  test(`${model}: MTO with every component off gives losses bit-identical to the baseline's`, async () => {
    const base = tinyTrainer(`${model}.yaml`, TINY[model]).trainer;
    const { trainer: off, logger } = tinyTrainer(`${model}.yaml`, [...TINY[model], MTO_ALL_OFF]);
    try {
      const a = await fitSteps(base);
      const b = await fitSteps(off);
      assert.equal(a.length, STEPS);
      assert.deepEqual(b.map((s) => s.loss), a.map((s) => s.loss));
      assert.deepEqual(b.map((s) => s.terms), a.map((s) => s.terms));
      assert.ok(logger.lines.some((l) => /every component is off.*nothing is tapped/.test(l)));
    } finally {
      base.dispose();
      off.dispose();
    }
  });

  test(`${model}: MTO on logs mto/e and mto/r on every step (total = task + 0.1 L_e + 0.1 L_r) and per-layer diagnostics on metric steps only`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtojs-mto-terms-'));
    const { trainer } = tinyTrainer(`${model}-mto.yaml`, [...TINY[model], 'trainer.logEvery=2', 'plugins.mto.diagnostics={enabled: true}'], dir);
    try {
      const steps = await fitSteps(trainer);
      assert.equal(steps.length, STEPS);
      for (const s of steps) {
        assert.deepEqual(Object.keys(s.terms).sort(), ['mto/e', 'mto/r', 'task']);
        const expected = s.terms.task + 0.1 * s.terms[MTO_TERMS.early] + 0.1 * s.terms[MTO_TERMS.rank];
        assert.ok(Math.abs(s.loss - expected) <= 1e-5 * Math.max(1, Math.abs(expected)), `step ${s.step}: ${s.loss} != ${expected}`);
        assert.notEqual(s.loss, s.terms.task);
        assert.ok(s.terms[MTO_TERMS.early] >= 0 && s.terms[MTO_TERMS.early] <= 0.2, `L_e = max(0, 0.2 - Het) lies in [0, 0.2]: ${s.terms[MTO_TERMS.early]}`);
        // L_r acts: with a margin, heterogeneity that does not fall layer by layer costs something.
        assert.ok(s.terms[MTO_TERMS.rank] > 0, `L_r at step ${s.step}: ${s.terms[MTO_TERMS.rank]}`);
        assertDiagnostics(s, (s.step + 1) % 2 === 0);
      }
      assert.equal(Object.keys(mtoOf(trainer).diagnosticMeansByName()).length, 4 * LAYERS);
      // metrics.jsonl (written on metric steps) logs the unweighted terms under loss/NAME.
      const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.type === 'step');
      assert.deepEqual(lines.map((l) => l.step), [1, 3]);
      for (const l of lines) for (const key of ['loss/task', 'loss/mto/e', 'loss/mto/r', 'mto/het/L0', `mto/het/L${LAYERS - 1}`]) assert.equal(typeof l[key], 'number', key);
    } finally {
      trainer.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('mae: diagnostics never change the losses', async () => {
  const runs = [true, false].map((enabled) => tinyTrainer('mae-mto.yaml', [...TINY.mae, `plugins.mto.diagnostics={enabled: ${enabled}}`]).trainer);
  try {
    const [withDiagnostics, without] = [await fitSteps(runs[0]), await fitSteps(runs[1])];
    assert.ok(Object.keys(withDiagnostics[0].extra).some((k) => k.startsWith('mto/')));
    assert.deepEqual(Object.keys(without[0].extra), []);
    assert.deepEqual(withDiagnostics.map((s) => s.loss), without.map((s) => s.loss));
  } finally {
    for (const t of runs) t.dispose();
  }
});

/** On a diagnostic step: the 4 statistics of every layer, Het in [0, 1], no visible->masked mass (hard recalibration); else no mto/ key. */
function assertDiagnostics(s: StepMetrics, expected: boolean): void {
  const reported = Object.keys(s.extra).filter((k) => k.startsWith('mto/')).sort();
  if (!expected) {
    assert.deepEqual(reported, [], `step ${s.step} is not a metric step`);
    return;
  }
  const names = Array.from({ length: LAYERS }, (_, l) => Object.values(diagnosticNames(l))).flat().sort();
  assert.deepEqual(reported, names, `metric step ${s.step}`);
  for (let l = 0; l < LAYERS; l++) {
    const het = s.extra[`mto/het/L${l}`];
    assert.ok(het >= 0 && het <= 1, `mto/het/L${l} = ${het}`);
    assert.equal(s.extra[`mto/vis2mask/L${l}`], 0, 'hard recalibration leaves no visible->masked mass');
  }
}

test("L_r's gradient reaches the encoder in the shipped SimMIM + MTO config (simmim-mto.yaml)", async () => {
  // Two runs of the shipped config, L_e off, differing only in lambdaR: after one step the
  // weights differ exactly where L_r's gradient flows (the encoder), and the task head does not.
  const run = async (lambdaR: number) => {
    const { trainer } = tinyTrainer('simmim-mto.yaml', [...TINY.simmim, 'trainer.epochs=1', 'data.trainSize=16', 'plugins.mto.lambdaE=0', `plugins.mto.lambdaR=${lambdaR}`, 'plugins.mto.diagnostics={enabled: false}']);
    try {
      const steps = await fitSteps(trainer);
      const weights = new Map(trainer.parameters.map((p) => [p.name, Array.from(p.variable.dataSync())]));
      return { steps, weights };
    } finally {
      trainer.dispose();
    }
  };
  const off = await run(0);
  const on = await run(1);
  assert.ok(on.steps[0].terms[MTO_TERMS.rank] > 0, `L_r at step 0: ${on.steps[0].terms[MTO_TERMS.rank]}`);
  const changed = [...on.weights].filter(([name, w]) => w.some((v, i) => v !== off.weights.get(name)![i])).map(([name]) => name);
  assert.ok(changed.some((n) => /encoder/.test(n)), `parameters changed by L_r: ${changed.join(', ') || 'none'}`);
});
