import * as tf from '@tensorflow/tfjs-core';

/** Patch size on the time-frequency plane: `freq` mel bins by `time` frames. */
export interface SpectrogramPatch {
  freq: number;
  time: number;
}

function checkFits(frames: number, mels: number, p: SpectrogramPatch): { rows: number; cols: number } {
  if (mels % p.freq !== 0 || frames % p.time !== 0) {
    throw new RangeError(`spectrogram patches ${p.freq}x${p.time} (mels x frames) do not tile a ${mels}x${frames} spectrogram`);
  }
  return { rows: mels / p.freq, cols: frames / p.time };
}

/**
 * Spectrograms [B, frames, mels] -> patch tokens [B, rows * cols, freq * time]. The token grid
 * has frequency bands as rows (row 0: the lowest mels) and time steps as columns, so token
 * r * cols + c is band r at time step c; a whole grid column is one stretch of time (what time
 * masking hides) and a whole row one frequency band. Values in a patch are (mel, frame) order.
 */
export function patchifySpectrogram(spec: tf.Tensor3D, p: SpectrogramPatch): tf.Tensor3D {
  const [B, frames, mels] = spec.shape;
  const { rows, cols } = checkFits(frames, mels, p);
  return tf.tidy(() => {
    const byMel = tf.transpose(spec, [0, 2, 1]); // [B, mels, frames]
    const split = tf.reshape(byMel, [B * rows, p.freq, cols, p.time]);
    const byPatch = tf.transpose(split, [0, 2, 1, 3]); // [B*rows, cols, freq, time]
    return tf.reshape(byPatch, [B, rows * cols, p.freq * p.time]) as tf.Tensor3D;
  });
}

/** The exact inverse of `patchifySpectrogram`: tokens back to spectrograms [B, frames, mels]. */
export function unpatchifySpectrogram(tokens: tf.Tensor3D, p: SpectrogramPatch, frames: number, mels: number): tf.Tensor3D {
  const { rows, cols } = checkFits(frames, mels, p);
  const [B, N, D] = tokens.shape;
  if (N !== rows * cols || D !== p.freq * p.time) {
    throw new RangeError(`unpatchifySpectrogram: tokens [${tokens.shape.join(', ')}] do not fit ${mels}x${frames} spectrograms in ${p.freq}x${p.time} patches`);
  }
  return tf.tidy(() => {
    const byPatch = tf.reshape(tokens, [B * rows, cols, p.freq, p.time]);
    const split = tf.transpose(byPatch, [0, 2, 1, 3]); // [B*rows, freq, cols, time]
    return tf.transpose(tf.reshape(split, [B, mels, frames]), [0, 2, 1]) as tf.Tensor3D;
  });
}

/**
 * Per-patch normalisation of targets (MAE's norm_pix_loss): each patch minus its mean over its
 * own values, divided by sqrt(var + 1e-6).
 */
export function normalizePatchTargets(tokens: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(tokens, -1, true);
    return tf.div(tf.sub(tokens, mean), tf.sqrt(tf.add(variance, 1e-6))) as tf.Tensor3D;
  });
}

/** Undoes `normalizePatchTargets` on predictions with the statistics of the reference patches. */
export function denormalizePatchTargets(pred: tf.Tensor3D, reference: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(reference, -1, true);
    return tf.add(tf.mul(pred, tf.sqrt(tf.add(variance, 1e-6))), mean) as tf.Tensor3D;
  });
}
