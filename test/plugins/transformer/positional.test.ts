import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { positionalEncoding, sincos1d, sincos2d } from '@mtojs/transformer';
import { useCpuBackend } from './support/backend.js';
import { gridLayout } from './support/toy-task.js';

before(useCpuBackend);

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-6, `${what}: ${actual} != ${expected}`);

test('sincos1d: [sin(p w_k), cos(p w_k)] with w_k = 10000^(-k / (D/2))', () => {
  const dim = 4;
  const pe = sincos1d(3, dim);
  assert.equal(pe.length, 3 * dim);
  // Position 0: sin 0 = 0, cos 0 = 1.
  assert.deepEqual([...pe.subarray(0, 4)], [0, 0, 1, 1]);
  // Position 2: w = [1, 10000^(-1/2) = 0.01].
  const p2 = pe.subarray(8, 12);
  close(p2[0], Math.sin(2), 'sin(2 * 1)');
  close(p2[1], Math.sin(0.02), 'sin(2 * 0.01)');
  close(p2[2], Math.cos(2), 'cos(2 * 1)');
  close(p2[3], Math.cos(0.02), 'cos(2 * 0.01)');
});

test("sincos2d matches MAE's get_2d_sincos_pos_embed: column encoding first, then row", () => {
  const dim = 8; // each axis gets 4 values: w = [1, 10000^(-1/2) = 0.01]
  const grid: [number, number] = [2, 3];
  const pe = sincos2d(grid, dim);
  assert.equal(pe.length, 6 * dim);
  // Token 5 = row 1, column 2.
  const t5 = pe.subarray(5 * dim, 6 * dim);
  const expected = [Math.sin(2), Math.sin(0.02), Math.cos(2), Math.cos(0.02), Math.sin(1), Math.sin(0.01), Math.cos(1), Math.cos(0.01)];
  expected.forEach((e, k) => close(t5[k], e, `token 5 value ${k}`));
  // Token 0 = origin: sines 0, cosines 1 for both axes.
  assert.deepEqual([...pe.subarray(0, dim)], [0, 0, 1, 1, 0, 0, 1, 1]);
  // Token 3 = row 1, column 0: column half is the origin's, row half is position 1.
  const t3 = pe.subarray(3 * dim, 4 * dim);
  assert.deepEqual([...t3.subarray(0, 4)], [0, 0, 1, 1]);
  close(t3[4], Math.sin(1), 'row sin(1)');
});

test('widths the encodings cannot split are errors', () => {
  assert.throws(() => sincos2d([2, 2], 6), /divisible by 4/);
  assert.throws(() => sincos1d(4, 5), /even/);
});

test('positionalEncoding: 1-D for sequences (grid [1, N]), 2-D for grids; grid must hold N tokens', () => {
  assert.deepEqual([...positionalEncoding(gridLayout(1, 6), 4)], [...sincos1d(6, 4)]);
  assert.deepEqual([...positionalEncoding(gridLayout(2, 3), 8)], [...sincos2d([2, 3], 8)]);
  assert.throws(() => positionalEncoding({ ...gridLayout(2, 3), numTokens: 7 }, 8), /does not hold/);
});
