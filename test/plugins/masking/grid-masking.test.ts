import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, Rng, registry, type MaskSample, type MaskingStrategy } from '@mtojs/core';
import { GridMasking } from '@mtojs/masking';
import { chiSquareQuantile999, selectionChiSquare } from './statistics.js';
import { countRow, gridLayout, partContext, randomProtected } from './fixtures.js';

/** Per block of side `side`: 1 when every token is masked, 0 when none is; throws on a partly masked block. */
function blockStates(sample: MaskSample, b: number, [rows, cols]: [number, number], side: number): number[] {
  const states: number[] = [];
  for (let top = 0; top < rows; top += side) {
    for (let left = 0; left < cols; left += side) {
      let masked = 0;
      for (let r = top; r < top + side; r++) for (let c = left; c < left + side; c++) masked += sample.mask[b * rows * cols + r * cols + c];
      assert.ok(masked === 0 || masked === side * side, `row ${b}: block at (${top}, ${left}) is partly masked`);
      states.push(masked === 0 ? 0 : 1);
    }
  }
  return states;
}

const CASES: [rows: number, cols: number, side: number][] = [
  [14, 14, 2],
  [4, 8, 2],
  [6, 6, 3],
  [8, 8, 4],
  [7, 7, 1],
];

test('grid: every row masks exactly round(ratio * blocks) whole blocks', () => {
  for (const [rows, cols, side] of CASES) {
    for (const ratio of [0.3, 0.5, 0.6, 0.75]) {
      const layout = gridLayout(rows, cols);
      const masking = new GridMasking({ ratio, maskPatchSize: side });
      masking.check(layout);
      const sample = masking.sample({ batchSize: 32, layout }, new Rng(2));
      const numBlocks = (rows / side) * (cols / side);
      const expectedBlocks = Math.round(ratio * numBlocks);
      for (let b = 0; b < 32; b++) {
        const states = blockStates(sample, b, layout.grid, side);
        assert.equal(states.reduce((s, x) => s + x, 0), expectedBlocks, `${rows}x${cols}/${side} ratio ${ratio} row ${b}`);
        assert.equal(sample.maskedPerRow[b], expectedBlocks * side * side);
        assert.equal(countRow(sample, b), sample.maskedPerRow[b]);
      }
    }
  }
});

test('grid: defaults to SimMIM ratio 0.6 and 2x2 blocks, and round-trips its config', () => {
  const masking = registry.create<MaskingStrategy>('masking', { name: 'grid' }, partContext());
  assert.ok(masking instanceof GridMasking);
  assert.deepEqual(masking.getConfig(), { ratio: 0.6, maskPatchSize: 2 });
  // 14x14 tokens = 49 blocks of 2x2; round(0.6 * 49) = 29 blocks = 116 tokens.
  assert.equal(masking.sample({ batchSize: 1, layout: gridLayout(14, 14) }, new Rng(0)).maskedPerRow[0], 116);
});

test('grid: a block size that does not divide the grid is a ConfigError naming the field, in check() and sample()', () => {
  const masking = new GridMasking({ maskPatchSize: 3 });
  const layout = gridLayout(7, 7);
  const expected = (e: unknown) => e instanceof ConfigError && e.message === 'masking.maskPatchSize: 3 does not divide the 7x7 token grid';
  assert.throws(() => masking.check(layout), expected);
  assert.throws(() => masking.sample({ batchSize: 1, layout }, new Rng(0)), expected);
  assert.throws(() => new GridMasking({ maskPatchSize: 2 }).check(gridLayout(4, 7)), /masking\.maskPatchSize: 2 does not divide the 4x7 token grid/);
  // A single block cannot be masked at a ratio strictly between 0 and 1 without masking none or all of it.
  assert.throws(() => new GridMasking({ maskPatchSize: 7, ratio: 0.6 }).check(layout), /masking\.ratio: 0\.6 masks all 1 7x7 blocks/);
});

test('grid: a layout whose grid does not cover its tokens is rejected', () => {
  assert.throws(() => new GridMasking().check({ ...gridLayout(4, 4), numTokens: 17 }), /masking\.name: 'grid' masking needs a token grid that covers the 17 tokens; the adapter reports a 4x4 grid/);
});

