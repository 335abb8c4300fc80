import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, Rng, registry, serializePart, type MaskingStrategy } from '@mtojs/core';
import { RandomMasking } from '@mtojs/masking';
import { chiSquareQuantile999, selectionChiSquare } from './statistics.js';
import { countRow, gridLayout, partContext, positionCounts, randomProtected } from './fixtures.js';

test('random: every row masks exactly round(ratio * N) tokens', () => {
  for (const [rows, cols] of [[7, 7], [14, 14], [4, 8], [1, 10]] as const) {
    for (const ratio of [0.25, 0.5, 0.75, 0.9]) {
      const layout = gridLayout(rows, cols);
      const sample = new RandomMasking({ ratio }).sample({ batchSize: 64, layout }, new Rng(1));
      const expected = Math.round(ratio * layout.numTokens);
      assert.equal(sample.batchSize, 64);
      assert.equal(sample.numTokens, layout.numTokens);
      assert.equal(sample.mask.length, 64 * layout.numTokens);
      for (let b = 0; b < 64; b++) {
        assert.equal(sample.maskedPerRow[b], expected, `${rows}x${cols} ratio ${ratio} row ${b}`);
        assert.equal(countRow(sample, b), expected);
      }
    }
  }
});

test('random: defaults to MAE ratio 0.75 and round-trips its config', () => {
  const masking = registry.create<MaskingStrategy>('masking', { name: 'random' }, partContext());
  assert.ok(masking instanceof RandomMasking);
  assert.deepEqual(masking.getConfig(), { ratio: 0.75 });
  assert.deepEqual(serializePart(masking), { name: 'random', ratio: 0.75 });
  assert.equal(masking.sample({ batchSize: 3, layout: gridLayout(14, 14) }, new Rng(0)).maskedPerRow[2], 147);
});

test('random: the same seed gives the same masks, another seed different ones', () => {
  const masking = new RandomMasking({ ratio: 0.6 });
  const request = { batchSize: 32, layout: gridLayout(7, 7) };
  const a = masking.sample(request, new Rng(42, 'masking'));
  const b = masking.sample(request, new Rng(42, 'masking'));
  const c = masking.sample(request, new Rng(43, 'masking'));
  assert.deepEqual(a.mask, b.mask);
  assert.notDeepEqual(a.mask, c.mask);
  // Rows of one batch differ from each other too (per-example masking).
  assert.notDeepEqual(a.mask.subarray(0, 49), a.mask.subarray(49, 98));
});

test('random: every position is masked at the same rate (chi-square, 4000 rows)', () => {
  for (const [rows, cols, ratio] of [[7, 7, 0.75], [14, 14, 0.4], [4, 8, 0.5]] as const) {
    const layout = gridLayout(rows, cols);
    const draws = 4000;
    const sample = new RandomMasking({ ratio }).sample({ batchSize: draws, layout }, new Rng(7));
    const stat = selectionChiSquare(positionCounts(sample), draws, Math.round(ratio * layout.numTokens));
    const limit = chiSquareQuantile999(layout.numTokens - 1);
    assert.ok(stat < limit, `${rows}x${cols}: chi-square ${stat.toFixed(1)} >= ${limit.toFixed(1)}`);
  }
});

test('the chi-square check has power: it rejects a mask that favours some positions', () => {
  // Moves a tenth of position 0's masks to position 1: a mild bias the test must catch.
  const layout = gridLayout(7, 7);
  const draws = 4000;
  const sample = new RandomMasking({ ratio: 0.75 }).sample({ batchSize: draws, layout }, new Rng(7));
  const counts = positionCounts(sample);
  const moved = Math.round(counts[0] * 0.1);
  counts[0] -= moved;
  counts[1] += moved;
  assert.ok(selectionChiSquare(counts, draws, 37) > chiSquareQuantile999(48));
});

test('random: protected tokens are never masked; the ratio applies to the eligible ones', () => {
  const layout = gridLayout(7, 7);
  const batchSize = 200;
  const isProtected = randomProtected(batchSize, 49, 0.3, 3);
  // One fully protected row and one with a single eligible token.
  isProtected.fill(1, 0, 49);
  isProtected.fill(1, 49, 98);
  isProtected[49 + 20] = 0;
  const ratio = 0.75;
  const sample = new RandomMasking({ ratio }).sample({ batchSize, layout, protected: isProtected }, new Rng(5));
  for (let b = 0; b < batchSize; b++) {
    let eligible = 0;
    for (let i = 0; i < 49; i++) {
      const at = b * 49 + i;
      if (isProtected[at]) assert.equal(sample.mask[at], 0, `row ${b} token ${i} is protected`);
      else eligible++;
    }
    assert.equal(sample.maskedPerRow[b], Math.round(ratio * eligible));
    assert.equal(countRow(sample, b), sample.maskedPerRow[b]);
  }
  assert.equal(sample.maskedPerRow[0], 0);
  assert.equal(sample.mask[49 + 20], 1);
});

test('random: invalid options are ConfigErrors that name the field', () => {
  const ctx = partContext();
  for (const ratio of [0, 1, 1.5, -0.2]) {
    assert.throws(() => registry.create('masking', { name: 'random', ratio }, ctx), (e: unknown) => e instanceof ConfigError && /^masking\.ratio: /.test(e.message));
  }
  assert.throws(() => registry.create('masking', { name: 'random', ratio: '0.5' }, ctx), /masking\.ratio: .*found "0\.5"/);
  assert.throws(() => registry.create('masking', { name: 'random', rate: 0.5 }, ctx), /masking: unknown field 'rate'/);
  // Constructing directly validates the same way.
  assert.throws(() => new RandomMasking({ ratio: 2 }), /masking\.ratio: /);
});

test('random: check() rejects a ratio that masks none or all of the layout', () => {
  assert.throws(() => new RandomMasking({ ratio: 0.9 }).check(gridLayout(2, 2)), /masking\.ratio: 0\.9 masks all 4 tokens/);
  assert.throws(() => new RandomMasking({ ratio: 0.1 }).check(gridLayout(2, 2)), /masking\.ratio: 0\.1 masks none of the 4 tokens/);
  new RandomMasking({ ratio: 0.75 }).check(gridLayout(2, 2));
});

test('random: a protected array of the wrong length is rejected', () => {
  assert.throws(
    () => new RandomMasking().sample({ batchSize: 2, layout: gridLayout(2, 2), protected: new Uint8Array(7) }, new Rng(0)),
    RangeError,
  );
});

test('random: a 256 x 196 batch takes milliseconds at most', () => {
  const masking = new RandomMasking();
  const request = { batchSize: 256, layout: gridLayout(14, 14) };
  const rng = new Rng(0);
  for (let i = 0; i < 20; i++) masking.sample(request, rng);
  const start = performance.now();
  for (let i = 0; i < 50; i++) masking.sample(request, rng);
  const perCall = (performance.now() - start) / 50;
  // Typically well under 1 ms; the bound is loose so a loaded machine does not fail it.
  assert.ok(perCall < 10, `${perCall.toFixed(2)} ms per batch`);
});
