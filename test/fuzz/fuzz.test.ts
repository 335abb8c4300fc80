import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzCorpus } from './corpus.js';
import { formatCounts, runFuzz } from './run-fuzz.js';

/**
 * The fast share of the hostile-input corpus (`npm run fuzz` runs all of it): every 60th case,
 * so each group (configs, overrides, data files, tampered checkpoints) is represented, plus
 * the hand-found cases most likely to come back.
 */
const PINNED = ['mlpRatio 1e30', 'width 10000000', 'bert masking with the image adapter', 'plugins.4294967294', '--out /proc/x', 'JSON duplicate key', 'YAML !!js/function', 'png: IHDR 30000x30000', 'wav: sample rate 4e9', 'text: /dev/zero', 'checkpoint: step -5', 'run dir: a live lock', "fresh run into someone else's folder", 'the good image config'];

test('a sample of the fuzz corpus: clean one-line errors with the expected exit codes, no stack, nothing left behind, under 1 GB', async () => {
  const all = fuzzCorpus();
  const sample = all.filter((c, i) => i % 60 === 0 || PINNED.includes(c.name));
  const counts = await runFuzz(sample, { workers: 1 });
  const bad = counts.results.filter((r) => r.verdict !== 'ok').map((r) => `${r.verdict} ${r.name}: ${r.detail}`);
  assert.deepEqual(bad, [], formatCounts(counts));
  assert.equal(counts.tried, sample.length);
  assert.ok(counts.peakRssMb < 1024, formatCounts(counts));
});
