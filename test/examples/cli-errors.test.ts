import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');
const BIN = join(ROOT, 'core/dist/cli/bin.js');

function run(args: string[], cwd: string) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });
}

test('mistakes found while setting up (data files, token layout) are one-line errors and leave no run directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mtojs-setup-errors-'));
  try {
    const grid = run(['train', '--config', join(ROOT, 'examples/mnist/simmim.yaml'), '--out', 'grid-run', '--set', 'masking.maskPatchSize=3'], dir);
    assert.equal(grid.status, 2, grid.stderr);
    assert.match(grid.stderr, /error: masking\.maskPatchSize: 3 does not divide the 4x4 token grid/);
    assert.ok(!existsSync(join(dir, 'grid-run')));

    const cfg = join(dir, 'idx.yaml');
    writeFileSync(cfg, 'data: { name: idx, trainImages: ./missing-images.idx, trainLabels: ./missing-labels.idx }\nadapter: { name: image, patchSize: 7 }\nmasking: { name: random }\nmodel: { name: mae }\n');
    const idx = run(['train', '--config', cfg, '--out', 'idx-run'], dir);
    assert.equal(idx.status, 1, idx.stderr);
    assert.match(idx.stderr, /error: .*missing-images\.idx: cannot read the IDX images file \(no such file\)/);
    assert.doesNotMatch(idx.stderr, /\n\s+at /);
    assert.ok(!existsSync(join(dir, 'idx-run')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
