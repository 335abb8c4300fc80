import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import YAML from 'yaml';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { tinyConfig } from './fixtures/tiny-task.js';

const BIN = resolve(__dirname, '../../../core/dist/cli/bin.js');
const FIXTURE = resolve(__dirname, 'fixtures/tiny-task.js');

function mto(args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, MTOJS_LOG_LEVEL: '', MTOJS_LOG_FORMAT: '', FORCE_COLOR: '0', ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function workspace(): string {
  return mkdtempSync(join(tmpdir(), 'mtojs-cli-'));
}

function writeConfig(dir: string, over: Record<string, unknown> = {}): string {
  const p = join(dir, 'tiny.json');
  writeFileSync(p, JSON.stringify({ ...tinyConfig(over), imports: [FIXTURE] }, null, 1));
  return p;
}

test('mto --help and mto train --help print usage and exit 0', () => {
  const dir = workspace();
  try {
    const a = mto(['--help'], dir);
    assert.equal(a.code, 0);
    assert.match(a.out, /usage: mto <command>/);
    assert.match(a.out, /train\s+pre-train a model/);
    const b = mto(['train', '--help'], dir);
    assert.equal(b.code, 0);
    assert.match(b.out, /--config FILE/);
    assert.match(b.out, /--resume/);
    assert.match(b.out, /--dry-run/);
    assert.match(b.out, /--log-format F/);
    assert.match(b.out, /MTOJS_LOG_LEVEL/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('mto train runs a config whose parts come from an imported file, and --resume continues it', () => {
  const dir = workspace();
  try {
    const cfg = writeConfig(dir, { trainer: { epochs: 2, batchSize: 32, logEvery: 1, progress: 'lines' } });
    const r = mto(['train', '--config', cfg, '--out', 'run1'], dir);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /^backend: cpu/m);
    assert.match(r.out, /finished after 8 steps/);
    assert.ok(existsSync(join(dir, 'run1', 'config.json')));
    assert.ok(existsSync(join(dir, 'run1', 'summary.json')));
    const again = mto(['train', '--config', cfg, '--out', 'run1'], dir);
    assert.equal(again.code, 2, again.err);
    assert.match(again.err, /already holds a run with checkpoints; pass --resume/);
    const more = mto(['train', '--config', cfg, '--out', 'run1', '--resume', '--set', 'trainer.epochs=3'], dir);
    assert.equal(more.code, 0, more.err);
    assert.match(more.err, /resumed at step 8/);
    assert.match(more.out, /finished after 12 steps/);
    const steps = readFileSync(join(dir, 'run1', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.type === 'step');
    assert.deepEqual(steps.map((s) => s.step), Array.from({ length: 12 }, (_, i) => i));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an invalid config exits 2 with one line naming file, field, found and expected; no run directory, no stack trace', () => {
  const dir = workspace();
  try {
    const cfg = writeConfig(dir, { trainer: { epochs: 0 } });
    const r = mto(['train', '--config', cfg], dir);
    assert.equal(r.code, 2);
    assert.match(r.err, /^error: .*tiny\.json: trainer\.epochs: .*>=\s*1.*\(found 0\)\n$/);
    assert.doesNotMatch(r.err, /\n\s+at /);
    assert.ok(!existsSync(join(dir, 'runs')));
    const bad = mto(['train', '--config', writeConfig(dir, { model: { name: 'no-such-model' } })], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /model\.name: unknown model 'no-such-model'; known: .*tiny-attention/);
    assert.ok(!existsSync(join(dir, 'runs')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("every problem of a config is reported at once, each on its own 'error:' line; a --set that switches a part drops the old part's options", () => {
  const dir = workspace();
  try {
    const cfg = writeConfig(dir);
    const r = mto(['train', '--config', cfg, '--set', 'trainer.batchSize=-3', '--set', 'model.widht=3', '--set', 'foo.bar=1', '--set', 'masking.ratio=1.2', '--set', 'masking.name=exact-randon'], dir);
    assert.equal(r.code, 2, r.err);
    const lines = r.err.trimEnd().split('\n').filter((l) => !l.startsWith('backend:'));
    assert.deepEqual(lines.map((l) => l.replace(cfg, 'CFG')), [
      'error: CFG: trainer.batchSize: Too small: expected number to be >=1 (found -3)',
      "error: CFG: (top level): unknown field 'foo'",
      lines[2]!.replace(cfg, 'CFG'),
      "error: CFG: model: unknown field 'widht'; did you mean 'width'?",
    ]);
    assert.match(lines[2]!, /^error: .*: masking\.name: unknown masking 'exact-randon' \(did you mean 'exact-random'\?\); known: /);
    assert.ok(!existsSync(join(dir, 'runs')));
    const sw = writeConfig(dir, { schedule: { name: 'warmup-cosine', warmupEpochs: 1 }, trainer: { epochs: 1, batchSize: 32, progress: 'none' } });
    const ok = mto(['train', '--config', sw, '--out', 'run', '--set', 'schedule.name=constant'], dir);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.err, /^warn: schedule: --set schedule\.name=constant replaced 'warmup-cosine'; dropped warmupEpochs \(not an option of constant\)$/m);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'run', 'config.json'), 'utf8')).schedule, { name: 'constant' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('mto train --dry-run prints the resolved config and the plan, builds data and model, and writes nothing', () => {
  const dir = workspace();
  try {
    const cfg = writeConfig(dir, { trainer: { epochs: 3, batchSize: 24, progress: 'none' } });
    const r = mto(['train', '--config', cfg, '--dry-run', '--out', 'run', '--set', 'trainer.maxSteps=10'], dir);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(readdirSync(dir), ['tiny.json'], 'no run directory, no file');
    const comments = r.out.split('\n').filter((l) => l.startsWith('# '));
    assert.deepEqual(comments, [
      '# mto train --dry-run: the config is valid; nothing was written',
      `# run directory: ${join(realpathSync(dir), 'run')} (not created)`,
      '# backend: cpu',
      '# data: 128 train, 0 val, 64 test examples (evaluation split: test)',
      comments[4],
      comments[5],
      '# steps: 5 per epoch (batch 24, last partial batch dropped) x 3 epochs = 15; trainer.maxSteps stops at 10',
    ]);
    assert.match(comments[4]!, /^# tokens: \d+ per example, 4 values each$/);
    assert.match(comments[5]!, /^# model: tiny-attention, \d+ parameters/);
    // The rest is the resolved config: every default filled in, the override applied.
    const resolved = YAML.parse(r.out);
    assert.equal(resolved.trainer.maxSteps, 10);
    assert.equal(resolved.trainer.keepCheckpoints, 2);
    assert.equal(resolved.model.name, 'tiny-attention');
    assert.deepEqual(resolved.imports, [FIXTURE]);
    const bad = mto(['train', '--config', cfg, '--dry-run', '--set', 'trainer.batchSize=1000'], dir);
    assert.equal(bad.code, 2, 'a batch larger than the data is a user mistake');
    assert.match(bad.err, /^error: trainer\.batchSize: 1000 is larger than the training split \(128 examples\)/m);
    assert.deepEqual(readdirSync(dir), ['tiny.json']);
    // A real run finds it too before the run directory exists.
    const run = mto(['train', '--config', cfg, '--out', 'run', '--set', 'trainer.batchSize=1000'], dir);
    assert.equal(run.code, 2);
    assert.match(run.err, /^error: trainer\.batchSize: 1000 is larger than the training split/m);
    assert.deepEqual(readdirSync(dir), ['tiny.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('log levels: --verbose shows debug lines, --quiet hides info, MTOJS_LOG_LEVEL sets the default; --log-format json writes one object per line', () => {
  const dir = workspace();
  try {
    const cfg = writeConfig(dir, { trainer: { epochs: 1, batchSize: 32, progress: 'lines' } });
    const debugLine = /^debug: .*tiny\.json: valid \(0 --set\); data sines, adapter signal, masking exact-random, model tiny-attention/m;
    const plain = mto(['train', '--config', cfg, '--dry-run'], dir);
    assert.equal(plain.code, 0, plain.err);
    assert.match(plain.err, /^backend: cpu/m);
    assert.doesNotMatch(plain.err, /^debug:/m);
    assert.match(mto(['train', '--config', cfg, '--dry-run', '--verbose'], dir).err, debugLine);
    assert.match(mto(['train', '--config', cfg, '--dry-run'], dir, { MTOJS_LOG_LEVEL: 'debug' }).err, debugLine);
    const quiet = mto(['train', '--config', cfg, '--dry-run'], dir, { MTOJS_LOG_LEVEL: 'warn' });
    assert.equal(quiet.code, 0, quiet.err);
    assert.doesNotMatch(quiet.err, /backend:/);
    // The flag wins over the variable.
    assert.match(mto(['train', '--config', cfg, '--dry-run', '--verbose'], dir, { MTOJS_LOG_LEVEL: 'error' }).err, debugLine);
    const badEnv = mto(['train', '--config', cfg, '--dry-run'], dir, { MTOJS_LOG_LEVEL: 'loud' });
    assert.equal(badEnv.code, 2);
    assert.equal(badEnv.err, "error: MTOJS_LOG_LEVEL: expected one of debug, info, warn, error, silent, found 'loud'\n");
    const both = mto(['train', '--config', cfg, '--quiet', '--verbose'], dir);
    assert.equal(both.code, 2);
    assert.match(both.err, /^error: mto train: --quiet and --verbose contradict each other/);

    const json = mto(['train', '--config', cfg, '--out', 'run', '--log-format', 'json'], dir);
    assert.equal(json.code, 0, json.err);
    const lines = json.err.trimEnd().split('\n').map((l) => JSON.parse(l));
    for (const l of lines) {
      assert.deepEqual(Object.keys(l), ['level', 'msg', 'time']);
      assert.ok(['debug', 'info', 'warn', 'error'].includes(l.level));
      assert.ok(!Number.isNaN(Date.parse(l.time)));
    }
    assert.ok(lines.some((l) => l.level === 'info' && /^backend: cpu/.test(l.msg)));
    assert.ok(lines.some((l) => l.level === 'info' && /^epoch 1\/1 done /.test(l.msg)), 'progress lines come as log objects');
    const err = mto(['train', '--config', cfg, '--set', 'model.widht=3', '--log-format=json'], dir);
    assert.equal(err.code, 2);
    const [e] = err.err.trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.equal(e.level, 'error');
    assert.match(e.msg, /model: unknown field 'widht'; did you mean 'width'\?$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('user mistakes are one-line errors: missing file, unknown command, unknown option, bad backend, bad import', () => {
  const dir = workspace();
  try {
    const cases: [string[], RegExp, number][] = [
      [['train', '--config', 'missing.yaml'], /missing\.yaml: cannot read the config file \(no such file\)/, 2],
      [['trian'], /^error: unknown command 'trian'; did you mean 'train'\?\ncommands: .*train.*; see 'mto --help'\n$/, 2],
      [['train', '--config', writeConfig(dir), '--bogus'], /^error: mto train: unknown option '--bogus'\nsee 'mto train --help'\n$/, 2],
      [['train', '--config', writeConfig(dir), '--backend', 'gpu'], /--backend: unknown backend 'gpu'/, 2],
      [['train'], /--config FILE is required/, 2],
      [['train', '--config', writeConfig(dir), '--resume'], /--resume: no earlier run of 'tiny'/, 2],
    ];
    for (const [args, re, code] of cases) {
      const r = mto(args, dir);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, re);
      assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
    }
    const p = join(dir, 'imp.json');
    writeFileSync(p, JSON.stringify({ ...tinyConfig(), imports: ['./nowhere.js'] }));
    const r = mto(['train', '--config', p], dir);
    assert.equal(r.code, 2);
    assert.match(r.err, /imports\.0: cannot find the file '\.\/nowhere\.js'/);
    assert.equal(readdirSync(dir).includes('runs'), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every command answers a wrong flag with one error line and the one-line hint, exit 2', () => {
  const dir = workspace();
  try {
    for (const cmd of ['train', 'list', 'export', 'finetune', 'analyze', 'report']) {
      const r = mto([cmd, '--bogus'], dir);
      assert.equal(r.code, 2, `${cmd}: ${r.err}`);
      assert.equal(r.err, `error: mto ${cmd}: unknown option '--bogus'\nsee 'mto ${cmd} --help'\n`);
      assert.equal(r.out, '');
    }
    const near = mto(['train', '--config', 'x.yaml', '--quite'], dir);
    assert.equal(near.err, "error: mto train: unknown option '--quite'; did you mean '--quiet'?\nsee 'mto train --help'\n");
    const missing = mto(['export', 'run', '--out'], dir);
    assert.equal(missing.code, 2);
    assert.equal(missing.err, "error: mto export: option '--out <value>' argument missing\nsee 'mto export --help'\n");
    const stray = mto(['train', 'extra'], dir);
    assert.equal(stray.code, 2);
    assert.match(stray.err, /^error: mto train: unexpected argument 'extra'.*\nsee 'mto train --help'\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Ctrl-C during mto train stops after the current step, saves a checkpoint there and exits 130', async () => {
  const dir = workspace();
  try {
    // Enough epochs that the run cannot finish before the signal arrives.
    const cfg = writeConfig(dir, { trainer: { epochs: 500, batchSize: 32, logEvery: 1, progress: 'none' } });
    const child = spawn(process.execPath, [BIN, 'train', '--config', cfg, '--out', 'run'], { cwd: dir, env: { ...process.env, FORCE_COLOR: '0' } });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const metrics = join(dir, 'run', 'metrics.jsonl');
    const code = await new Promise<number | null>((done) => {
      child.on('exit', (c) => done(c));
      const poll = setInterval(() => {
        if (existsSync(metrics) && readFileSync(metrics, 'utf8').includes('"type":"step"')) {
          clearInterval(poll);
          child.kill('SIGINT');
        }
      }, 20);
    });
    assert.equal(code, 130, err);
    assert.match(err, /interrupt: stopping after this step/);
    const steps = readFileSync(metrics, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.type === 'step');
    assert.ok(steps.length < 500 * 4, 'the run stopped early');
    const ckpts = readdirSync(join(dir, 'run', 'checkpoints'));
    assert.ok(ckpts.length > 0, 'a checkpoint was saved on interrupt');
    const summary = JSON.parse(readFileSync(join(dir, 'run', 'summary.json'), 'utf8'));
    assert.equal(summary.stopped, true);
    assert.equal(summary.evalSplit, 'test', 'summary.json names the split evaluations read');
    assert.equal(summary.steps, steps[steps.length - 1].step + 1); // step records count from 0
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
