import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convergence as cv } from '@mtojs/bench';

/**
 * Stands in for `mto train` in the runner's tests: reads --config, the --set overrides and --out,
 * writes one epoch record per epoch, a checkpoint marker and summary.json (it always evaluates on
 * test, as the CLI does for data without a val split), and appends its
 * argv to $FAKE_MTO_CALLS. $FAKE_MTO_FAIL names an output directory to fail in.
 */
const FAKE_MTO = `
const fs = require('node:fs'); const path = require('node:path');
const argv = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_MTO_CALLS, JSON.stringify(argv) + '\\n');
const get = (f) => argv[argv.indexOf(f) + 1];
const out = get('--out');
if (process.env.FAKE_MTO_FAIL && out.endsWith(process.env.FAKE_MTO_FAIL)) { console.error('boom'); process.exit(3); }
const cfg = JSON.parse(fs.readFileSync(get('--config'), 'utf8'));
const sets = argv.flatMap((a, i) => (a === '--set' ? [argv[i + 1]] : []));
let epochs = cfg.trainer.epochs, seed = 0;
for (const s of sets) { const [k, v] = s.split('='); if (k === 'trainer.epochs') epochs = Number(v); if (k === 'seed') seed = Number(v); }
console.error('data: 10 train / 5 test examples; 4 tokens');
fs.mkdirSync(path.join(out, 'checkpoints'), { recursive: true });
fs.writeFileSync(path.join(out, 'checkpoints', 'latest'), 'step-1');
const lines = [];
for (let e = 0; e < epochs; e++) lines.push(JSON.stringify({ type: 'epoch', epoch: e, loss: 1 / (e + 1), 'eval/probe_acc': 0.5 + 0.1 * e + 0.01 * seed + (cfg.name === 'b' ? 0.05 : 0) }));
fs.writeFileSync(path.join(out, 'metrics.jsonl'), lines.join('\\n') + '\\n');
fs.writeFileSync(path.join(out, 'summary.json'), JSON.stringify({ run: out, evalSplit: 'test' }));
`;

function workspace() {
  const dir = mkdtempSync(join(tmpdir(), 'mtojs-conv-plan-'));
  const a = join(dir, 'a.json');
  const b = join(dir, 'b.json');
  const base = { name: 'a', data: { name: 'sines' }, adapter: { name: 'signal' }, masking: { name: 'exact-random' }, model: { name: 'tiny-attention' }, trainer: { epochs: 3 } };
  writeFileSync(a, JSON.stringify(base));
  writeFileSync(b, JSON.stringify({ ...base, name: 'b', plugins: [{ name: 'mto' }] }));
  const fake = join(dir, 'fake-mto.js');
  writeFileSync(fake, FAKE_MTO);
  return { dir, a, b, fake, calls: join(dir, 'calls.log') };
}

function args(extra: string[], w: ReturnType<typeof workspace>) {
  return cv.parseConvergenceArgs(['--baseline', w.a, '--mto', w.b, '--seeds', '2', '--out', join(w.dir, 'out'), ...extra]);
}

function plan(w: ReturnType<typeof workspace>, extra: string[] = []) {
  const a = args(extra, w);
  return cv.planStudy(cv.studyDefs(a)[0], a.out);
}

