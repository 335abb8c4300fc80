import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, existsSync, readdirSync, readFileSync, mkdirSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as tf from '@tensorflow/tfjs-core';
import { Encoder, MTOJS_VERSION, runCli, loadCheckpoint, loadEncoder, disposeTensors, encoderDirectory } from '@mtojs/core';
import { tinyConfig } from './fixtures/tiny-task.js';

const BIN = resolve(__dirname, '../../../core/dist/cli/bin.js');
const FIXTURE = resolve(__dirname, 'fixtures/tiny-task.js');

function mto(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/**
 * Runs the CLI in this process (as bin.js does) from `cwd`, capturing its stderr: quicker than
 * a child process per case. (stdout is left alone: the test runner reports through it.)
 */
async function mtoHere(args: string[], cwd: string): Promise<{ code: number; err: string }> {
  const write = process.stderr.write;
  let err = '';
  const before = process.cwd();
  process.chdir(cwd);
  process.stderr.write = ((chunk: string) => ((err += chunk), true)) as typeof process.stderr.write;
  try {
    return { code: await runCli(args), err };
  } finally {
    process.stderr.write = write;
    process.chdir(before);
  }
}

/** A run of the core's tiny task with checkpoints at steps 4 and 8, trained once for this file's tests. */
let shared: string | null = null;
function trainedRun(): { dir: string; cleanup: () => void } {
  if (!shared) {
    shared = mkdtempSync(join(tmpdir(), 'mtojs-export-'));
    writeFileSync(join(shared, 'tiny.json'), JSON.stringify({ ...tinyConfig(), imports: [FIXTURE] }));
    const r = mto(['train', '--config', 'tiny.json', '--out', 'run', '--quiet'], shared);
    assert.equal(r.code, 0, r.err);
  }
  return { dir: shared, cleanup: () => {} };
}
after(() => {
  if (shared) rmSync(shared, { recursive: true, force: true });
});

function weightsOf(dir: string): Buffer {
  return readFileSync(join(dir, 'weights.bin'));
}

test('the version exported encoders record is the package version', () => {
  assert.equal(MTOJS_VERSION, JSON.parse(readFileSync(resolve(__dirname, '../../../core/package.json'), 'utf8')).version);
});

test('mto export: the latest checkpoint by default, --checkpoint step-N for another; the weights are that checkpoint\'s model weights', async () => {
  const { dir, cleanup } = trainedRun();
  try {
    assert.deepEqual(readdirSync(join(dir, 'run', 'checkpoints')).sort(), ['latest', 'step-00000004', 'step-00000008']);
    const latest = mto(['export', 'run', '--out', 'enc'], dir);
    assert.equal(latest.code, 0, latest.err);
    assert.match(latest.err, /exported tiny-attention \(signal\) at step 8: \d+ weights/);
    assert.equal(latest.out.trim(), join(dir, 'enc'));
    const early = mto(['export', 'run', '--out', 'enc4', '--checkpoint', 'step-4'], dir);
    assert.equal(early.code, 0, early.err);
    assert.notDeepEqual(weightsOf(join(dir, 'enc')), weightsOf(join(dir, 'enc4')));
    const ck = loadCheckpoint(join(dir, 'run', 'checkpoints', 'step-00000004'));
    await import(FIXTURE);
    const enc = await loadEncoder(join(dir, 'enc4'));
    try {
      for (const { name, variable } of enc.model.variables()) {
        assert.deepEqual(Array.from(variable.dataSync()), Array.from(ck.tensors.get(`model/${name}`)!.dataSync()), name);
      }
      const names = enc.model.variables().map((v) => `model/${v.name}`).sort();
      assert.deepEqual(names, [...ck.tensors.keys()].filter((k) => k.startsWith('model/')).sort(), 'every model weight, and only those');
    } finally {
      enc.dispose();
      disposeTensors(ck.tensors);
    }
    // --force replaces an existing folder; the replaced content is gone.
    writeFileSync(join(dir, 'enc4', 'stale.txt'), 'x');
    const forced = mto(['export', 'run', '--out', 'enc4', '--force'], dir);
    assert.equal(forced.code, 0, forced.err);
    assert.deepEqual(readdirSync(join(dir, 'enc4')).sort(), ['model.json', 'weights.bin']);
    assert.deepEqual(weightsOf(join(dir, 'enc4')), weightsOf(join(dir, 'enc')));
    assert.ok(readdirSync(dir).every((n) => !n.includes('.tmp-')), 'no temp folders left');
  } finally {
    cleanup();
  }
});

test('mto export: user mistakes are one-line errors, exit 2, and write nothing', async () => {
  const { dir, cleanup } = trainedRun();
  try {
    mkdirSync(join(dir, 'taken'));
    writeFileSync(join(dir, 'taken', 'keep.txt'), 'mine');
    mkdirSync(join(dir, 'norun'));
    writeFileSync(join(dir, 'norun', 'config.json'), readFileSync(join(dir, 'run', 'config.json')));
    const cases: [string[], RegExp][] = [
      [['export', 'missing', '--out', 'o'], /^error: missing: no such run directory$/],
      [['export', 'taken', '--out', 'o'], /^error: taken: not a run directory \(it has no config\.json/],
      [['export', 'norun', '--out', 'o'], /^error: norun: the run has no checkpoint/],
      [['export', 'run', '--out', 'o', '--checkpoint', 'step-5'], /^error: --checkpoint: no checkpoint 'step-5' in run\/checkpoints \(has: step-00000004, step-00000008\)$/],
      [['export', 'run', '--out', 'taken'], /^error: --out: taken already exists and is not empty; choose another folder or pass --force to replace it$/],
      [['export', 'run', '--out', 'run', '--force'], /^error: --out: run is \(or contains\) the run directory; choose a folder outside it$/],
      [['export', 'run', '--out', '.', '--force'], /^error: --out: \. is \(or contains\) the run directory; choose a folder outside it$/],
      [['export', 'run', '--out', 'o', '--frobnicate'], /^error: mto export: unknown option '--frobnicate'\nsee 'mto export --help'$/],
      [['export', 'run'], /^error: mto export: --out DIR is required/],
      [['export', '--out', 'o'], /^error: mto export: expected one RUN_DIR, got none/],
      [['export', 'run', '--out', 'o', '--backend', 'gpu'], /^error: --backend: unknown backend 'gpu'/],
      [['export', 'run', '--out', 'taken/keep.txt/enc'], /\nerror: .*keep\.txt: cannot mkdir \(EEXIST: a file is in the way\)$/],
    ];
    for (const [args, message] of cases) {
      const r = await mtoHere(args, dir);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err.trim(), message, args.join(" "));
      assert.ok(!/\n\s+at /.test(r.err), 'no stack trace');
    }
    assert.ok(!existsSync(join(dir, 'o')), 'nothing written');
    assert.deepEqual(readdirSync(join(dir, 'taken')), ['keep.txt']);
    assert.deepEqual(readdirSync(join(dir, 'run')).sort(), ['artifacts', 'checkpoints', 'config.json', 'metrics.jsonl', 'summary.json']);
    const help = mto(['export', '--help'], dir);
    assert.equal(help.code, 0);
    assert.match(help.out, /usage: mto export RUN_DIR --out DIR/);
  } finally {
    cleanup();
  }
});

test('loadEncoder reads an encoder over http (a URL of model.json or of its folder), as a browser would', async () => {
  const { dir, cleanup } = trainedRun();
  await import(FIXTURE);
  await tf.setBackend('cpu');
  assert.equal(mto(['export', 'run', '--out', 'site/enc'], dir).code, 0);
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url!);
    const file = join(dir, 'site', decodeURIComponent(req.url!.split('?')[0]));
    if (!existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': req.url!.endsWith('.json') ? 'application/json' : 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const encoders: Encoder[] = [];
  try {
    const fromDir = await loadEncoder(join(dir, 'site', 'enc'));
    encoders.push(fromDir);
    const viaJson = await loadEncoder(`${base}/enc/model.json`);
    encoders.push(viaJson);
    const viaFolder = await loadEncoder(`${base}/enc/`);
    encoders.push(viaFolder);
    assert.deepEqual(requests, ['/enc/model.json', '/enc/weights.bin', '/enc/model.json', '/enc/weights.bin']);
    for (const e of [viaJson, viaFolder]) {
      assert.deepEqual(e.info, fromDir.info);
      for (const [i, { variable }] of e.model.variables().entries()) assert.deepEqual(variable.dataSync(), fromDir.model.variables()[i].variable.dataSync());
    }
    await assert.rejects(loadEncoder(`${base}/nothing/model.json`), /nothing\/model\.json: cannot load the encoder \(.*404/);
    // A loaded encoder saves as it was loaded.
    await viaJson.save(encoderDirectory(join(dir, 'resaved')));
    assert.deepEqual(readFileSync(join(dir, 'resaved', 'model.json'), 'utf8'), readFileSync(join(dir, 'site', 'enc', 'model.json'), 'utf8'));
  } finally {
    encoders.forEach((e) => e.dispose());
    server.close();
    cleanup();
  }
});
