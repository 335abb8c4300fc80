import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// The core registers every kernel's gradient when imported (tfjs-core's CommonJS build has none).
import '@mtojs/core';

/** The cpu backend, for `before`. */
export async function useCpuBackend(): Promise<void> {
  await tf.setBackend('cpu');
  if (!tf.getGradient('Sum')) throw new Error('tfjs gradients are not registered: @mtojs/core should register them when imported');
}
