import { createRgbaImage, type RgbaImage } from '@mtojs/core';

/** Enlargement of each spectrogram bin on the sheet (nearest neighbour). */
export const SPECTROGRAM_SHEET_SCALE = 2;
const GUTTER = 1;
const GUTTER_RGB: [number, number, number] = [40, 70, 140];
/** Colour of hidden (masked) patches on the middle row. */
const MASKED_RGB: [number, number, number] = [60, 140, 220];

export interface SpectrogramSheetRow {
  /** [n, frames, mels] values; drawn from `range[0]` (black) to `range[1]` (white). */
  values: Float32Array;
  /** Optional [n, frames, mels] flags: 1 = draw in the masked colour instead. */
  hidden?: Uint8Array;
}

/**
 * Lays spectrograms out as one RGBA picture: one row per entry, `n` spectrograms side by side, time to the
 * right and frequency upwards (the lowest mel bin at the bottom), in gray levels over `range`.
 */
export function drawSpectrogramSheet(
  rows: SpectrogramSheetRow[],
  shape: { n: number; frames: number; mels: number },
  range: [number, number],
  scale = SPECTROGRAM_SHEET_SCALE,
): RgbaImage {
  const { n, frames, mels } = shape;
  const cellsW = n * frames + (n + 1) * GUTTER;
  const cellsH = rows.length * mels + (rows.length + 1) * GUTTER;
  const png = createRgbaImage(cellsW * scale, cellsH * scale);
  const put = (x: number, y: number, [r, g, b]: [number, number, number]) => {
    for (let sy = 0; sy < scale; sy++) {
      let o = ((y * scale + sy) * png.width + x * scale) * 4;
      for (let sx = 0; sx < scale; sx++, o += 4) {
        png.data[o] = r;
        png.data[o + 1] = g;
        png.data[o + 2] = b;
        png.data[o + 3] = 255;
      }
    }
  };
  for (let y = 0; y < cellsH; y++) for (let x = 0; x < cellsW; x++) put(x, y, GUTTER_RGB);
  const span = range[1] - range[0] || 1;
  const level = (v: number) => Math.round(Math.min(1, Math.max(0, Number.isFinite(v) ? (v - range[0]) / span : 0)) * 255);
  rows.forEach((row, r) => {
    const top = GUTTER + r * (mels + GUTTER);
    for (let i = 0; i < n; i++) {
      const left = GUTTER + i * (frames + GUTTER);
      for (let t = 0; t < frames; t++) {
        for (let m = 0; m < mels; m++) {
          const at = (i * frames + t) * mels + m;
          const y = top + (mels - 1 - m);
          if (row.hidden?.[at]) put(left + t, y, MASKED_RGB);
          else {
            const v = level(row.values[at]);
            put(left + t, y, [v, v, v]);
          }
        }
      }
    }
  });
  return png;
}
