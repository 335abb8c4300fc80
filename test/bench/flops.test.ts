import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockFlops, linearFlops, stepFlops } from '@mtojs/bench';

const layout = { numTokens: 16, tokenDim: 49, targetDim: 49, grid: [4, 4] as [number, number], discrete: false };

test('FLOPs: a block is its four projections plus two attention products', () => {
  // B=2, T=3, W=4, hidden 16: rows 6; 2*6*4*12 + 2*6*4*4 + 2*(2*6*4*16) + 2*(2*2*3*3*4)
  assert.equal(blockFlops(2, 3, 4, 4), 576 + 192 + 1536 + 288);
  assert.equal(linearFlops(5, 7, 11), 770);
});

test('FLOPs: SimMIM runs its encoder on every token; MAE its encoder on the visible ones and its decoder on all', () => {
  const simmim = stepFlops({ model: { kind: 'simmim', width: 8, depth: 2, mlpRatio: 4, cls: false }, layout, batchSize: 3, visibleTokens: 4 });
  const expected = linearFlops(48, 49, 8) + 2 * blockFlops(3, 16, 8, 4) + linearFlops(48, 8, 49);
  assert.equal(simmim.forward, expected);
  assert.equal(simmim.step, 3 * expected);
  const mae = stepFlops({ model: { kind: 'mae', width: 8, depth: 2, mlpRatio: 4, cls: false, decoderWidth: 4, decoderDepth: 1 }, layout, batchSize: 3, visibleTokens: 4 });
  const maeForward = linearFlops(48, 49, 8) + 2 * blockFlops(3, 4, 8, 4) + linearFlops(12, 8, 4) + blockFlops(3, 16, 4, 4) + linearFlops(48, 4, 49);
  assert.equal(mae.forward, maeForward);
});