test('flags: presets, custom arms, shorthands; each mistake is one line naming the flag', () => {
  const a = cv.parseConvergenceArgs(['--study', 'vision', '--seeds', '1,5', '--epochs', '8', '--probe-labels=200', '--mask-ratio', '0.9', '--split', 'val', '--jobs', '2', '--arm-set', 'mto:plugins.mto.lambdaE=0.2']);
  assert.deepEqual(a.studies, ['vision']);
  assert.deepEqual(a.seeds, [1, 5]);
  const [def] = cv.studyDefs(a);
  assert.deepEqual(def.sets, ['trainer.epochs=8', 'eval.maxTrainExamples=200', 'masking.ratio=0.9']);
  assert.deepEqual(def.arms.map((x) => x.name), ['baseline', 'mto']);
  assert.deepEqual(def.arms[1].sets, ['plugins.mto.lambdaE=0.2']);
  assert.equal(def.metric, 'eval/probe_acc');
  assert.equal(def.split, 'val');
  const [text] = cv.studyDefs(cv.parseConvergenceArgs(['--study', 'text', '--mask-ratio', '0.3']));
  assert.equal(text.metric, 'eval/mlm_acc');
  assert.deepEqual(text.sets, ['masking.selectRatio=0.3']);
  assert.deepEqual(cv.parseConvergenceArgs(['--study', 'vision', '--seeds', '3']).seeds, [0, 1, 2]);
  for (const [argv, pattern] of [
    [[], /^choose a study/],
    [['--study', 'vison'], /^--study: unknown study 'vison' \(known: vision, /],
    [['--study', 'vision', '--set', 'seed=3'], /^--set seed=3: the study sets 'seed' itself \(use --seeds\)/],
    [['--study', 'vision', '--set', 'trainer.evalEvery=2'], /^--set trainer\.evalEvery=2: the study sets/],
    [['--study', 'vision', '--set', 'epochs'], /^--set epochs: expected KEY=VALUE/],
    [['--study', 'vision', '--seeds', '0'], /^--seeds: expected a whole number >= 1, got '0'/],
    [['--study', 'vision', '--seeds', '1,1'], /^--seeds: '1,1' lists a seed twice/],
    [['--study', 'vision', '--split', 'train'], /^--split: expected val or test, got 'train'/],
    [['--study', 'vision', '--mask-ratio', '1'], /^--mask-ratio: expected a number between 0 and 1/],
    [['--study', 'vision', '--jobs', '-1'], /^--jobs: expected a whole number >= 1, got '-1'/],
    [['--study', 'vision', '--jobs'], /^--jobs: missing value/],
    [['--study', 'vision', '--jobs', 'x'], /^--jobs: expected a whole number >= 1, got 'x'/],
    [['--study', 'vision', '--fast'], /^unknown flag '--fast'/],
    [['--study', 'vision', '--mto', 'b.yaml'], /^--mto: not with --study/],
    [['--mto', 'b.yaml'], /^--baseline FILE is required/],
    [['--baseline', 'a.yaml'], /^a custom study needs a second arm/],
    [['--baseline', 'a.yaml', '--arm', 'x y=b.yaml'], /^--arm: arm name 'x y' must start/],
    [['--study', 'vision', '--arm-set', 'nope:a=1'], /^--arm-set: no arm is named 'nope'/],
    [['--study', 'vision', '--arm', 'mto=b.yaml'], /^--arm: the study 'vision' already has an arm named 'mto'/],
    [['--study', 'vision', '--dry-run=1'], /^--dry-run: takes no value/],
    [['--report-only'], /^--report-only: name the study/],
  ] as const) {
    assert.throws(
      () => cv.studyDefs(cv.parseConvergenceArgs(argv)),
      (e: unknown) => e instanceof cv.ConvergenceUsageError && pattern.test(e.message) && !e.message.includes('\n'),
      argv.join(' '),
    );
  }
});

test('planning: runs seed-major with the forced overrides last; a bad override or file stops before any run', () => {
  const w = workspace();
  try {
    const s = plan(w, ['--set', 'trainer.epochs=2', '--arm-set', 'mto:trainer.batchSize=8']);
    assert.deepEqual(s.runs.map((r) => `${r.arm}/${r.seed}`), ['baseline/0', 'mto/0', 'baseline/1', 'mto/1']);
    assert.deepEqual(s.runs[1].sets, ['trainer.epochs=2', 'trainer.batchSize=8', 'seed=0', 'trainer.evalEvery=1', 'eval.enabled=true', 'eval.split=test']);
    assert.equal(s.runs[0].epochs, 2);
    assert.equal(s.runs[3].dir, join(w.dir, 'out', 'custom', 'mto', 'seed-1'));
    assert.deepEqual(s.warnings, ["arm 'mto' differs from 'baseline' beyond name and plugins: trainer.batchSize"]);
    const argv = cv.childArgs('/x/mto.js', s.runs[0], true);
    assert.deepEqual(argv.slice(0, 4), ['/x/mto.js', 'train', '--config', w.a]);
    assert.deepEqual(argv.slice(-3), ['--out', s.runs[0].dir, '--resume']);
    assert.throws(() => plan(w, ['--set', 'trainer.epochs=0']), (e: unknown) => e instanceof cv.ConvergenceUsageError && /^arm 'baseline': .*a\.json: trainer\.epochs: /.test(e.message));
    assert.throws(
      () => cv.planStudy(cv.studyDefs(cv.parseConvergenceArgs(['--baseline', join(w.dir, 'none.yaml'), '--mto', w.b]))[0], w.dir),
      (e: unknown) => e instanceof cv.ConvergenceUsageError && /^arm 'baseline': config file .*none\.yaml not found$/.test(e.message),
    );
  } finally {
    rmSync(w.dir, { recursive: true, force: true });
  }
});

test('study.json: the same plan passes, another plan is an error naming the difference, --force replaces it', () => {
  const w = workspace();
  try {
    const s = plan(w);
    mkdirSync(s.dir, { recursive: true });
    cv.ensureStudyPlan(s.dir, s.plan, false);
    assert.ok(existsSync(cv.studyFile(s.dir)));
    assert.deepEqual(cv.ensureStudyPlan(s.dir, plan(w).plan, false).replaced, []);
    const three = plan(w, ['--seeds', '3', '--epochs', '5']).plan;
    assert.throws(
      () => cv.ensureStudyPlan(s.dir, three, false),
      (e: unknown) => e instanceof cv.StudyStateError && /holds another plan \(seeds: \[0,1\] before, \[0,1,2\] now; sets: \[\] before, \["trainer\.epochs=5"\] now\); use another --out, or --force/.test(e.message),
    );
    writeFileSync(w.b, readFileSync(w.b, 'utf8').replace('"b"', '"b2"'));
    assert.throws(() => cv.ensureStudyPlan(s.dir, plan(w).plan, false), /arm 'mto': .*b\.json was edited since the study started/);
    const { replaced } = cv.ensureStudyPlan(s.dir, three, true);
    assert.equal(replaced.length, 2);
    assert.deepEqual(cv.readStudyPlan(s.dir)!.seeds, [0, 1, 2]);
  } finally {
    rmSync(w.dir, { recursive: true, force: true });
  }
});

test('run status: fresh, resumable after a checkpoint, done only with a matching done.json, stale after a change', () => {
  const w = workspace();
  try {
    const [run] = plan(w).runs;
    assert.equal(cv.runStatus(run).kind, 'fresh');
    assert.equal(cv.prepareRun(run, cv.runStatus(run)), false);
    assert.ok(existsSync(cv.runFile(run)));
    assert.equal(cv.runStatus(run).kind, 'fresh'); // started, but no checkpoint yet
    mkdirSync(join(run.dir, 'checkpoints'));
    writeFileSync(join(run.dir, 'checkpoints', 'latest'), 'step-3');
    assert.equal(cv.runStatus(run).kind, 'resume');
    assert.equal(cv.prepareRun(run, cv.runStatus(run)), true);
    assert.ok(existsSync(join(run.dir, 'checkpoints', 'latest')), 'resuming keeps the checkpoint');
    // the child exited 0 but stopped short of the last epoch: not finished
    writeFileSync(cv.metricsFile(run), JSON.stringify({ type: 'epoch', epoch: 0 }) + '\n');
    assert.match(cv.finishRun(run, 1, 'test') as string, /ends at epoch 1 of 3/);
    writeFileSync(cv.metricsFile(run), [0, 1, 2].map((e) => JSON.stringify({ type: 'epoch', epoch: e })).join('\n'));
    const done = cv.finishRun(run, 1, 'test');
    assert.equal(typeof done, 'object');
    assert.equal(cv.runStatus(run).kind, 'done');
    const edited = { ...run, sets: [...run.sets, 'trainer.batchSize=4'] };
    assert.equal(cv.runStatus(edited).kind, 'stale');
    // a fresh start clears what a killed attempt left
    cv.prepareRun(edited, cv.runStatus(edited));
    assert.ok(!existsSync(cv.doneFile(edited)));
    assert.ok(!existsSync(join(run.dir, 'checkpoints')));
  } finally {
    rmSync(w.dir, { recursive: true, force: true });
  }
});

async function runWithFake(w: ReturnType<typeof workspace>, s: cv.PlannedStudy, extra: Partial<cv.RunnerOptions> = {}) {
  process.env.FAKE_MTO_CALLS = w.calls;
  const pool = new cv.ChildPool(extra.jobs ?? 2);
  const lines: string[] = [];
  const outcome = await cv.runStudies([s], pool, { jobs: 2, nice: 0, force: false, mtoBin: w.fake, log: (l) => lines.push(l), pollMs: 20, ...extra });
  const calls = existsSync(w.calls) ? readFileSync(w.calls, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]) : [];
  rmSync(w.calls, { force: true });
  return { outcome, lines, calls };
}

