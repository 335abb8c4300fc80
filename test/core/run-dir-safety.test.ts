import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { tinyConfig } from './fixtures/tiny-task.js';

const BIN = resolve(__dirname, '../../../core/dist/cli/bin.js');
const FIXTURE = resolve(__dirname, 'fixtures/tiny-task.js');
const DISK_TROUBLE = resolve(__dirname, 'fixtures/disk-trouble.js');
let ws: string;

function mto(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ws, encoding: 'utf8', timeout: 60_000, env: { ...process.env, MTOJS_LOG_LEVEL: '', MTOJS_LOG_FORMAT: '', FORCE_COLOR: '0' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The error lines of stderr (the backend's banner aside). */
function errors(stderr: string): string {
  return stderr.split('\n').filter((l) => l.startsWith('error:')).join('\n');
}

/** Every file under `dir` with its bytes, and every folder: what "as it was" compares. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) {
        out[`${rel}${n}/`] = '';
        walk(p, `${rel}${n}/`);
      } else out[rel + n] = readFileSync(p).toString('base64');
    }
  };
  walk(dir, '');
  return out;
}

before(() => {
  ws = mkdtempSync(join(tmpdir(), 'mtojs-rundir-'));
  writeFileSync(join(ws, 'tiny.json'), JSON.stringify({ ...tinyConfig({ trainer: { epochs: 1, batchSize: 64, progress: 'none' } }), imports: [FIXTURE] }));
  const r = mto(['train', '--config', 'tiny.json', '--out', 'run', '--quiet']);
  assert.equal(r.code, 0, r.err);
});

after(() => rmSync(ws, { recursive: true, force: true }));

test('a --resume that fails (the model changed, the checkpoint is tampered) leaves the run directory byte for byte as it was', () => {
  cpSync(join(ws, 'run'), join(ws, 'r1'), { recursive: true });
  const before = snapshot(join(ws, 'r1'));
  const changed = mto(['train', '--config', 'tiny.json', '--out', 'r1', '--resume', '--set', 'model.width=8', '--set', 'trainer.epochs=2']);
  assert.equal(changed.code, 2, changed.err); // a checkpoint of another config: a mistake in what was given
  assert.match(changed.err, /has shape \[8,16\], the model expects \[8,8\]/);
  assert.deepEqual(snapshot(join(ws, 'r1')), before);
  const ck = join(ws, 'r1', 'checkpoints', readFileSync(join(ws, 'r1', 'checkpoints', 'latest'), 'utf8').trim(), 'model.json');
  const json = JSON.parse(readFileSync(ck, 'utf8'));
  json.trainingState.step = -5;
  writeFileSync(ck, JSON.stringify(json));
  mkdirSync(join(ws, 'r1', 'checkpoints', '.step-00000009.tmp-2147483646-1-0')); // a killed write's leftover stays until a resume succeeds
  const tampered = snapshot(join(ws, 'r1'));
  const bad = mto(['train', '--config', 'tiny.json', '--out', 'r1', '--resume', '--set', 'trainer.epochs=2']);
  assert.equal(bad.code, 2, bad.err);
  assert.equal(bad.err.trim().split('\n').filter((l) => l.startsWith('error:')).length, 1, bad.err);
  assert.match(bad.err, /model\.json: trainingState\.step: /);
  assert.doesNotMatch(bad.err, /\n\s+at /);
  assert.deepEqual(snapshot(join(ws, 'r1')), tampered);
});

test('a second writer on a run directory is refused with the holder\'s pid; a dead holder\'s lock is taken over and removed at the end', () => {
  cpSync(join(ws, 'run'), join(ws, 'r2'), { recursive: true });
  const lock = join(ws, 'r2', '.lock');
  writeFileSync(lock, `${process.pid} somehost 2026-01-01T00:00:00.000Z\n`); // this test's process: alive
  const before = snapshot(join(ws, 'r2'));
  const second = mto(['train', '--config', 'tiny.json', '--out', 'r2', '--resume', '--set', 'trainer.epochs=2']);
  assert.equal(second.code, 1, second.err); // nothing given is wrong: the same command works once that run ends
  assert.equal(errors(second.err), `error: ${join(ws, 'r2')}: in use by another mto train (process ${process.pid}, lock ${lock}); wait for it to finish, or remove the lock if that process is not a run`);
  assert.deepEqual(snapshot(join(ws, 'r2')), before);
  writeFileSync(lock, '2147483646 somehost 2026-01-01T00:00:00.000Z\n'); // a killed run's: no such process
  const taken = mto(['train', '--config', 'tiny.json', '--out', 'r2', '--resume', '--set', 'trainer.epochs=2']);
  assert.equal(taken.code, 0, taken.err);
  assert.match(taken.out, /finished after 4 steps/);
  assert.ok(!existsSync(lock), 'the lock is gone after the run');
});

test('a new run refuses a folder holding another run\'s files, an --out that is a file or cannot be created; nothing is written', () => {
  mkdirSync(join(ws, 'theirs'));
  writeFileSync(join(ws, 'theirs', 'config.json'), '{"theirs": true}\n');
  writeFileSync(join(ws, 'theirs', 'metrics.jsonl'), '{"step": 0}\n');
  const before = snapshot(join(ws, 'theirs'));
  const r = mto(['train', '--config', 'tiny.json', '--out', 'theirs', '--quiet']);
  assert.equal(r.code, 2, r.err);
  assert.equal(errors(r.err), `error: --out: ${join(ws, 'theirs')} already holds files a run writes (config.json, metrics.jsonl) and no checkpoint to resume; a new run needs a folder of its own: choose another --out, or remove them`);
  assert.deepEqual(snapshot(join(ws, 'theirs')), before);
  // Files a run does not write (a caller's log) are no obstacle.
  mkdirSync(join(ws, 'with-log'));
  writeFileSync(join(ws, 'with-log', 'train.log'), 'started\n');
  const logged = mto(['train', '--config', 'tiny.json', '--out', 'with-log', '--quiet']);
  assert.equal(logged.code, 0, logged.err);
  assert.equal(readFileSync(join(ws, 'with-log', 'train.log'), 'utf8'), 'started\n');
  writeFileSync(join(ws, 'plain-file'), 'x');
  const cases: [string, RegExp][] = [
    ['plain-file', /^error: --out: .*plain-file: cannot mkdir \(ENOTDIR: a part of the path is a file, not a folder\)$/],
    ['plain-file/run', /^error: --out: .*plain-file: cannot mkdir \(ENOTDIR/],
    ['/proc/mtojs-run', /^error: --out: \/proc\/mtojs-run: cannot mkdir \(/],
    ['x'.repeat(300), /^error: --out: .*: cannot mkdir \(ENAMETOOLONG: the name is too long\)$/],
  ];
  const listing = readdirSync(ws).sort();
  for (const [out, message] of cases) {
    const t = performance.now();
    const bad = mto(['train', '--config', 'tiny.json', '--out', out, '--quiet']);
    assert.equal(bad.code, 2, `${out}: ${bad.err}`);
    assert.match(errors(bad.err), message);
    assert.ok(performance.now() - t < 30_000, `${out}: answered at once`);
  }
  assert.deepEqual(readdirSync(ws).sort(), listing, 'no folder left behind');
});

test('a checkpoint write the disk refuses mid-run is one error line naming the path (exit 1), no stack trace', () => {
  writeFileSync(join(ws, 'trouble.json'), JSON.stringify({ ...tinyConfig({ trainer: { epochs: 1, batchSize: 64, progress: 'none' } }), imports: [FIXTURE, DISK_TROUBLE], plugins: [{ name: 'disk-trouble' }] }));
  const r = mto(['train', '--config', 'trouble.json', '--out', 'trouble', '--quiet']);
  assert.equal(r.code, 1, r.err);
  assert.match(errors(r.err), new RegExp(`^error: writing the run: ${join(ws, 'trouble', 'checkpoints')}: cannot mkdir \\(EEXIST: a file is in the way\\)$`));
  assert.doesNotMatch(r.err, /\n\s+at /);
});
