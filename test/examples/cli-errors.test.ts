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

test('mistakes found while setting up (data files, token layout) are one-line errors with exit code 2 and leave no run directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mtojs-setup-errors-'));
  try {
    const grid = run(['train', '--config', join(ROOT, 'examples/mnist/simmim.yaml'), '--out', 'grid-run', '--set', 'masking.maskPatchSize=3'], dir);
    assert.equal(grid.status, 2, grid.stderr);
    assert.match(grid.stderr, /error: masking\.maskPatchSize: 3 does not divide the 4x4 token grid/);
    assert.ok(!existsSync(join(dir, 'grid-run')));

    // A data file or folder that is missing or not what it should be: exit 2, one line naming it.
    const refused = (name: string, data: string, line: RegExp) => {
      const cfg = join(dir, `${name}.yaml`);
      writeFileSync(cfg, `data: ${data}\nadapter: { name: image, patchSize: 4 }\nmasking: { name: random }\nmodel: { name: mae }\n`);
      const r = run(['train', '--config', cfg, '--out', `${name}-run`], dir);
      assert.equal(r.status, 2, r.stderr);
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
      assert.equal(errors.length, 1, r.stderr);
      assert.match(errors[0]!, line);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
      assert.ok(!existsSync(join(dir, `${name}-run`)));
    };
    refused('idx', '{ name: idx, trainImages: ./missing-images.idx, trainLabels: ./missing-labels.idx }', /^error: .*missing-images\.idx: cannot read the IDX images file \(no such file\)$/);
    writeFileSync(join(dir, 'bad.txt'), 'not an IDX file, just some text\n');
    refused('garbage', '{ name: idx, trainImages: ./bad.txt, trainLabels: ./bad.txt }', /^error: .*bad\.txt: not an IDX images file: expected magic number 0x00000803/);
    refused('folder', '{ name: image-folder, root: ./nope }', /^error: .*nope: no such folder; data\.root should be a folder/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
