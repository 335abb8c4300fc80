import { WaveFile } from 'wavefile';

/**
 * Resamples mono samples from `fromRate` to `toRate` with wavefile's windowed-sinc
 * interpolation and its anti-aliasing low-pass filter (when downsampling). Same rate: a copy.
 */
export function resample(samples: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (fromRate === toRate) return samples.slice();
  const wav = new WaveFile();
  wav.fromScratch(1, fromRate, '32f', samples);
  wav.toSampleRate(toRate, { method: 'sinc', LPF: true });
  return Float32Array.from(wav.getSamples(false, Float64Array) as unknown as Float64Array);
}
