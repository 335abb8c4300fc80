import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, Rng, registry, type MaskingStrategy } from '@mtojs/core';
import { RandomMasking, SpecAugmentMasking, TimeFrequencyMasking } from '@mtojs/masking';
import { chiSquareQuantile999, selectionChiSquare } from './statistics.js';
import { countRow, gridLayout, partContext, positionCounts } from './fixtures.js';

/** Protected flags of padded clips: in row b, the last `padded[b]` time columns of a rows x cols grid. */
function paddedColumns(rows: number, cols: number, padded: number[]): Uint8Array {
  const flags = new Uint8Array(padded.length * rows * cols);
  padded.forEach((p, b) => {
    for (let r = 0; r < rows; r++) for (let c = cols - p; c < cols; c++) flags[b * rows * cols + r * cols + c] = 1;
  });
  return flags;
}

test('time-frequency: whole columns and rows, exactly N - keptCols * keptRows per row', () => {
  const layout = gridLayout(8, 8);
  const sample = new TimeFrequencyMasking({ timeRatio: 0.6, freqRatio: 0.5 }).sample({ batchSize: 200, layout }, new Rng(1));
  for (let b = 0; b < 200; b++) {
    assert.equal(sample.maskedPerRow[b], 64 - 3 * 4);
    assert.equal(countRow(sample, b), 52);
    // The visible tokens form a 4 x 3 (rows x columns) product set.
    const visibleRows = new Set<number>();
    const visibleCols = new Set<number>();
    for (let i = 0; i < 64; i++) if (!sample.mask[b * 64 + i]) (visibleRows.add(Math.floor(i / 8)), visibleCols.add(i % 8));
    assert.equal(visibleRows.size, 4);
    assert.equal(visibleCols.size, 3);
  }
});

test('time-frequency: time only and frequency only', () => {
  const layout = gridLayout(4, 10);
  const time = new TimeFrequencyMasking({ timeRatio: 0.3, freqRatio: 0 }).sample({ batchSize: 50, layout }, new Rng(2));
  const freq = new TimeFrequencyMasking({ timeRatio: 0, freqRatio: 0.5 }).sample({ batchSize: 50, layout }, new Rng(2));
  for (let b = 0; b < 50; b++) {
    for (let c = 0; c < 10; c++) {
      const column = [0, 1, 2, 3].map((r) => time.mask[b * 40 + r * 10 + c]);
      assert.ok(column.every((v) => v === column[0]), 'time masks cover whole columns');
    }
    assert.equal(countRow(time, b), 12);
    assert.equal(countRow(freq, b), 20);
  }
});

test('time-frequency: every column and every row is picked equally often (chi-square, 4000 rows)', () => {
  const layout = gridLayout(8, 8);
  const draws = 4000;
  const sample = new TimeFrequencyMasking({ timeRatio: 0.25, freqRatio: 0 }).sample({ batchSize: draws, layout }, new Rng(3));
  const columns = positionCounts(sample).subarray(0, 8); // row 0 of the grid: one entry per column
  assert.ok(selectionChiSquare(columns, draws, 2) < chiSquareQuantile999(7));
  const byRow = new TimeFrequencyMasking({ timeRatio: 0, freqRatio: 0.375 }).sample({ batchSize: draws, layout }, new Rng(4));
  const counts = positionCounts(byRow);
  const rowCounts = Array.from({ length: 8 }, (_, r) => counts[r * 8]);
  assert.ok(selectionChiSquare(rowCounts, draws, 3) < chiSquareQuantile999(7));
});

test('time-frequency: padding is never masked and every row of a padded batch has one count', () => {
  const layout = gridLayout(8, 8);
  const padded = [0, 3, 5, 1, 6, 0, 2, 4];
  const flags = paddedColumns(8, 8, padded);
  const masking = new TimeFrequencyMasking();
  for (let seed = 0; seed < 20; seed++) {
    const sample = masking.sample({ batchSize: padded.length, layout, protected: flags }, new Rng(seed));
    for (let i = 0; i < flags.length; i++) assert.ok(!(flags[i] && sample.mask[i]), 'a protected token was masked');
    const count = sample.maskedPerRow[0];
    assert.ok(count > 0);
    for (let b = 0; b < padded.length; b++) {
      assert.equal(sample.maskedPerRow[b], count);
      assert.equal(countRow(sample, b), count);
      assert.ok(count < 64 - padded[b] * 8, 'some eligible token stays visible');
    }
  }
});

