import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convergence as cv } from '@mtojs/bench';

const close = (a: number | null, b: number, eps = 1e-12) => assert.ok(a !== null && Math.abs(a - b) <= eps, `${a} != ${b}`);

test('mean, sample std (n - 1), spread', () => {
  assert.equal(cv.mean([]), null);
  close(cv.mean([1, 2, 6]), 3);
  assert.equal(cv.std([5]), null);
  // deviations -2, -1, 3: squares 4 + 1 + 9 = 14, / (3 - 1) = 7
  close(cv.std([1, 2, 6]), Math.sqrt(7));
  const s = cv.spread([0.5, NaN, 0.7]);
  assert.equal(s.n, 2);
  close(s.mean, 0.6);
  close(s.std, Math.sqrt(0.02));
  assert.equal(s.min, 0.5);
  assert.equal(s.max, 0.7);
  assert.deepEqual(cv.spread([]), { mean: null, std: null, n: 0, min: null, max: null });
});

test('AUC: trapezoid over epochs divided by their span; one point is its value', () => {
  assert.equal(cv.auc([]), null);
  assert.equal(cv.auc([[1, 0.4]]), 0.4);
  // (0.2+0.6)/2 + (0.6+0.8)/2 = 0.4 + 0.7 = 1.1 over span 2
  close(cv.auc([[1, 0.2], [2, 0.6], [3, 0.8]]), 0.55);
  close(cv.auc([[1, 0.9], [2, 0.9], [3, 0.9], [4, 0.9]]), 0.9);
  close(cv.ratio(0.55, 0.5), 1.1);
  assert.equal(cv.ratio(0.5, 0), null);
  assert.equal(cv.ratio(null, 0.5), null);
});

test('epochs-to-target: first epoch reaching it, null when never; direction min for losses', () => {
  const curve: [number, number][] = [[1, 0.3], [2, 0.7], [3, 0.65], [4, 0.8]];
  assert.equal(cv.epochsToTarget(curve, 0.7, 'max'), 2);
  assert.equal(cv.epochsToTarget(curve, 0.31, 'max'), 2);
  assert.equal(cv.epochsToTarget(curve, 0.3, 'max'), 1);
  assert.equal(cv.epochsToTarget(curve, 0.81, 'max'), null);
  assert.equal(cv.epochsToTarget([[1, 2.0], [2, 1.5], [3, 1.2]], 1.5, 'min'), 2);
  assert.equal(cv.epochsToTarget([[1, 2.0], [2, 1.5]], 1.0, 'min'), null);
  // a target that is a mean over seeds carries rounding error; an arm exactly at it reaches it
  assert.equal(cv.epochsToTarget([[1, 0.5], [2, 0.7]], (0.6 + 0.8) / 2, 'max'), 2);
  assert.equal(cv.epochsToTarget([[1, 0.5], [2, 0.6999]], (0.6 + 0.8) / 2, 'max'), null);
  assert.equal(cv.defaultDirection('eval/mlm_loss'), 'min');
  assert.equal(cv.defaultDirection('eval/recon_mse'), 'min');
  assert.equal(cv.defaultDirection('eval/probe_acc'), 'max');
});

test('mean curve over seeds keeps the epochs every seed has', () => {
  const m = cv.meanCurve([
    [[1, 0.2], [2, 0.4], [3, 0.6]],
    [[1, 0.4], [2, 0.6]],
  ]);
  assert.deepEqual(m.map((p) => p.epoch), [1, 2]);
  close(m[0].mean, 0.3);
  close(m[1].std, Math.sqrt(0.02));
});

