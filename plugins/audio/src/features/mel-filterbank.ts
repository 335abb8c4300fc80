import { hzToMel, melToHz, type MelScale } from './mel-scale.js';

export interface MelFilterbankOptions {
  sampleRate: number;
  /** DFT size; the filters weight its fftSize / 2 + 1 non-negative frequency bins. */
  fftSize: number;
  numMels: number;
  fMin: number;
  fMax: number;
  scale: MelScale;
  /** 'slaney': divide each triangle by its width in Hz / 2 (equal area, librosa's norm='slaney'); 'none': peak 1. */
  norm: 'none' | 'slaney';
}

/**
 * Triangular mel filters as a [fftSize / 2 + 1, numMels] row-major matrix (bins x filters), as
 * librosa.filters.mel computes them: numMels + 2 points equally spaced on the mel scale from
 * fMin to fMax, filter m rising from point m to point m + 1 and falling to point m + 2, each
 * evaluated at the bin frequencies k * sampleRate / fftSize (linear in Hz between the points).
 */
export function melFilterbank(o: MelFilterbankOptions): Float32Array {
  const bins = Math.floor(o.fftSize / 2) + 1;
  const melMin = hzToMel(o.fMin, o.scale);
  const melMax = hzToMel(o.fMax, o.scale);
  const points = Array.from({ length: o.numMels + 2 }, (_, i) => melToHz(melMin + ((melMax - melMin) * i) / (o.numMels + 1), o.scale));
  const weights = new Float32Array(bins * o.numMels);
  for (let m = 0; m < o.numMels; m++) {
    const [left, centre, right] = [points[m], points[m + 1], points[m + 2]];
    const areaNorm = o.norm === 'slaney' ? 2 / (right - left) : 1;
    for (let k = 0; k < bins; k++) {
      const hz = (k * o.sampleRate) / o.fftSize;
      const rising = (hz - left) / (centre - left);
      const falling = (right - hz) / (right - centre);
      weights[k * o.numMels + m] = Math.max(0, Math.min(rising, falling)) * areaNorm;
    }
  }
  return weights;
}
