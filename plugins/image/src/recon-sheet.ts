import { createRgbaImage, type RgbaImage } from '@mtojs/core';

/** Largest enlargement of sheet pixels (nearest neighbour): 28x28 digits become 112x112. */
export const SHEET_SCALE = 4;
/** Images are enlarged until their longer side reaches about this many pixels. */
const SHEET_TARGET_SIDE = 112;

/** The enlargement for images of H x W: 4x for MNIST, less for larger images, 1x from 112 pixels up. */
export function sheetScale(H: number, W: number): number {
  return Math.max(1, Math.min(SHEET_SCALE, Math.ceil(SHEET_TARGET_SIDE / Math.max(H, W))));
}
/** Gutter between cells, in image pixels (before scaling). */
export const SHEET_GUTTER = 1;
/** Gutter colour: a blue that no grayscale image contains, so cell borders are unambiguous. */
const GUTTER_RGB: [number, number, number] = [40, 70, 140];

export interface SheetRow {
  /** [n, H, W, C] values in [0, 1] (clipped when drawn). */
  pixels: Float32Array;
}

/**
 * Lays rows of images out as one RGBA picture: one row per entry, `n` images per row, `gutter` pixels
 * between cells, everything scaled `scale` times (default: `sheetScale(H, W)`). C = 1 is drawn as gray, C >= 3 as RGB from
 * the first three channels, C = 2 as gray from the first channel.
 */
export function drawImageSheet(
  rows: SheetRow[],
  shape: { n: number; H: number; W: number; C: number },
  scale = sheetScale(shape.H, shape.W),
  gutter = SHEET_GUTTER,
): RgbaImage {
  const { n, H, W, C } = shape;
  const cellsW = n * W + (n + 1) * gutter;
  const cellsH = rows.length * H + (rows.length + 1) * gutter;
  const png = createRgbaImage(cellsW * scale, cellsH * scale);
  const out = png.data;
  const put = (x: number, y: number, r: number, g: number, b: number) => {
    for (let sy = 0; sy < scale; sy++) {
      let o = ((y * scale + sy) * png.width + x * scale) * 4;
      for (let sx = 0; sx < scale; sx++, o += 4) {
        out[o] = r;
        out[o + 1] = g;
        out[o + 2] = b;
        out[o + 3] = 255;
      }
    }
  };
  for (let y = 0; y < cellsH; y++) for (let x = 0; x < cellsW; x++) put(x, y, ...GUTTER_RGB);
  const byte = (v: number) => Math.round(Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)) * 255);
  rows.forEach((row, r) => {
    const top = gutter + r * (H + gutter);
    for (let i = 0; i < n; i++) {
      const left = gutter + i * (W + gutter);
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const o = ((i * H + y) * W + x) * C;
          if (C >= 3) put(left + x, top + y, byte(row.pixels[o]), byte(row.pixels[o + 1]), byte(row.pixels[o + 2]));
          else {
            const v = byte(row.pixels[o]);
            put(left + x, top + y, v, v, v);
          }
        }
      }
    }
  });
  return png;
}