test('epoch records: the later record of a repeated epoch wins; a cut line is skipped', () => {
  const text = [
    JSON.stringify({ type: 'step', step: 0, loss: 1 }),
    JSON.stringify({ type: 'epoch', epoch: 0, loss: 1, 'eval/probe_acc': 0.1 }),
    JSON.stringify({ type: 'epoch', epoch: 1, loss: 0.9, 'eval/probe_acc': 0.2 }),
    JSON.stringify({ type: 'epoch', epoch: 1, loss: 0.8, 'eval/probe_acc': 0.25 }),
    '{"type":"epoch","epoch":2,"lo',
  ].join('\n');
  const recs = cv.parseEpochRecords(text);
  assert.deepEqual(recs.map((r) => r.epoch), [0, 1]);
  assert.deepEqual(cv.metricCurve(recs, 'eval/probe_acc'), [[1, 0.1], [2, 0.25]]);
  assert.deepEqual(cv.finalMetrics(recs), { loss: 0.8, 'eval/probe_acc': 0.25 });
  const dir = mkdtempSync(join(tmpdir(), 'mtojs-split-'));
  try {
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ run: dir, evalSplit: 'val' }));
    assert.equal(cv.readEvalSplit(join(dir, 'summary.json')), 'val');
    writeFileSync(join(dir, 'old.json'), JSON.stringify({ run: dir }));
    assert.equal(cv.readEvalSplit(join(dir, 'old.json')), null);
    assert.equal(cv.readEvalSplit(join(dir, 'nothing.json')), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A finished run on disk, as the runner leaves it: run.json, metrics.jsonl, done.json. */
function fakeRun(run: cv.RunSpec, values: number[], seconds = 10): void {
  mkdirSync(run.dir, { recursive: true });
  writeFileSync(cv.runFile(run), JSON.stringify({ key: cv.runKey(run) }));
  writeFileSync(cv.metricsFile(run), values.map((v, e) => JSON.stringify({ type: 'epoch', epoch: e, loss: 1 - v, 'eval/probe_acc': v, 'eval/knn_acc': v / 2 })).join('\n') + '\n');
  writeFileSync(cv.doneFile(run), JSON.stringify({ key: cv.runKey(run), arm: run.arm, seed: run.seed, epochs: run.epochs, evalSplit: 'test', seconds, finishedAt: 'now' }));
}

test('study statistics from run directories: hand-computed epochs-to-target, RAUC, mean ± std', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mtojs-conv-stats-'));
  try {
    const plan: cv.StudyPlan = {
      version: 1,
      name: 's',
      metric: 'eval/probe_acc',
      direction: 'max',
      split: 'test',
      seeds: [0, 1],
      sets: [],
      arms: [
        { name: 'baseline', config: join(dir, 'a.yaml'), configSha256: 'x', sets: [], epochs: 4 },
        { name: 'mto', config: join(dir, 'b.yaml'), configSha256: 'y', sets: [], epochs: 4 },
      ],
    };
    const runs = cv.runsOf(plan, dir);
    const get = (arm: string, seed: number) => runs.find((r) => r.arm === arm && r.seed === seed)!;
    fakeRun(get('baseline', 0), [0.2, 0.4, 0.5, 0.6]); // AUC (0.3 + 0.45 + 0.55) / 3 = 1.3 / 3
    fakeRun(get('baseline', 1), [0.3, 0.5, 0.7, 0.8]); // AUC (0.4 + 0.6 + 0.75) / 3 = 1.75 / 3
    fakeRun(get('mto', 0), [0.3, 0.6, 0.7, 0.7]); //      AUC (0.45 + 0.65 + 0.7) / 3 = 1.8 / 3; reaches 0.6 at epoch 2
    fakeRun(get('mto', 1), [0.3, 0.5, 0.6, 0.7]); //      AUC (0.4 + 0.55 + 0.65) / 3 = 1.6 / 3; never reaches 0.8
    const r = cv.analyzeStudy({ dir, plan, runs, warnings: [], title: 't' });
    assert.equal(r.runs.length, 4);
    assert.deepEqual(r.missing, []);
    const [base, mto] = r.arms;
    close(base.metric.mean, 0.7);
    close(base.metric.std, Math.sqrt(0.02));
    close(mto.metric.mean, 0.7);
    close(mto.metric.std, 0);
    close(mto.auc.mean, (1.8 / 3 + 1.6 / 3) / 2);
    // per seed RAUC: 1.8 / 1.3 and 1.6 / 1.75
    close(mto.rauc.mean, (1.8 / 1.3 + 1.6 / 1.75) / 2);
    close(mto.rauc.std, cv.std([1.8 / 1.3, 1.6 / 1.75])!);
    close(mto.raucOfMeans, 3.4 / 3.05);
    close(base.rauc.mean, 1);
    // epochs-to-target, same seed: seed 0 at epoch 2 (ratio 2/4), seed 1 not reached
    assert.deepEqual(mto.toTargetSameSeed.perSeed.map((p) => [p.seed, p.epoch, p.ratio]), [[0, 2, 0.5], [1, null, null]]);
    assert.equal(mto.toTargetSameSeed.reached, 1);
    assert.equal(mto.toTargetSameSeed.n, 2);
    assert.equal(mto.toTargetSameSeed.epochs.mean, 2);
    // vs the baseline's seed mean (0.7): seed 0 at 3, seed 1 at 4; the mean curve (0.3, 0.55, 0.65, 0.7) at 4
    close(mto.toTargetBaselineMean.target, 0.7);
    assert.deepEqual(mto.toTargetBaselineMean.perSeed.map((p) => p.epoch), [3, 4]);
    close(mto.toTargetBaselineMean.epochs.mean, 3.5);
    close(mto.toTargetBaselineMean.ratio.mean, 3.5 / 4);
    assert.equal(mto.meanCurveToTarget, 4);
    close(mto.final['eval/knn_acc'].mean, 0.35);
    close(mto.final.loss.mean, 0.3);
    // a missing run is listed and left out
    rmSync(cv.doneFile(get('mto', 1)));
    const partial = cv.analyzeStudy({ dir, plan, runs, warnings: [], title: 't' });
    assert.deepEqual(partial.missing.map((m) => `${m.arm}/${m.seed}`), ['mto/1']);
    assert.equal(partial.arms[1].finished, 1);
    const md = cv.formatStudyMarkdown(r);
    assert.match(md, /\| mto \| 2\/2 \| 0\.700 ± 0\.000 \|/);
    assert.match(md, /\| mto \| 1 \| 0\.700 \| 0\.533 \| 0\.914 \| not reached \(target 0\.800\) \| 4 \| 10 \|/);
    const svg = cv.curvesSvg(r);
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg, /mto \(n=2\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('paired differences: per-seed arm - baseline, mean, std, a hand-checked 95% t-interval and a bootstrap interval inside the range', () => {
  const pairs = [0.1, 0.3, 0.2, 0.4, 0.0].map((d, seed) => ({ seed, arm: 0.5 + d, baseline: 0.5 }));
  const p = cv.pairedDifference(pairs);
  assert.equal(p.n, 5);
  close(p.mean, 0.2, 1e-12);
  const sd = Math.sqrt(0.1 / 4); // deviations -0.1, 0.1, 0, 0.2, -0.2
  close(p.std, sd, 1e-12);
  const half = (2.776 * sd) / Math.sqrt(5);
  close(p.t95![0], 0.2 - half, 1e-9);
  close(p.t95![1], 0.2 + half, 1e-9);
  assert.ok(p.bootstrap95![0] >= 0 && p.bootstrap95![1] <= 0.4 && p.bootstrap95![0] < 0.2 && p.bootstrap95![1] > 0.2, `bootstrap ${p.bootstrap95}`);
  assert.deepEqual(cv.pairedDifference(pairs), p, 'the bootstrap is seeded: the same intervals every time');
  const one = cv.pairedDifference(pairs.slice(0, 1));
  assert.equal(one.t95, null);
  assert.equal(one.bootstrap95, null);
  assert.equal(cv.tQuantile975(1), 12.706);
  assert.equal(cv.tQuantile975(1000), 1.96);
});

test('separate budgets: --budgets 0.5,1 trains every arm for E/2 and E epochs, each its own run, and pairs them with the baseline at E', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mtojs-conv-budget-'));
  try {
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    const base = { name: 'a', data: { name: 'mnist', trainSize: 32, testSize: 32 }, adapter: { name: 'image', patchSize: 7 }, masking: { name: 'random' }, model: { name: 'mae' }, trainer: { epochs: 4 } };
    writeFileSync(a, JSON.stringify(base));
    writeFileSync(b, JSON.stringify({ ...base, name: 'b' }));
    const args = cv.parseConvergenceArgs(['--baseline', a, '--mto', b, '--seeds', '2', '--budgets', '1,0.5', '--out', join(dir, 'out')]);
    assert.deepEqual(args.budgets, [1, 0.5]);
    const study = cv.planStudy(cv.studyDefs(args)[0], args.out);
    assert.deepEqual(study.plan.arms.map((x) => [x.name, x.epochs, x.sets.at(-1)]), [
      ['baseline@1', 4, 'trainer.epochs=4'],
      ['baseline@0.5', 2, 'trainer.epochs=2'],
      ['mto@1', 4, 'trainer.epochs=4'],
      ['mto@0.5', 2, 'trainer.epochs=2'],
    ]);
    assert.deepEqual(study.plan.budgets, [1, 0.5]);
    assert.equal(study.runs.length, 8);
    assert.ok(study.runs.find((r) => r.arm === 'mto@0.5' && r.seed === 1)!.dir.endsWith(join('mto', 'budget-0.5', 'seed-1')));
    // The headline comparison: MTO at E/2 against the baseline at E, seed by seed.
    const get = (arm: string, seed: number) => study.runs.find((r) => r.arm === arm && r.seed === seed)!;
    for (const seed of [0, 1]) {
      fakeRun(get('baseline@1', seed), [0.2, 0.4, 0.5, 0.6 + 0.1 * seed]);
      fakeRun(get('baseline@0.5', seed), [0.3, 0.5]);
      fakeRun(get('mto@1', seed), [0.3, 0.5, 0.6, 0.7]);
      fakeRun(get('mto@0.5', seed), [0.4, 0.65 + 0.1 * seed]);
    }
    const r = cv.analyzeStudy(study);
    const half = r.arms.find((x) => x.name === 'mto@0.5')!;
    assert.deepEqual(half.paired.perSeed.map((x) => [x.seed, Number(x.diff.toFixed(12))]), [[0, 0.05], [1, 0.05]]);
    close(half.paired.mean, 0.05, 1e-12);
    const md = cv.formatStudyMarkdown(r);
    assert.match(md, /### Paired differences \(by seed\)/);
    assert.match(md, /\| mto@0\.5 \| 2 \| 0\.050 \|/);
    assert.match(md, /within one schedule/);
    assert.throws(() => cv.parseConvergenceArgs(['--baseline', a, '--mto', b, '--budgets', '0.5,1.5']), /--budgets: expected fractions of the epochs in \(0, 1\]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
