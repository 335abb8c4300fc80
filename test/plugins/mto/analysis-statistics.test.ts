import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, type MaskingStrategy, type TokenLayout } from '@mtojs/core';
import { RandomMasking } from '@mtojs/masking';
import { chiSquareUpperTail, dataSingularity, normalUpperTail, spatialRandomness } from '@mtojs/mto';

const layout: TokenLayout = { numTokens: 16, tokenDim: 1, targetDim: 1, grid: [4, 4], discrete: false };

test('normal and chi-square tails match tabulated values', () => {
  assert.ok(Math.abs(normalUpperTail(1.959964) - 0.025) < 1e-6);
  assert.ok(Math.abs(normalUpperTail(0) - 0.5) < 1e-7);
  assert.ok(Math.abs(normalUpperTail(-1.644854) - 0.95) < 1e-6);
  // chi-square 95th percentiles: df 10 -> 18.307, df 48 -> 65.171
  assert.ok(Math.abs(chiSquareUpperTail(18.307, 10) - 0.05) < 0.002);
  assert.ok(Math.abs(chiSquareUpperTail(65.171, 48) - 0.05) < 0.001);
  assert.equal(chiSquareUpperTail(0, 5), 1);
});

test('spatialRandomness: random masking covers positions uniformly; a strategy that favours positions is caught', () => {
  const fair = spatialRandomness(new RandomMasking({ ratio: 0.25 }), layout, 2000, new Rng(1).stream('coverage'));
  assert.equal(fair.expectedRate, 0.25);
  assert.deepEqual(fair.maskedPerRow, { min: 4, max: 4 });
  assert.ok(fair.uniform && fair.maxRelativeDeviation < 0.15, JSON.stringify(fair));

  // Masks 4 tokens drawn from the first 8 positions only half the time: positions 0..7 are favoured.
  const biased: MaskingStrategy = {
    getConfig: () => ({ ratio: 0.25 }),
    sample({ batchSize }, rng) {
      const mask = new Uint8Array(batchSize * 16);
      for (let b = 0; b < batchSize; b++) {
        const pool = rng.random() < 0.5 ? 8 : 16;
        for (const i of rng.permutation(pool).subarray(0, 4)) mask[b * 16 + i] = 1;
      }
      return { batchSize, numTokens: 16, mask, maskedPerRow: new Int32Array(batchSize).fill(4) };
    },
  };
  const skewed = spatialRandomness(biased, layout, 2000, new Rng(1).stream('coverage'));
  assert.equal(skewed.uniform, false);
  assert.ok(skewed.maxZPValue < 1e-6 && skewed.chiSquarePValue < 1e-6 && skewed.maxRelativeDeviation > 0.3, JSON.stringify(skewed));
});

test('dataSingularity: hand-checked distances, cosines and isolation', () => {
  // Real tokens on the unit square's corners; nearest neighbours are 1 apart.
  const real = Float32Array.from([0, 0, 1, 0, 0, 1, 1, 1]);
  const far = dataSingularity([10, 0], real, 4);
  assert.equal(far.realTokens, 4);
  assert.equal(far.maskToken.nearestDistance, 9);
  assert.ok(Math.abs(far.maskToken.nearestCosine - 1) < 1e-9); // same direction as (1, 0)
  assert.equal(far.real.nearestDistance.median, 1);
  assert.equal(far.isolation, 1);
  assert.equal(far.distanceRatio, 9);
  assert.equal(far.distinct, true);

  const onData = dataSingularity([1, 1], real, 4);
  assert.equal(onData.maskToken.nearestDistance, 0);
  assert.equal(onData.isolation, 0);
  assert.equal(onData.distinct, false);
});

test('dataSingularity: real tokens within radius x spread of the mask token are counted, and many of them is a collision', () => {
  // 6 of 10 real tokens are blank (all at the stem bias, 0); the mask token sits 0.02 from them.
  const real = Float32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 3, 3, 3, -3, 0]);
  const r = dataSingularity([0.02, 0], real, 10);
  assert.equal(r.near.count, 6);
  assert.equal(r.near.fraction, 0.6);
  assert.equal(r.collides, true);
  const far = dataSingularity([10, 10], real, 10);
  assert.equal(far.near.count, 0);
  assert.equal(far.collides, false);
  // The threshold is radius x the RMS distance of the real tokens from their mean.
  const centre = [0.3, 0.6];
  const rows = Array.from({ length: 10 }, (_, i) => [real[2 * i], real[2 * i + 1]]);
  const spread = Math.sqrt(rows.reduce((s, [x, y]) => s + (x - centre[0]) ** 2 + (y - centre[1]) ** 2, 0) / 10);
  assert.ok(Math.abs(r.near.spread - spread) < 1e-9 && Math.abs(r.near.threshold - 0.25 * spread) < 1e-9, `spread ${r.near.spread}`);
});
