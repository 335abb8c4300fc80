import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { tinyConfig } from './fixtures/tiny-task.js';

const BIN = resolve(__dirname, '../../../core/dist/cli/bin.js');
const FIXTURE = resolve(__dirname, 'fixtures/tiny-task.js');

function mto(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('mto train: a run cut by trainer.maxSteps is evaluated and resumable; epochs read 1-based on the console, 0-based in files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mtojs-cli-logs-'));
  try {
    const cfg = join(dir, 'tiny.json');
    // 4 steps per epoch; maxSteps 6 stops inside the second epoch.
    const config = tinyConfig({ trainer: { epochs: 3, batchSize: 32, logEvery: 1, progress: 'lines', maxSteps: 6 }, eval: { enabled: true, probeSteps: 5 } });
    writeFileSync(cfg, JSON.stringify({ ...config, imports: [FIXTURE] }, null, 1));
    const r = mto(['train', '--config', cfg, '--out', 'run'], dir);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /finished after 6 steps/);
    assert.match(r.out, /^pre-trained\s+\d+\.\d%\s+\d+\.\d%$/m);
    assert.match(r.err, /^epoch 1\/3 done /m);
    const summary = JSON.parse(readFileSync(join(dir, 'run', 'summary.json'), 'utf8'));
    assert.equal(typeof summary.final['eval/knn_acc'], 'number');
    const lines = readFileSync(join(dir, 'run', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.filter((l) => l.type === 'epoch').map((l) => l.epoch), [0]);
    assert.deepEqual(lines.filter((l) => l.type === 'eval').map((l) => [l.epoch, l.step]), [[1, 6]]);

    const done = mto(['train', '--config', cfg, '--out', 'run', '--resume'], dir);
    assert.equal(done.code, 0, done.err);
    assert.match(done.err, /^the run is already complete: trainer\.maxSteps 6 reached at step 6 \(epoch 2\/3, 2 of 4 batches done\); nothing is left to train/m);
    assert.match(done.out, /^pre-trained\s+\d+\.\d%/m);
    // The baselines of the first attempt stay in the table and in summary.json.
    assert.match(done.out, /^random init\s+\d+\.\d%/m);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'run', 'summary.json'), 'utf8')).baselines, summary.baselines);

    const more = mto(['train', '--config', cfg, '--out', 'run', '--resume', '--set', 'trainer.maxSteps=0'], dir);
    assert.equal(more.code, 0, more.err);
    assert.match(more.err, /^resumed at step 6 \(epoch 2\/3, 2 of 4 batches done\)$/m);
    assert.match(more.out, /finished after 12 steps/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
