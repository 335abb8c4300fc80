import type { TokenLayout } from '@mtojs/core';

/**
 * Writes MAE's get_1d_sincos_pos_embed_from_grid for `positions` into `out`: for each position
 * p, [sin(p w_0) .. sin(p w_{D/2-1}), cos(p w_0) .. cos(p w_{D/2-1})] with w_k = 10000^(-k / (D/2)),
 * at `offset` within rows of `stride` values.
 */
function writeSinCos(positions: ArrayLike<number>, dim: number, out: Float32Array, stride: number, offset: number): void {
  const half = dim / 2;
  const omega = Array.from({ length: half }, (_, k) => 1 / Math.pow(10000, k / half));
  for (let m = 0; m < positions.length; m++) {
    const row = m * stride + offset;
    for (let k = 0; k < half; k++) {
      const angle = positions[m] * omega[k];
      out[row + k] = Math.sin(angle);
      out[row + half + k] = Math.cos(angle);
    }
  }
}

/** Fixed 1-D sin-cos encodings of positions 0..n-1, row-major [n, dim] (dim even). */
export function sincos1d(n: number, dim: number): Float32Array {
  if (dim % 2 !== 0) throw new Error(`1-D sin-cos positional encoding needs an even width, got ${dim}`);
  const out = new Float32Array(n * dim);
  writeSinCos(Array.from({ length: n }, (_, i) => i), dim, out, dim, 0);
  return out;
}

/**
 * Fixed 2-D sin-cos encodings of a [rows, cols] token grid in row-major token order, [rows*cols,
 * dim] (dim divisible by 4), exactly as MAE's get_2d_sincos_pos_embed: the first dim/2 values are
 * the 1-D encoding of the token's column, the last dim/2 that of its row (MAE's meshgrid puts the
 * width coordinate first).
 */
export function sincos2d(grid: readonly [number, number], dim: number): Float32Array {
  if (dim % 4 !== 0) throw new Error(`2-D sin-cos positional encoding needs a width divisible by 4, got ${dim}`);
  const [rows, cols] = grid;
  const n = rows * cols;
  const colOf = Array.from({ length: n }, (_, i) => i % cols);
  const rowOf = Array.from({ length: n }, (_, i) => Math.floor(i / cols));
  const out = new Float32Array(n * dim);
  writeSinCos(colOf, dim / 2, out, dim, 0);
  writeSinCos(rowOf, dim / 2, out, dim, dim / 2);
  return out;
}

/** The encoding a layout calls for: 1-D for sequences (grid [1, N]), 2-D for grids. [N, dim] row-major. */
export function positionalEncoding(layout: TokenLayout, dim: number): Float32Array {
  const [rows, cols] = layout.grid;
  if (rows * cols !== layout.numTokens) {
    throw new Error(`token grid [${layout.grid}] does not hold the layout's ${layout.numTokens} tokens`);
  }
  return rows === 1 ? sincos1d(cols, dim) : sincos2d([rows, cols], dim);
}
