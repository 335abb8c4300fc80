import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { tinyConfig } from './fixtures/tiny-task.js';

const BIN = resolve(__dirname, '../../../core/dist/cli/bin.js');
const FIXTURE = resolve(__dirname, 'fixtures/tiny-task.js');

function mto(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A project folder whose config imports its parts through a relative file, as a user's would. */
function project(root: string): string {
  const dir = join(root, 'project');
  mkdirSync(dir);
  writeFileSync(join(dir, 'parts.js'), `module.exports = require(${JSON.stringify(FIXTURE)});\n`);
  writeFileSync(join(dir, 'tiny.json'), JSON.stringify({ ...tinyConfig({ trainer: { epochs: 1, batchSize: 32, progress: 'none' } }), imports: ['./parts.js'] }));
  return dir;
}

test('mto list: --import and --config add third-party parts; an unknown flag is refused with exit 2', () => {
  const root = mkdtempSync(join(tmpdir(), 'mtojs-list-'));
  try {
    const dir = project(root);
    const plain = mto(['list'], root);
    assert.equal(plain.code, 0, plain.err);
    assert.match(plain.out, /^masking:\n(.*\n)*\s+random\s/m, 'the first-party packages are listed');
    assert.doesNotMatch(plain.out, /tiny-attention/);
    const byImport = mto(['list', '--import', './project/parts.js'], root);
    assert.equal(byImport.code, 0, byImport.err);
    assert.match(byImport.out, /^model:\n(.*\n)*\s+tiny-attention\s/m);
    assert.match(byImport.out, /^data:\n(.*\n)*\s+sines\s+synthetic sinusoid signals/m);
    const byConfig = mto(['list', '--config', join(dir, 'tiny.json')], root);
    assert.equal(byConfig.code, 0, byConfig.err);
    assert.match(byConfig.out, /\s+exact-random\s/);
    const missing = mto(['list', '--import', './nope.js'], root);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /^error: --import \.\/nope\.js: cannot find the file '\.\/nope\.js'/);
    const bad = mto(['list', '--bogus'], root);
    assert.equal(bad.code, 2);
    assert.equal(bad.err, "error: mto list: unknown option '--bogus'\nsee 'mto list --help'\n");
    assert.equal(bad.out, '');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a run directory is self-contained: its config.json holds absolute imports, so mto list --config and mto analyze work from another folder", () => {
  const root = mkdtempSync(join(tmpdir(), 'mtojs-run-imports-'));
  try {
    const dir = project(root);
    const trained = mto(['train', '--config', 'tiny.json', '--out', 'run'], dir);
    assert.equal(trained.code, 0, trained.err);
    const run = join(dir, 'run');
    const stored = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')) as { imports: string[] };
    assert.deepEqual(stored.imports, [join(dir, 'parts.js')]);
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere);
    const listed = mto(['list', '--config', join(run, 'config.json')], elsewhere);
    assert.equal(listed.code, 0, listed.err);
    assert.match(listed.out, /tiny-attention/);
    const analyzed = mto(['analyze', '--checkpoint', run, '--samples', '8', '--mask-rows', '50', '--backend', 'cpu'], elsewhere);
    assert.equal(analyzed.code, 0, analyzed.err);
    assert.match(analyzed.out, /heterogeneity profile of the encoder/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
