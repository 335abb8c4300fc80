/**
 * RGBA bytes (a PNG decoder's or a canvas's ImageData) as `channels` values per pixel in [0, 1]:
 * RGB for 3 channels (alpha dropped), luma (0.299 R + 0.587 G + 0.114 B, ITU-R BT.601) for 1.
 * The image-folder source and the encoder's raw-input reader both use it, so an exported
 * encoder sees a canvas's pixels as training saw the PNGs.
 */
export function rgbaToChannels(rgba: ArrayLike<number>, pixels: number, channels: 1 | 3, out = new Float32Array(pixels * channels)): Float32Array {
  for (let i = 0, o4 = 0; i < pixels; i++, o4 += 4) {
    if (channels === 1) out[i] = (0.299 * rgba[o4] + 0.587 * rgba[o4 + 1] + 0.114 * rgba[o4 + 2]) / 255;
    else {
      out[3 * i] = rgba[o4] / 255;
      out[3 * i + 1] = rgba[o4 + 1] / 255;
      out[3 * i + 2] = rgba[o4 + 2] / 255;
    }
  }
  return out;
}
