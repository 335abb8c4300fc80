import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { tinyConfig } from '../../core/fixtures/tiny-task.js';

const CLI = resolve(__dirname, '../../../../bench/dist/convergence/cli.js');
const FIXTURE = resolve(__dirname, '../../core/fixtures/tiny-task.js');

/** Two arms of the tiny sine task that differ in their (plugin-free) learning rate, 2 epochs each. */
function workspace() {
  const dir = mkdtempSync(join(tmpdir(), 'mtojs-conv-e2e-'));
  const base = {
    ...tinyConfig({ trainer: { epochs: 2, batchSize: 32, logEvery: 1, progress: 'none' }, eval: { enabled: true, baselines: false, probeSteps: 30, knnK: 5 } }),
    imports: [FIXTURE],
  };
  writeFileSync(join(dir, 'a.json'), JSON.stringify(base));
  writeFileSync(join(dir, 'b.json'), JSON.stringify({ ...base, name: 'tiny-b', optimizer: { name: 'adamw', lr: 0.03, weightDecay: 0 } }));
  return dir;
}

const ARGS = ['--baseline', 'a.json', '--mto', 'b.json', '--seeds', '2', '--metric', 'eval/knn_acc', '--out', 'out'];

function cli(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('convergence CLI: usage errors and another plan in the same directory exit 2 with one line, no stack trace', () => {
  const dir = workspace();
  try {
    for (const [args, pattern] of [
      [['--study', 'vision', '--seeds', 'x'], /^bench:convergence: --seeds: expected a count \(3\) or a list of whole numbers \(0,1,2\), got 'x'\n$/],
      [['--baseline', 'a.json', '--mto', 'nope.json'], /^bench:convergence: arm 'mto': config file nope\.json not found\n$/],
      [[...ARGS, '--set', 'trainer.batchSize=-3'], /^bench:convergence: arm 'baseline': a\.json: trainer\.batchSize: .*\(found -3\)\n$/],
      // A part's options are checked as \`mto train\` checks them (after the config's imports), before any run starts.
      [[...ARGS, '--arm-set', 'mto:optimizer.momentum=0.9'], /^bench:convergence: arm 'mto': b\.json: optimizer: unknown field 'momentum'\n$/],
      [['--report-only', '--name', 'custom', '--out', 'out'], /^bench:convergence: --report-only: out\/custom holds no study\.json \(nothing was run there\)\n$/],
    ] as const) {
      const r = cli([...args], dir);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, pattern);
    }
    const dry = cli([...ARGS, '--dry-run'], dir);
    assert.equal(dry.code, 0, dry.err);
    assert.match(dry.out, /arm mto: b\.json; 2 epochs/);
    assert.match(dry.out, /runs: 4 \(4 to start\)/);
    assert.ok(!existsSync(join(dir, 'out')), 'a dry run writes nothing');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('convergence CLI end to end: interrupted after the first run, resumed without redoing it, complete results', { timeout: 120_000 }, async () => {
  const dir = workspace();
  try {
    const study = join(dir, 'out', 'custom');
    const firstDone = join(study, 'baseline', 'seed-0', 'done.json');
    // Interrupt (SIGTERM) as soon as the first run is finished; one job, so the second has begun.
    const child = spawn(process.execPath, [CLI, ...ARGS, '--jobs', '1'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.resume();
    const code = await new Promise<number | null>((resolveExit) => {
      const poll = setInterval(() => {
        if (existsSync(firstDone)) {
          clearInterval(poll);
          child.kill('SIGTERM');
        }
      }, 25);
      child.on('exit', (c) => (clearInterval(poll), resolveExit(c)));
    });
    assert.equal(code, 143, err);
    assert.match(err, /SIGTERM: stopping/);
    const doneAfterStop = ['baseline', 'mto'].flatMap((arm) => [0, 1].map((s) => join(study, arm, `seed-${s}`, 'done.json'))).filter(existsSync);
    assert.ok(doneAfterStop.length >= 1 && doneAfterStop.length < 4, `finished after the interruption: ${doneAfterStop.length}`);
    assert.ok(!existsSync(join(study, 'runner.lock')));
    const kept = Object.fromEntries(doneAfterStop.map((f) => [f, readFileSync(f, 'utf8') + readFileSync(join(f, '..', 'metrics.jsonl'), 'utf8')]));

    // A different plan in the same directory is refused, naming the difference.
    const other = cli([...ARGS, '--seeds', '3'], dir);
    assert.equal(other.code, 2);
    assert.match(other.err, /^bench:convergence: out\/custom\/study\.json holds another plan \(seeds: \[0,1\] before, \[0,1,2\] now\); use another --out, or --force/);

    const again = cli([...ARGS, '--jobs', '2'], dir);
    assert.equal(again.code, 0, again.err);
    assert.match(again.err, new RegExp(`${doneAfterStop.length} run\\(s\\) already finished; ${4 - doneAfterStop.length} to go`));
    for (const [f, text] of Object.entries(kept)) assert.equal(readFileSync(f, 'utf8') + readFileSync(join(f, '..', 'metrics.jsonl'), 'utf8'), text, `${f} was not redone`);

    const results = JSON.parse(readFileSync(join(study, 'results.json'), 'utf8'));
    assert.equal(results.runs.length, 4);
    assert.deepEqual(results.missing, []);
    assert.equal(results.metric, 'eval/knn_acc');
    for (const run of results.runs) {
      assert.deepEqual(run.curve.map((p: number[]) => p[0]), [1, 2], `${run.arm}/${run.seed} has one point per epoch`);
      assert.equal(run.evalSplit, 'test');
    }
    const [base, mto] = results.arms;
    assert.equal(base.finished, 2);
    assert.equal(mto.toTargetSameSeed.n, 2);
    assert.equal(base.rauc.mean, 1);
    assert.ok(mto.auc.mean > 0 && mto.auc.mean <= 1);
    assert.match(readFileSync(join(study, 'results.md'), 'utf8'), /^## custom: custom study \(baseline vs mto\)/);
    assert.match(readFileSync(join(study, 'curves-eval_knn_acc.svg'), 'utf8'), /<svg /);
    assert.match(again.out, /\| baseline \| 2\/2 \|/);

    // The report alone, on another metric, without training anything.
    const rep = cli(['--report-only', '--name', 'custom', '--out', 'out', '--metric', 'eval/probe_acc'], dir);
    assert.equal(rep.code, 0, rep.err);
    assert.match(rep.out, /final eval\/probe_acc/);
    assert.ok(existsSync(join(study, 'curves-eval_probe_acc.svg')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
