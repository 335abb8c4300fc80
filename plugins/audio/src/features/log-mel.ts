import * as tf from '@tensorflow/tfjs-core';
import { melFilterbank, type MelFilterbankOptions } from './mel-filterbank.js';

/** Everything that fixes a log-mel transform, in samples at `sampleRate`. */
export interface LogMelConfig extends MelFilterbankOptions {
  /** Window (frame) length in samples; at most fftSize (zero-padded up to it). */
  frameLength: number;
  /** Hop between frame starts in samples. */
  hopLength: number;
  /** Number of frames computed: the waveform needs (numFrames - 1) * hopLength + frameLength samples. */
  numFrames: number;
  /** Mel power below this is clipped before the natural log (log compression floor). */
  logFloor: number;
}

/** Samples a config reads: (numFrames - 1) * hop + frameLength. */
export function samplesNeeded(c: Pick<LogMelConfig, 'numFrames' | 'hopLength' | 'frameLength'>): number {
  return (c.numFrames - 1) * c.hopLength + c.frameLength;
}

/**
 * The constant matrices of a log-mel transform. The STFT is computed as matMuls with a real DFT
 * basis (cos and -sin, Hann window folded in) rather than `tf.spectral.rfft`: the wasm backend
 * has no FFT kernel, and a [frameLength, bins] matMul is what every backend runs fastest.
 */
export class LogMelTransform {
  /** [frameLength, bins]: window[n] * cos(2 pi k n / fftSize). */
  private readonly cosBasis: tf.Tensor2D;
  /** [frameLength, bins]: -window[n] * sin(2 pi k n / fftSize). */
  private readonly sinBasis: tf.Tensor2D;
  /** [bins, numMels]. */
  private readonly melWeights: tf.Tensor2D;
  /** [numFrames, frameLength] int32 sample index of each frame's samples. */
  private readonly frameIndex: tf.Tensor2D;
  readonly bins: number;

  constructor(readonly config: LogMelConfig) {
    const { frameLength, fftSize, hopLength, numFrames, numMels } = config;
    if (frameLength > fftSize) throw new RangeError(`log-mel: frameLength ${frameLength} exceeds fftSize ${fftSize}`);
    this.bins = Math.floor(fftSize / 2) + 1;
    const window = tf.tidy(() => tf.signal.hannWindow(frameLength).dataSync() as Float32Array);
    const cos = new Float32Array(frameLength * this.bins);
    const sin = new Float32Array(frameLength * this.bins);
    for (let n = 0; n < frameLength; n++) {
      for (let k = 0; k < this.bins; k++) {
        // (k * n) mod fftSize keeps the angle small, so float64 cos/sin stay exact for long frames.
        const angle = (2 * Math.PI * ((k * n) % fftSize)) / fftSize;
        cos[n * this.bins + k] = window[n] * Math.cos(angle);
        sin[n * this.bins + k] = -window[n] * Math.sin(angle);
      }
    }
    const index = new Int32Array(numFrames * frameLength);
    for (let t = 0; t < numFrames; t++) for (let n = 0; n < frameLength; n++) index[t * frameLength + n] = t * hopLength + n;
    this.cosBasis = tf.tensor2d(cos, [frameLength, this.bins]);
    this.sinBasis = tf.tensor2d(sin, [frameLength, this.bins]);
    this.melWeights = tf.tensor2d(melFilterbank(config), [this.bins, numMels]);
    this.frameIndex = tf.tensor2d(index, [numFrames, frameLength], 'int32');
  }

  /** Frames of waveforms [B, samplesNeeded] -> power spectrum [B, numFrames, bins] (|X|^2, unscaled DFT). */
  powerSpectrum(waveforms: tf.Tensor2D): tf.Tensor3D {
    const { numFrames, frameLength } = this.config;
    const B = waveforms.shape[0];
    return tf.tidy(() => {
      const frames = tf.reshape(tf.gather(waveforms, tf.reshape(this.frameIndex, [-1]), 1), [B * numFrames, frameLength]) as tf.Tensor2D;
      const re = tf.matMul(frames, this.cosBasis);
      const im = tf.matMul(frames, this.sinBasis);
      return tf.reshape(tf.add(tf.square(re), tf.square(im)), [B, numFrames, this.bins]) as tf.Tensor3D;
    });
  }

  /** Waveforms [B, samplesNeeded] -> natural-log mel power [B, numFrames, numMels]: log(max(mel, logFloor)). */
  apply(waveforms: tf.Tensor2D): tf.Tensor3D {
    const need = samplesNeeded(this.config);
    if (waveforms.rank !== 2 || waveforms.shape[1] !== need) {
      throw new Error(`log-mel: expected waveforms [B, ${need}], got [${waveforms.shape.join(', ')}]`);
    }
    const { numFrames, numMels, logFloor } = this.config;
    const B = waveforms.shape[0];
    return tf.tidy(() => {
      const power = tf.reshape(this.powerSpectrum(waveforms), [B * numFrames, this.bins]) as tf.Tensor2D;
      const mel = tf.matMul(power, this.melWeights);
      return tf.reshape(tf.log(tf.maximum(mel, logFloor)), [B, numFrames, numMels]) as tf.Tensor3D;
    });
  }

  dispose(): void {
    tf.dispose([this.cosBasis, this.sinBasis, this.melWeights, this.frameIndex]);
  }
}
