import * as tf from '@tensorflow/tfjs-core';

/**
 * Attention's two per-head products on the wasm backend, Q K^T and P V, as depthwise
 * convolutions. tfjs-backend-wasm 4.22 hands only plain 2-D matMuls to XNNPACK; a batched
 * matMul (one small product per example and head) runs a scalar loop at ~1.5 GFLOP/s, slower
 * still with a transpose flag. XNNPACK's depthwise convolution is, seen the right way, a batched
 * product that runs at 7-15 GFLOP/s:
 *
 *   channelProduct(X [M, K, N], F [K, N, P])[m, n, p] = sum_k X[m, k, n] F[k, n, p]
 *
 * is a depthwise convolution of an image of height M, width K and N channels with N filters of
 * height 1 and width K (channel multiplier P), valid padding: one [M, K] x [K, P] product per
 * channel n. Heads become channels, c = b * H + h, and the tensors are laid out so that channels
 * sit where the convolution wants them (last in X, in the middle of F and of the output):
 *
 *   queries [T(i), dh, N], keys [dh, N, T(j)]  ->  logits [T(i), N, T(j)]
 *   probs (same layout; softmax runs over the last axis) as [T(i), T(j), N], values [T(j), N, dh]
 *       ->  mixed [T(i), N, dh] = [T, B, H * dh], one transpose from [B, T, W]
 *
 * Each gradient is again a channelProduct, with layouts chosen so that only two transposes per
 * layer touch a [T, N, T] tensor (probs in the forward, the logits' gradient in the backward);
 * the others move [T, N, dh]-sized tensors. Only used on wasm: elsewhere tfjs's batched matMul
 * is the better kernel (the cpu backend's depthwise convolution is a plain loop).
 */
export function usesChannelProducts(): boolean {
  return tf.getBackend() === 'wasm';
}

/** Y[m, n, p] = sum_k X[m, k, n] F[k, n, p] for X [M, K, N], F [K, N, P], as one depthwise convolution. */
export function channelProduct(x: tf.Tensor3D, f: tf.Tensor3D): tf.Tensor3D {
  const [M, K, N] = x.shape;
  const [K2, N2, P] = f.shape;
  if (K2 !== K || N2 !== N) throw new Error(`channelProduct: [${x.shape}] and [${f.shape}] do not match`);
  const image = tf.reshape(x, [1, M, K, N]) as tf.Tensor4D;
  const filter = tf.reshape(f, [1, K, N, P]) as tf.Tensor4D;
  return tf.reshape(tf.depthwiseConv2d(image, filter, 1, 'valid'), [M, N, P]) as tf.Tensor3D;
}

/**
 * Attention logits of every head, q k^T, from queries and keys [B, T, H, dh] (scale q first),
 * in the layout [T (query), B * H, T (key)].
 */
export const headLogits = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [q, k, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
  const [B, T, H, dh] = q.shape;
  const N = B * H;
  const queries = tf.reshape(tf.transpose(q, [1, 3, 0, 2]), [T, dh, N]) as tf.Tensor3D; // [i, d, c]
  const keys = tf.reshape(tf.transpose(k, [3, 0, 2, 1]), [dh, N, T]) as tf.Tensor3D; // [d, c, j]
  save([queries, keys]);
  return {
    value: channelProduct(queries, keys),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [qs, ks] = saved as tf.Tensor3D[];
      const dLogits = dy as tf.Tensor3D; // [i, c, j]
      const dKeys = channelProduct(tf.transpose(qs, [1, 0, 2]), dLogits); // [d, c, j]
      const dQueries = channelProduct(tf.transpose(dLogits, [0, 2, 1]), tf.transpose(ks, [2, 1, 0])); // [i, c, d]
      return [
        tf.transpose(tf.reshape(dQueries, [T, B, H, dh]), [1, 0, 2, 3]),
        tf.transpose(tf.reshape(dKeys, [dh, B, H, T]), [1, 3, 2, 0]),
      ];
    },
  };
}) as (q: tf.Tensor4D, k: tf.Tensor4D) => tf.Tensor3D;

/**
 * The attention-weighted values of every head, merged: probabilities [T (query), B * H, T (key)]
 * (headLogits' layout) and values [B, T, H, dh] -> [B, T, H * dh].
 */
export const mixValues = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [probs, v, save] = args as [tf.Tensor3D, tf.Tensor4D, tf.GradSaveFunc];
  const [B, T, H, dh] = v.shape;
  const N = B * H;
  const values = tf.reshape(tf.transpose(v, [1, 0, 2, 3]), [T, N, dh]) as tf.Tensor3D; // [j, c, e]
  save([probs, values]);
  const mixed = channelProduct(tf.transpose(probs, [0, 2, 1]), values); // [i, c, e]
  return {
    value: tf.transpose(tf.reshape(mixed, [T, B, H * dh]), [1, 0, 2]) as tf.Tensor3D,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [ps, vs] = saved as tf.Tensor3D[];
      const dMixed = tf.reshape(tf.transpose(dy, [1, 0, 2]), [T, N, dh]) as tf.Tensor3D; // [i, c, e]
      const dValues = channelProduct(tf.transpose(dMixed, [2, 0, 1]), ps); // [e, c, j]
      const dProbs = channelProduct(tf.transpose(dMixed, [0, 2, 1]), tf.transpose(vs, [2, 1, 0])); // [i, c, j]
      return [dProbs, tf.transpose(tf.reshape(dValues, [dh, B, H, T]), [1, 3, 2, 0])];
    },
  };
}) as (probs: tf.Tensor3D, v: tf.Tensor4D) => tf.Tensor3D;

/** [T, B * H, T] (headLogits' layout) -> [B, H, T, T], the layout the attention hooks see. */
export function headsFirst(x: tf.Tensor3D, batch: number, heads: number): tf.Tensor4D {
  const T = x.shape[0];
  return tf.transpose(tf.reshape(x, [T, batch, heads, T]), [1, 2, 0, 3]) as tf.Tensor4D;
}

/** The inverse of headsFirst: [B, H, T, T] -> [T, B * H, T]. */
export function queriesFirst(x: tf.Tensor4D): tf.Tensor3D {
  const [B, H, T] = x.shape;
  return tf.reshape(tf.transpose(x, [2, 0, 1, 3]), [T, B * H, T]) as tf.Tensor3D;
}