test('time-frequency: deterministic, defaults, config errors', () => {
  const request = { batchSize: 16, layout: gridLayout(8, 8) };
  const m = registry.create<MaskingStrategy>('masking', { name: 'time-frequency' }, partContext());
  assert.ok(m instanceof TimeFrequencyMasking);
  assert.deepEqual(m.getConfig(), { timeRatio: 0.6, freqRatio: 0.5 });
  assert.deepEqual(m.sample(request, new Rng(5)).mask, m.sample(request, new Rng(5)).mask);
  assert.notDeepEqual(m.sample(request, new Rng(5)).mask, m.sample(request, new Rng(6)).mask);
  assert.throws(() => new TimeFrequencyMasking({ timeRatio: 0, freqRatio: 0 }), ConfigError);
  assert.throws(() => new TimeFrequencyMasking({ timeRatio: 0.1, freqRatio: 0 }).check(gridLayout(8, 4)), /mask nothing/);
});

test('spec-augment: exact counts, spans of whole lines, uniform coverage of columns', () => {
  const layout = gridLayout(8, 8);
  const masking = new SpecAugmentMasking({ ratio: 0.5, maxTimeSpan: 2, maxFreqSpan: 2 });
  const draws = 4000;
  const sample = masking.sample({ batchSize: draws, layout }, new Rng(7));
  let wholeLines = 0;
  for (let b = 0; b < draws; b++) {
    assert.equal(sample.maskedPerRow[b], 32);
    assert.equal(countRow(sample, b), 32);
    for (let c = 0; c < 8; c++) if ([0, 1, 2, 3, 4, 5, 6, 7].every((r) => sample.mask[b * 64 + r * 8 + c])) wholeLines++;
  }
  assert.ok(wholeLines / draws > 1, `spans mask whole columns (${(wholeLines / draws).toFixed(2)} per row)`);
  // By symmetry every column is masked equally often; rows likewise.
  const counts = positionCounts(sample);
  const perColumn = Array.from({ length: 8 }, (_, c) => [0, 1, 2, 3, 4, 5, 6, 7].reduce((n, r) => n + counts[r * 8 + c], 0));
  const mean = perColumn.reduce((a, b) => a + b) / 8;
  for (const n of perColumn) assert.ok(Math.abs(n - mean) / mean < 0.2, `column counts ${perColumn.join(', ')}`);
});

test('spec-augment and random equalCounts: padded batches get round(ratio * fewest eligible) in every row, padding untouched', () => {
  const layout = gridLayout(8, 8);
  const padded = [0, 2, 5, 3];
  const flags = paddedColumns(8, 8, padded);
  const expected = Math.round(0.8 * (64 - 5 * 8));
  for (const masking of [new SpecAugmentMasking({ ratio: 0.8 }), new RandomMasking({ ratio: 0.8, equalCounts: true })]) {
    for (let seed = 0; seed < 10; seed++) {
      const sample = masking.sample({ batchSize: 4, layout, protected: flags }, new Rng(seed));
      for (let i = 0; i < flags.length; i++) assert.ok(!(flags[i] && sample.mask[i]));
      for (let b = 0; b < 4; b++) assert.equal(countRow(sample, b), expected, `${masking.constructor.name} row ${b}`);
    }
  }
  // Without equalCounts, random keeps its per-row ratio.
  const perRow = new RandomMasking({ ratio: 0.8 }).sample({ batchSize: 4, layout, protected: flags }, new Rng(0));
  assert.deepEqual([...perRow.maskedPerRow], padded.map((p) => Math.round(0.8 * (64 - 8 * p))));
});

test('spec-augment: deterministic from the RNG, registered with its defaults', () => {
  const m = registry.create<MaskingStrategy>('masking', { name: 'spec-augment' }, partContext());
  assert.deepEqual(m.getConfig(), { ratio: 0.5, maxTimeSpan: 2, maxFreqSpan: 2, timeShare: 0.5 });
  const request = { batchSize: 8, layout: gridLayout(4, 16) };
  assert.deepEqual(m.sample(request, new Rng(9)).mask, m.sample(request, new Rng(9)).mask);
  assert.notDeepEqual(m.sample(request, new Rng(9)).mask, m.sample(request, new Rng(10)).mask);
});
