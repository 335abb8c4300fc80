import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, registry, type MaskSample, type MaskingStrategy } from '@mtojs/core';
import { BlockMasking, RandomMasking } from '@mtojs/masking';
import { countRow, gridLayout, partContext, positionCounts, randomProtected } from './fixtures.js';

/** Of the masked tokens that have a right neighbour, the fraction whose right neighbour is masked too. */
function rightNeighbourMaskedRate(sample: MaskSample, [rows, cols]: [number, number]): number {
  let masked = 0;
  let both = 0;
  for (let b = 0; b < sample.batchSize; b++) {
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols - 1; c++) {
        const at = b * rows * cols + r * cols + c;
        if (sample.mask[at]) {
          masked++;
          both += sample.mask[at + 1];
        }
      }
    }
  }
  return both / masked;
}

test('block: every row masks exactly round(ratio * N) tokens', () => {
  for (const [rows, cols] of [[14, 14], [7, 7], [4, 8], [1, 32]] as const) {
    for (const ratio of [0.15, 0.4, 0.5, 0.75]) {
      const layout = gridLayout(rows, cols);
      const sample = new BlockMasking({ ratio }).sample({ batchSize: 64, layout }, new Rng(3));
      const expected = Math.round(ratio * layout.numTokens);
      for (let b = 0; b < 64; b++) {
        assert.equal(sample.maskedPerRow[b], expected, `${rows}x${cols} ratio ${ratio} row ${b}`);
        assert.equal(countRow(sample, b), expected);
      }
    }
  }
});

test('block: counts stay exact with a per-block cap and extreme aspect ratios', () => {
  const layout = gridLayout(14, 14);
  for (const options of [{ maxBlockTokens: 4 }, { minBlockTokens: 16 }, { minAspect: 0.05 }, { minAspect: 1 }, { minAspect: 0.5, maxAspect: 4 }]) {
    const sample = new BlockMasking({ ratio: 0.4, ...options }).sample({ batchSize: 64, layout }, new Rng(4));
    for (let b = 0; b < 64; b++) assert.equal(countRow(sample, b), 78, `${JSON.stringify(options)} row ${b}`);
  }
});

test('block: defaults to BEiT settings and round-trips its config', () => {
  const masking = registry.create<MaskingStrategy>('masking', { name: 'block' }, partContext());
  assert.ok(masking instanceof BlockMasking);
  assert.deepEqual(masking.getConfig(), { ratio: 0.4, minBlockTokens: 4, minAspect: 0.3 });
  const again = registry.create<MaskingStrategy>('masking', { name: 'block', ...masking.getConfig() }, partContext());
  assert.deepEqual(again.getConfig(), masking.getConfig());
});

test('block: masks come in blocks, not scattered tokens', () => {
  // With random masking at ratio 0.4 a masked token's right neighbour is masked about 40% of the time.
  const layout = gridLayout(14, 14);
  const request = { batchSize: 500, layout };
  const blockRate = rightNeighbourMaskedRate(new BlockMasking({ ratio: 0.4 }).sample(request, new Rng(5)), layout.grid);
  const randomRate = rightNeighbourMaskedRate(new RandomMasking({ ratio: 0.4 }).sample(request, new Rng(5)), layout.grid);
  assert.ok(randomRate < 0.45, `random: ${randomRate}`);
  assert.ok(blockRate > 0.7, `block: ${blockRate}`);
});

test('block: the same seed gives the same masks, another seed different ones', () => {
  const masking = new BlockMasking();
  const request = { batchSize: 16, layout: gridLayout(14, 14) };
  assert.deepEqual(masking.sample(request, new Rng(21)).mask, masking.sample(request, new Rng(21)).mask);
  assert.notDeepEqual(masking.sample(request, new Rng(21)).mask, masking.sample(request, new Rng(22)).mask);
});

