import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, existsSync, readdirSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { tinyConfig } from './fixtures/tiny-task.js';

const BIN = resolve(__dirname, '../../../core/dist/cli/bin.js');
const FIXTURE = resolve(__dirname, 'fixtures/tiny-task.js');

function mto(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

let dir = '';
const FT = ['--labels', '16', '--epochs', '2', '--set', 'eval.finetune.batchSize=8'];

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mtojs-ft-cli-'));
  const cfg = join(dir, 'tiny.json');
  writeFileSync(cfg, JSON.stringify({ ...tinyConfig(), imports: [FIXTURE] }));
  const r = mto(['train', '--config', cfg, '--out', 'run', '--quiet'], dir);
  assert.equal(r.code, 0, r.err);
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('mto finetune on a finished run prints the accuracy and writes RUN/finetune/NAME.json; the run is otherwise untouched', () => {
  const before = readdirSync(join(dir, 'run')).sort();
  const ckpt = readFileSync(join(dir, 'run', 'checkpoints', 'latest'), 'utf8');
  const r = mto(['finetune', '--run', 'run', ...FT, '--name', 'a'], dir);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^fine-tune accuracy: \d+\.\d% on 64 test examples \(pre-trained, 16 labels, 2 epochs, freeze none, [\d.]+ s\)$/m);
  const res = JSON.parse(readFileSync(join(dir, 'run', 'finetune', 'a.json'), 'utf8'));
  assert.ok(res.accuracy >= 0 && res.accuracy <= 1);
  assert.equal(res.trainExamples, 16);
  assert.equal(res.step, 8);
  assert.equal(res.seed, 7);
  assert.equal(res.config.labels, 16);
  assert.deepEqual(readdirSync(join(dir, 'run')).sort(), [...before, 'finetune'].sort());
  assert.equal(readFileSync(join(dir, 'run', 'checkpoints', 'latest'), 'utf8'), ckpt);
  // Deterministic: the same flags give the same number; --json prints the record.
  const again = mto(['finetune', '--run', 'run', ...FT, '--name', 'b', '--json'], dir);
  assert.equal(again.code, 0, again.err);
  const b = JSON.parse(again.out);
  assert.equal(b.accuracy, res.accuracy);
  const scratch = mto(['finetune', '--run', 'run', ...FT, '--from-scratch', '--freeze', 'encoder', '--name', 'c', '--json'], dir);
  assert.equal(scratch.code, 0, scratch.err);
  const c = JSON.parse(scratch.out);
  assert.equal(c.fromScratch, true);
  assert.equal(c.freeze, 'encoder');
});

test('mto finetune: bad input is one line on stderr, exit 2, nothing written', () => {
  mkdirSync(join(dir, 'empty'));
  writeFileSync(join(dir, 'empty', 'config.json'), readFileSync(join(dir, 'run', 'config.json')));
  const cases: [string[], RegExp][] = [
    [['--run', 'nowhere'], /^error: --run: nowhere is not a directory$/],
    [['--run', 'empty'], /^error: --run: .*empty: holds no checkpoint/],
    [['--run', dir], /^error: --run: .* has no config\.json/],
    [['--run', 'run', '--labels=-1'], /^error: --labels: expected a non-negative integer, found '-1'$/],
    [['--run', 'run', '--epochs', '0'], /^error: --epochs: expected a positive integer, found '0'$/],
    [['--run', 'run', '--freeze', 'all'], /^error: --freeze: expected none or encoder, found 'all'$/],
    [['--run', 'run', '--labels', '1000'], /^error: --labels: 1000 labelled examples asked for, but the training split has 128$/],
    [['--run', 'run', '--set', 'eval.finetune.lr=-1'], /eval\.finetune\.lr/],
    [['--run', 'run', '--bogus'], /^error: mto finetune: unknown option '--bogus'$/],
    [[], /^error: mto finetune: --run RUN_DIR is required/],
  ];
  for (const [args, expected] of cases) {
    const r = mto(['finetune', ...args], dir);
    assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}, ${r.err}`);
    // One error line, no stack trace (tfjs's cpu-backend banner may precede it).
    const lines = r.err.split('\n').filter((l) => l.startsWith('error:'));
    assert.equal(lines.length, 1, `${args.join(' ')}: ${r.err}`);
    assert.ok(!/^\s+at /m.test(r.err), `${args.join(' ')}: a stack trace: ${r.err}`);
    assert.match(lines[0], expected);
  }
  assert.ok(!existsSync(join(dir, 'empty', 'finetune')));
  assert.deepEqual(existsSync(join(dir, 'run', 'finetune')) ? readdirSync(join(dir, 'run', 'finetune')).filter((f) => !/^[abc]\.json$/.test(f)) : [], []);
});

test("mto finetune: a run whose config imports a file relative to the original config resolves it from the working directory", () => {
  const cfg = join(dir, 'relative.json');
  writeFileSync(cfg, JSON.stringify({ ...tinyConfig({ trainer: { epochs: 1, batchSize: 32, progress: 'none' } }), imports: [relative(dir, FIXTURE)] }));
  const r = mto(['train', '--config', cfg, '--out', 'rel', '--quiet'], dir);
  assert.equal(r.code, 0, r.err);
  // From the run directory the relative path points nowhere; from the config's folder it resolves.
  const ft = mto(['finetune', '--run', 'rel', ...FT, '--name', 'r'], dir);
  assert.equal(ft.code, 0, ft.err);
  assert.ok(existsSync(join(dir, 'rel', 'finetune', 'r.json')));
});
