import * as tf from '@tensorflow/tfjs-core';
import { gatherRows } from '@mtojs/core';

/**
 * Picks tokens per example: out[b, k] = x[b, indices[b, k]] for x [B, N, ...] and int32
 * indices [B, K]; the same as tf.gather(x, indices, 1, 1), with a fast gradient everywhere.
 * On wasm the selection is a one-hot batched matMul (its Gather kernel copies ~35 ns per value,
 * slower than the product); elsewhere one flat gather whose gradient is a scatter-add.
 */
export function gatherTokens<T extends tf.Tensor>(x: T, indices: tf.Tensor2D): T {
  return tf.getBackend() === 'wasm' ? gatherTokensOneHot(x, indices) : gatherTokensFlat(x, indices);
}

/** gatherTokens as one gather over the flattened batch: flat index b * N + indices[b, k]. */
export function gatherTokensFlat<T extends tf.Tensor>(x: T, indices: tf.Tensor2D): T {
  const [B, N, ...rest] = x.shape;
  const K = indices.shape[1];
  const C = rest.reduce((a, b) => a * b, 1);
  const offsets = tf.tensor2d(Int32Array.from({ length: B }, (_, b) => b * N), [B, 1], 'int32');
  const flatIndices = tf.reshape(tf.add(indices, offsets), [B * K]) as tf.Tensor1D;
  const table = tf.reshape(x, [B * N, C]) as tf.Tensor2D;
  // Only float tensors are differentiated (and scattered); flags of other dtypes are gathered plainly.
  const picked = x.dtype === 'float32' ? gatherRows(table, flatIndices) : tf.gather(table, flatIndices, 0);
  return tf.reshape(picked, [B, K, ...rest]) as T;
}

/** gatherTokens as onehot(indices) [B, K, N] @ x [B, N, C]: only matMul in the gradient. */
export function gatherTokensOneHot<T extends tf.Tensor>(x: T, indices: tf.Tensor2D): T {
  const [B, N, ...rest] = x.shape;
  const K = indices.shape[1];
  const C = rest.reduce((a, b) => a * b, 1);
  // oneHot in int32 (its default), then cast: the wasm OneHot kernel returns all zeros when asked for float32 (tfjs 4.22).
  const selection = tf.cast(tf.oneHot(indices, N), 'float32') as tf.Tensor3D;
  const picked = tf.matMul(selection, tf.reshape(tf.cast(x, 'float32'), [B, N, C]) as tf.Tensor3D);
  return tf.reshape(picked, [B, K, ...rest]) as T;
}
