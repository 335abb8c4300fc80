import * as tf from '@tensorflow/tfjs-core';
import { repeatToken } from './repeat-token.js';

/** [B, T, W] -> [B, 1 + T, W] with `cls` [W] (or [B, W] per example) in front. */
export function prependCls(x: tf.Tensor3D, cls: tf.Tensor): tf.Tensor3D {
  const [B, , W] = x.shape;
  const first = cls.rank === 1 ? repeatToken(cls, B, 1) : tf.reshape(cls, [B, 1, W]);
  return tf.concat([first, x], 1) as tf.Tensor3D;
}

/** [B, T] flags -> [B, 1 + T] with a 0 column in front: CLS is never a mask token nor padding. */
export function prependZeroColumn(flags: tf.Tensor2D): tf.Tensor2D {
  return tf.pad(flags, [
    [0, 0],
    [1, 0],
  ]) as tf.Tensor2D;
}

/** [B, 1 + T, W] -> the CLS features [B, W] and the token features [B, T, W]. */
export function splitCls(x: tf.Tensor3D): { cls: tf.Tensor2D; tokens: tf.Tensor3D } {
  const [B, T1, W] = x.shape;
  const cls = tf.reshape(tf.slice(x, [0, 0, 0], [B, 1, W]), [B, W]) as tf.Tensor2D;
  const tokens = tf.slice(x, [0, 1, 0], [B, T1 - 1, W]) as tf.Tensor3D;
  return { cls, tokens };
}
