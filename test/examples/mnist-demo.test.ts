import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');
const BIN = join(ROOT, 'core/dist/cli/bin.js');

/** The README's demo config, shrunk by overrides only, run through the CLI as a user would. */
for (const [config, overrides] of [
  ['examples/mnist/mae.yaml', ['model.width=32', 'model.depth=2', 'model.decoderWidth=16', 'model.decoderDepth=1']],
  ['examples/mnist/simmim.yaml', ['model.width=32', 'model.depth=2']],
] as const) {
  test(`${config} runs end to end on real digits (shrunk): loss falls, probes and a reconstruction sheet are written`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtojs-demo-'));
    try {
      const sets = [
        ...overrides,
        'data.trainSize=256',
        'data.testSize=128',
        'trainer.epochs=3',
        'trainer.batchSize=32',
        'trainer.logEvery=1',
        'eval.maxTrainExamples=256',
        'eval.probeSteps=50',
        // The demo's fine-tuning column, shrunk: 40 labels, 2 epochs (mae.yaml turns it on).
        'eval.finetune.enabled=true',
        'eval.finetune.labels=40',
        'eval.finetune.epochs=2',
      ].flatMap((s) => ['--set', s]);
      const r = spawnSync(process.execPath, [BIN, 'train', '--config', join(ROOT, config), '--out', join(dir, 'run'), ...sets], { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /features\s+k-NN\s+linear probe\s+fine-tune \(40 labels\)/);
      assert.match(r.stdout, /raw pixels\s+\d+\.\d%\s+\d+\.\d%\s+--\n/);
      assert.match(r.stdout, /random init\s+\d+\.\d%\s+\d+\.\d%\s+\d+\.\d%\n/);
      assert.match(r.stdout, /pre-trained\s+\d+\.\d%\s+\d+\.\d%\s+\d+\.\d%\n/);
      assert.match(r.stdout, /fine-tuned on 40 labels, the pre-trained encoder scores \d+\.\d points (above|below) the same encoder trained from random initialisation/);
      const lines = readFileSync(join(dir, 'run', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      const steps = lines.filter((l) => l.type === 'step');
      assert.equal(steps.length, 24); // 3 epochs of 256 / 32
      const first = steps.slice(0, 3).reduce((a, s) => a + s.loss, 0) / 3;
      const last = steps.slice(-3).reduce((a, s) => a + s.loss, 0) / 3;
      assert.ok(last < first, `loss ${first} -> ${last}`);
      const epochs = lines.filter((l) => l.type === 'epoch');
      assert.ok(typeof epochs[2]['eval/knn_acc'] === 'number' && typeof epochs[2]['eval/probe_acc'] === 'number');
      assert.ok(typeof epochs[2]['eval/ft_acc'] === 'number', 'eval/ft_acc at the last evaluation');
      assert.ok(typeof lines.find((l) => l.type === 'baseline').init_ft_acc === 'number', 'init_ft_acc on the baseline line');
      const sheets = readdirSync(join(dir, 'run', 'artifacts')).filter((f) => f.endsWith('.png'));
      assert.ok(sheets.length >= 1, 'a reconstruction sheet PNG');
      const summary = JSON.parse(readFileSync(join(dir, 'run', 'summary.json'), 'utf8'));
      assert.equal(summary.steps, 24);
      assert.ok(existsSync(join(dir, 'run', 'checkpoints', 'latest')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
