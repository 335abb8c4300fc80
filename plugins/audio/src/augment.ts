import type { Rng } from '@mtojs/core';

export interface WaveAugmentOptions {
  /** Largest change of playback speed (tempo and pitch together): factor drawn from [1 - speed, 1 + speed]. */
  speed: number;
  /** Largest time shift in samples: a delay (silence before the onset) or an advance (the start cut off). */
  maxShift: number;
  /** Largest gain change in dB, drawn from [-gainDb, gainDb]. */
  gainDb: number;
  /** Largest white-noise level relative to the clip's RMS, drawn from [0, noise]. */
  noise: number;
}

/**
 * Training-time augmentation of clips [B, width] (row-major, zero past each clip's length):
 * speed change (linear interpolation), time shift, gain, white noise, in that order. Each clip's
 * new real length is returned, and everything past it stays exactly zero, so the adapter's
 * padding flags (and with them the loss and the masking) follow the augmented clip. Draws are made in JS from `rng`, per clip in batch order (speed,
 * shift, gain, noise level, then the noise samples), so a seed gives the same batches on every
 * backend.
 */
export function augmentWaveforms(waves: Float32Array, lengths: Int32Array, width: number, o: WaveAugmentOptions, rng: Rng): { waves: Float32Array; lengths: Int32Array } {
  const B = lengths.length;
  if (waves.length !== B * width) throw new Error(`augmentWaveforms: ${waves.length} samples for ${B} clips of ${width}`);
  const out = new Float32Array(B * width);
  const outLengths = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const length = Math.min(Math.max(lengths[b], 0), width);
    const clip = waves.subarray(b * width, b * width + length);
    const rate = o.speed > 0 ? rng.uniform(1 - o.speed, 1 + o.speed) : 1;
    const shiftDraw = o.maxShift > 0 ? rng.int(2 * o.maxShift + 1) - o.maxShift : 0;
    const gain = o.gainDb > 0 ? 10 ** (rng.uniform(-o.gainDb, o.gainDb) / 20) : 1;
    const noiseLevel = o.noise > 0 ? rng.uniform(0, o.noise) : 0;
    if (length === 0) continue;
    // Speed: output sample i reads the input at i * rate (linear interpolation).
    const stretchedLength = rate === 1 ? length : Math.max(1, Math.floor((length - 1) / rate) + 1);
    const stretched = new Float32Array(stretchedLength);
    for (let i = 0; i < stretchedLength; i++) {
      const x = i * rate;
      const i0 = Math.min(Math.floor(x), length - 1);
      const i1 = Math.min(i0 + 1, length - 1);
      const f = x - i0;
      stretched[i] = clip[i0] * (1 - f) + clip[i1] * f;
    }
    // Shift: a positive draw delays the onset, a negative one cuts the start; either way at
    // least half of the clip stays inside the row.
    const half = Math.floor(stretchedLength / 2);
    const shift = shiftDraw >= 0 ? Math.min(shiftDraw, Math.max(width - (stretchedLength - half), 0)) : -Math.min(-shiftDraw, half);
    const src = shift < 0 ? stretched.subarray(-shift) : stretched;
    const start = Math.max(shift, 0);
    const n = Math.min(src.length, width - start);
    const row = out.subarray(b * width, (b + 1) * width);
    let energy = 0;
    for (let i = 0; i < n; i++) {
      const v = src[i] * gain;
      row[start + i] = v;
      energy += v * v;
    }
    const newLength = start + n;
    outLengths[b] = newLength;
    if (noiseLevel > 0) {
      const std = noiseLevel * Math.sqrt(energy / Math.max(n, 1));
      for (let i = 0; i < newLength; i++) row[i] += rng.normal(0, std);
    }
  }
  return { waves: out, lengths: outLengths };
}
