import type { NamedVariable } from '../parts/part.js';

const BLOCK = /^encoder\/block(\d+)\//;

/**
 * Layer-wise learning-rate decay (BEiT, MAE fine-tuning): the multiplier of the base learning
 * rate for each named variable. With D encoder blocks (`encoder/block{i}/...`), block i gets
 * decay^(D - i); the encoder's final norm (`encoder/norm/...`) and anything outside the encoder
 * path's inputs (the classification head) get 1; the stem, CLS token and every other encoder
 * variable (the inputs of block 0) get decay^(D + 1).
 */
export function layerDecayScales(params: readonly NamedVariable[], decay: number, headPrefix = 'head/'): number[] {
  let depth = 0;
  for (const p of params) {
    const m = BLOCK.exec(p.name);
    if (m) depth = Math.max(depth, Number(m[1]) + 1);
  }
  return params.map((p) => {
    if (decay === 1 || p.name.startsWith(headPrefix) || p.name.startsWith('encoder/norm/')) return 1;
    const m = BLOCK.exec(p.name);
    return Math.pow(decay, m ? depth - Number(m[1]) : depth + 1);
  });
}
