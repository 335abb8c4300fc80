import * as tf from '@tensorflow/tfjs-core';

function checkDivisible(H: number, W: number, p: number): void {
  if (!Number.isInteger(p) || p < 1) throw new RangeError(`patch size must be a positive integer, got ${p}`);
  if (H % p !== 0 || W % p !== 0) throw new RangeError(`patch size ${p} does not divide the image size ${H}x${W} (height x width)`);
}

/**
 * Cuts images [B, H, W, C] into patches [B, N, p*p*C], N = (H/p)*(W/p), patches row-major over
 * the patch grid and pixels within a patch in (py, px, c) order, like MAE's `patchify`.
 * Only reshapes and a 4-D transpose: the wasm backend has fast kernels for ranks up to 4.
 */
export function patchify(images: tf.Tensor4D, p: number): tf.Tensor3D {
  const [B, H, W, C] = images.shape;
  checkDivisible(H, W, p);
  const rows = H / p;
  const cols = W / p;
  return tf.tidy(() => {
    // A pixel row's (x, c) values are (column, px, c) = (column, px*C + c): contiguous per patch.
    const byRow = tf.reshape(images, [B * rows, p, cols, p * C]);
    const byPatch = tf.transpose(byRow, [0, 2, 1, 3]); // [B*rows, cols, py, px*C]
    return tf.reshape(byPatch, [B, rows * cols, p * p * C]) as tf.Tensor3D;
  });
}

/** The exact inverse of `patchify`: patches [B, N, p*p*C] back to images [B, H, W, C]. */
export function unpatchify(tokens: tf.Tensor3D, p: number, H: number, W: number, C: number): tf.Tensor4D {
  checkDivisible(H, W, p);
  const [B, N, P] = tokens.shape;
  const rows = H / p;
  const cols = W / p;
  if (N !== rows * cols || P !== p * p * C) {
    throw new RangeError(`unpatchify: tokens [${B}, ${N}, ${P}] do not fit ${H}x${W}x${C} images with patch size ${p} (expected [${B}, ${rows * cols}, ${p * p * C}])`);
  }
  return tf.tidy(() => {
    const byPatch = tf.reshape(tokens, [B * rows, cols, p, p * C]);
    const byRow = tf.transpose(byPatch, [0, 2, 1, 3]); // [B*rows, py, cols, px*C]
    return tf.reshape(byRow, [B, H, W, C]) as tf.Tensor4D;
  });
}

/** Per-patch mean and variance (population variance) over the last axis, [B, N, 1] each. */
export function patchMoments(patches: tf.Tensor3D): { mean: tf.Tensor3D; variance: tf.Tensor3D } {
  const { mean, variance } = tf.moments(patches, -1, true);
  return { mean: mean as tf.Tensor3D, variance: variance as tf.Tensor3D };
}

/** The epsilon MAE adds to the per-patch variance before normalising pixel targets. */
export const NORM_PIX_EPS = 1e-6;

/** MAE's `norm_pix_loss` targets: each patch minus its mean, divided by sqrt(var + 1e-6). */
export function normalizePatches(patches: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const { mean, variance } = patchMoments(patches);
    return tf.div(tf.sub(patches, mean), tf.sqrt(tf.add(variance, NORM_PIX_EPS))) as tf.Tensor3D;
  });
}

/** Inverts `normalizePatches` with the statistics of the original patches (MAE's visualisation). */
export function denormalizePatches(normalized: tf.Tensor3D, originalPatches: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const { mean, variance } = patchMoments(originalPatches);
    return tf.add(tf.mul(normalized, tf.sqrt(tf.add(variance, NORM_PIX_EPS))), mean) as tf.Tensor3D;
  });
}
