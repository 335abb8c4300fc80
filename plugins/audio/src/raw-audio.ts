import * as tf from '@tensorflow/tfjs-core';
import { UserError, type DataBatch } from '@mtojs/core';
import { resample } from './resample.js';

/** A clip at a stated rate: resampled to the encoder's rate when it differs. */
export interface RateTaggedClip {
  samples: ArrayLike<number>;
  sampleRate: number;
}

/** Beyond this, samples are not floats in [-1, 1] (e.g. 16-bit PCM passed as numbers). */
const RANGE_SLACK = 1e-6;

function isSampleArray(x: unknown): x is ArrayLike<number> {
  return Array.isArray(x) || (ArrayBuffer.isView(x) && !(x instanceof DataView));
}

/**
 * One user clip as mono float samples at `sampleRate`, cut to `maxSamples` as the audio data
 * sources cut theirs. Accepted: a Float32Array, Float64Array or number[] of samples in [-1, 1]
 * at the encoder's sample rate, or `{ samples, sampleRate }` at any rate (resampled).
 */
export function clipSamples(input: unknown, index: number, sampleRate: number, maxSamples: number): Float32Array {
  const at = `input ${index}`;
  let samples: ArrayLike<number>;
  let rate = sampleRate;
  if (isSampleArray(input)) samples = input;
  else if (input && typeof input === 'object' && 'samples' in input) {
    const c = input as RateTaggedClip;
    if (!isSampleArray(c.samples)) throw new UserError(`${at}: 'samples' must be a Float32Array or number[] of samples, got ${typeof c.samples}`);
    if (typeof c.sampleRate !== 'number' || !Number.isFinite(c.sampleRate) || c.sampleRate <= 0) throw new UserError(`${at}: 'sampleRate' must be a positive number of samples per second, got ${JSON.stringify(c.sampleRate)}`);
    samples = c.samples;
    rate = c.sampleRate;
  } else {
    throw new UserError(`${at}: ${input === null ? 'null' : typeof input}; expected mono samples (Float32Array or number[] in [-1, 1] at ${sampleRate} Hz) or { samples, sampleRate }`);
  }
  if (samples.length === 0) throw new UserError(`${at}: the clip has no samples`);
  const values = Float32Array.from(samples);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(Math.abs(v) <= 1 + RANGE_SLACK)) {
      throw new UserError(`${at}: sample ${i} is ${v}; samples are floats in [-1, 1] (divide 16-bit PCM by 32768)`);
    }
  }
  const atRate = rate === sampleRate ? values : resample(values, rate, sampleRate);
  return atRate.length > maxSamples ? atRate.subarray(0, maxSamples) : atRate;
}

/**
 * User clips as the audio data sources' batch: waveforms [B, maxSamples] (zero-padded at the
 * end) and `extra.lengths` [B] int32, each clip's real sample count.
 */
export function audioBatchFromRaw(inputs: readonly unknown[], sampleRate: number, maxSamples: number, firstIndex = 0): DataBatch {
  const B = inputs.length;
  const waves = new Float32Array(B * maxSamples);
  const lengths = new Int32Array(B);
  inputs.forEach((x, i) => {
    const clip = clipSamples(x, firstIndex + i, sampleRate, maxSamples);
    waves.set(clip, i * maxSamples);
    lengths[i] = clip.length;
  });
  return { inputs: tf.tensor2d(waves, [B, maxSamples]), extra: { lengths: tf.tensor1d(lengths, 'int32') } };
}