test('block: every position is masked, edges less often than the centre (BEiT\'s bias), symmetrically', () => {
  // Blocks must fit inside the grid, so fewer blocks cover an edge or a corner: the rates are not
  // uniform and no chi-square test applies. What holds: every position is reachable, the
  // corner/centre gap is bounded, and the rates are symmetric under the grid's reflections.
  const [rows, cols] = [14, 14];
  const layout = gridLayout(rows, cols);
  const draws = 4000;
  const sample = new BlockMasking({ ratio: 0.4 }).sample({ batchSize: draws, layout }, new Rng(17));
  const rate = Array.from(positionCounts(sample), (n) => n / draws);
  const at = (r: number, c: number) => rate[r * cols + c];
  assert.ok(Math.min(...rate) > 0, 'some position is never masked');
  const mean = rate.reduce((s, x) => s + x, 0) / rate.length;
  assert.ok(Math.abs(mean - 78 / 196) < 1e-12);
  const corner = (at(0, 0) + at(0, cols - 1) + at(rows - 1, 0) + at(rows - 1, cols - 1)) / 4;
  const centre = (at(6, 6) + at(6, 7) + at(7, 6) + at(7, 7)) / 4;
  // Measured about 11.6x with these settings.
  assert.ok(centre / corner > 2 && centre / corner < 20, `centre ${centre.toFixed(3)} / corner ${corner.toFixed(3)}`);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      // Standard error of a rate is about 0.008; a mirrored pair differs by more than 0.05 only if biased.
      assert.ok(Math.abs(at(r, c) - at(r, cols - 1 - c)) < 0.05, `left/right asymmetry at (${r}, ${c})`);
      assert.ok(Math.abs(at(r, c) - at(rows - 1 - r, c)) < 0.05, `top/bottom asymmetry at (${r}, ${c})`);
      assert.ok(Math.abs(at(r, c) - at(c, r)) < 0.05, `transpose asymmetry at (${r}, ${c})`);
    }
  }
});

test('block: protected tokens are never masked and the count stays exact', () => {
  const layout = gridLayout(14, 14);
  const batchSize = 200;
  const isProtected = randomProtected(batchSize, 196, 0.2, 6);
  // A row with fewer eligible tokens than the target (78) masks all of them.
  isProtected.fill(1, 0, 196);
  isProtected.fill(0, 0, 50);
  const sample = new BlockMasking({ ratio: 0.4 }).sample({ batchSize, layout, protected: isProtected }, new Rng(9));
  for (let b = 0; b < batchSize; b++) {
    let eligible = 0;
    for (let i = 0; i < 196; i++) {
      if (isProtected[b * 196 + i]) assert.equal(sample.mask[b * 196 + i], 0, `row ${b} token ${i} is protected`);
      else eligible++;
    }
    assert.equal(sample.maskedPerRow[b], Math.min(78, eligible), `row ${b}`);
    assert.equal(countRow(sample, b), sample.maskedPerRow[b]);
  }
});

test('block: invalid options are ConfigErrors that name the field', () => {
  const ctx = partContext();
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ ratio: 1 }, /^ConfigError: masking\.ratio: /],
    [{ minBlockTokens: 0 }, /^ConfigError: masking\.minBlockTokens: /],
    [{ minBlockTokens: 2.5 }, /^ConfigError: masking\.minBlockTokens: /],
    [{ maxBlockTokens: 2 }, /^ConfigError: masking\.maxBlockTokens: must be at least minBlockTokens/],
    [{ minAspect: 0 }, /^ConfigError: masking\.minAspect: /],
    [{ minAspect: 1.5 }, /^ConfigError: masking\.minAspect: /],
    [{ minAspect: 0.5, maxAspect: 0.4 }, /^ConfigError: masking\.maxAspect: must be at least minAspect/],
    [{ aspect: 0.3 }, /^ConfigError: masking: unknown field 'aspect'/],
  ];
  for (const [options, message] of bad) assert.throws(() => registry.create('masking', { name: 'block', ...options }, ctx), message);
});

test('block: check() rejects a grid that does not cover the tokens and a ratio that masks nothing', () => {
  assert.throws(() => new BlockMasking().check({ ...gridLayout(14, 14), grid: [1, 196], numTokens: 195 }), /masking\.name: 'block'/);
  assert.throws(() => new BlockMasking({ ratio: 0.1 }).check(gridLayout(2, 2)), /masking\.ratio: 0\.1 masks none/);
  new BlockMasking().check(gridLayout(14, 14));
});

test('block: a 256 x 196 batch takes milliseconds at most', () => {
  const masking = new BlockMasking();
  const request = { batchSize: 256, layout: gridLayout(14, 14) };
  const rng = new Rng(0);
  for (let i = 0; i < 20; i++) masking.sample(request, rng);
  const start = performance.now();
  for (let i = 0; i < 50; i++) masking.sample(request, rng);
  const perCall = (performance.now() - start) / 50;
  // Typically under 1 ms; the bound is loose so a loaded machine does not fail it.
  assert.ok(perCall < 10, `${perCall.toFixed(2)} ms per batch`);
});
