/**
 * An 8-bit RGBA picture (e.g. a reconstruction sheet): `data` holds width * height * 4 bytes, row
 * by row. Evaluators draw these anywhere; writing one to a file is the run's business (PNG on Node).
 */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A blank picture of the given size (all bytes 0). Throws on sizes that are not positive integers. */
export function createRgbaImage(width: number, height: number): RgbaImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`image size ${width}x${height}: expected positive integers`);
  }
  return { width, height, data: new Uint8Array(width * height * 4) };
}
