import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');
const SCRIPT = join(ROOT, 'bench/studies/mto-protocol.sh');

function study(args: string[], out: string) {
  return spawnSync('bash', [SCRIPT, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, OUT: out } });
}

// docs/results.md tells readers to reproduce every study with this script: each one must plan
// (its configs, arms and overrides resolve) without training or writing anything.
test('every study of bench/studies/mto-protocol.sh plans as a dry run, and an unknown one is exit 2', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'mtojs-studies-')), 'out');
  try {
    const listed = study(['list'], out);
    assert.equal(listed.status, 0, listed.stderr);
    const names = listed.stdout.replace(/^studies:\s*/, '').trim().split(/\s+/);
    for (const expected of ['simmim-val', 'simmim-test', 'simmim-test-v1', 'simmim-measure-val', 'mae-test', 'text-test', 'audio-test']) assert.ok(names.includes(expected), `missing ${expected}: ${listed.stdout}`);
    for (const name of names) {
      const r = study([name, '--dry-run'], out);
      assert.equal(r.status, 0, `${name}: ${r.stderr}`);
      assert.match(r.stdout + r.stderr, /runs: \d+ \(/, name);
    }
    assert.ok(!existsSync(out), 'a dry run wrote the study directory');
    const unknown = study(['no-such-study'], out);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown study 'no-such-study'/);
  } finally {
    rmSync(resolve(out, '..'), { recursive: true, force: true });
  }
});