test('grid: invalid options are ConfigErrors that name the field', () => {
  const ctx = partContext();
  for (const maskPatchSize of [0, -2, 1.5]) {
    assert.throws(() => registry.create('masking', { name: 'grid', maskPatchSize }, ctx), /^ConfigError: masking\.maskPatchSize: /);
  }
  for (const ratio of [0, 1, 2]) assert.throws(() => registry.create('masking', { name: 'grid', ratio }, ctx), /^ConfigError: masking\.ratio: /);
  assert.throws(() => registry.create('masking', { name: 'grid', patchSize: 2 }, ctx), /masking: unknown field 'patchSize'/);
});

test('grid: the same seed gives the same masks, another seed different ones', () => {
  const masking = new GridMasking();
  const request = { batchSize: 16, layout: gridLayout(14, 14) };
  assert.deepEqual(masking.sample(request, new Rng(9)).mask, masking.sample(request, new Rng(9)).mask);
  assert.notDeepEqual(masking.sample(request, new Rng(9)).mask, masking.sample(request, new Rng(10)).mask);
});

test('grid: every block is masked at the same rate (chi-square per block, 4000 rows)', () => {
  // Tokens of one block are masked together, so the unit of the test is the block.
  for (const [rows, cols, side, ratio] of [[14, 14, 2, 0.6], [4, 8, 2, 0.5], [12, 12, 3, 0.4]] as const) {
    const layout = gridLayout(rows, cols);
    const draws = 4000;
    const sample = new GridMasking({ ratio, maskPatchSize: side }).sample({ batchSize: draws, layout }, new Rng(13));
    const numBlocks = (rows / side) * (cols / side);
    const counts = new Float64Array(numBlocks);
    for (let b = 0; b < draws; b++) blockStates(sample, b, layout.grid, side).forEach((s, k) => (counts[k] += s));
    const stat = selectionChiSquare(counts, draws, Math.round(ratio * numBlocks));
    const limit = chiSquareQuantile999(numBlocks - 1);
    assert.ok(stat < limit, `${rows}x${cols}/${side}: chi-square ${stat.toFixed(1)} >= ${limit.toFixed(1)}`);
  }
});

test('grid: protected tokens are never masked; other blocks top the count up', () => {
  const layout = gridLayout(8, 8);
  const batchSize = 300;
  const isProtected = randomProtected(batchSize, 64, 0.15, 4);
  // A row with fewer eligible tokens than the target masks all of them.
  isProtected.fill(1, 0, 64);
  for (const i of [3, 17, 40]) isProtected[i] = 0;
  const masking = new GridMasking({ ratio: 0.5, maskPatchSize: 2 });
  const sample = masking.sample({ batchSize, layout, protected: isProtected }, new Rng(8));
  const target = Math.round(0.5 * 16) * 4;
  for (let b = 0; b < batchSize; b++) {
    let eligible = 0;
    for (let i = 0; i < 64; i++) {
      if (isProtected[b * 64 + i]) assert.equal(sample.mask[b * 64 + i], 0, `row ${b} token ${i} is protected`);
      else eligible++;
    }
    assert.equal(sample.maskedPerRow[b], Math.min(target, eligible), `row ${b}`);
    assert.equal(countRow(sample, b), sample.maskedPerRow[b]);
  }
  assert.deepEqual([3, 17, 40].map((i) => sample.mask[i]), [1, 1, 1]);
});

test('grid: a 256 x 196 batch takes milliseconds at most', () => {
  const masking = new GridMasking();
  const request = { batchSize: 256, layout: gridLayout(14, 14) };
  const rng = new Rng(0);
  for (let i = 0; i < 20; i++) masking.sample(request, rng);
  const start = performance.now();
  for (let i = 0; i < 50; i++) masking.sample(request, rng);
  const perCall = (performance.now() - start) / 50;
  // Typically well under 1 ms; the bound is loose so a loaded machine does not fail it.
  assert.ok(perCall < 10, `${perCall.toFixed(2)} ms per batch`);
});