test('runner: trains every run, skips finished ones next time, resumes an unfinished one, reports a failed one', async () => {
  const w = workspace();
  try {
    const s = plan(w);
    const first = await runWithFake(w, s);
    assert.equal(first.outcome.finished, 4);
    assert.equal(first.calls.length, 4);
    assert.ok(s.runs.every((r) => cv.runStatus(r).kind === 'done'));
    assert.ok(!existsSync(join(s.dir, 'runner.lock')), 'the lock is released');
    const again = await runWithFake(w, s);
    assert.deepEqual([again.outcome.skipped, again.outcome.finished, again.calls.length], [4, 0, 0]);
    // an interrupted run (checkpoint, no done.json) resumes with --resume; the others stay
    rmSync(cv.doneFile(s.runs[2]));
    const resumed = await runWithFake(w, s);
    assert.equal(resumed.calls.length, 1);
    assert.equal(resumed.calls[0][resumed.calls[0].indexOf('--out') + 1], s.runs[2].dir);
    assert.ok(resumed.calls[0].includes('--resume'));
    // a failing child is reported with its log; the study goes on
    for (const r of s.runs.slice(1)) rmSync(r.dir, { recursive: true });
    process.env.FAKE_MTO_FAIL = join('mto', 'seed-0');
    const failed = await runWithFake(w, s);
    delete process.env.FAKE_MTO_FAIL;
    assert.equal(failed.outcome.finished, 2);
    assert.deepEqual(failed.outcome.failed.map((f) => [f.run.arm, f.run.seed, f.why]), [['mto', 0, 'exited with code 3']]);
    assert.ok(failed.lines.some((l) => /custom\/mto\/seed-0: FAILED \(exited with code 3\).*\n\s+boom/s.test(l)));
    const r = cv.analyzeStudy(s);
    assert.deepEqual(r.missing.map((m) => `${m.arm}/${m.seed}`), ['mto/0']);
  } finally {
    delete process.env.FAKE_MTO_FAIL;
    rmSync(w.dir, { recursive: true, force: true });
  }
});

test('runner: a metric the runs never report, or a missing validation split, stops the study with one message', async () => {
  const w = workspace();
  try {
    const s = plan(w, ['--metric', 'eval/mlm_acc', '--jobs', '1']);
    const r = await runWithFake(w, s, { jobs: 1 });
    assert.match(r.outcome.fatal!, /custom\/baseline\/seed-0 finished, but its epoch records have no eval\/mlm_acc \(they have: eval\/probe_acc\); choose one with --metric/);
    assert.equal(r.calls.length, 1, 'no further run starts');
    const v = plan(w, ['--split', 'val', '--out', join(w.dir, 'out-val')]);
    const rv = await runWithFake(w, v, { jobs: 1 });
    assert.match(rv.outcome.fatal!, /evaluated on the test split, not val: its data source has no val split; give it one \(e\.g\. --set data\.valSize=1000 for mnist/);
    assert.ok(!existsSync(cv.doneFile(v.runs[0])));
  } finally {
    rmSync(w.dir, { recursive: true, force: true });
  }
});
