import * as tf from '@tensorflow/tfjs-core';

/**
 * The identity in the forward pass with a zero gradient (tfjs-core has no stopGradient op):
 * what passes through it is a constant for the tape.
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  const f = tf.customGrad(((input: tf.Tensor) => ({ value: tf.clone(input), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x) as T;
}
