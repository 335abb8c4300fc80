import * as tf from '@tensorflow/tfjs-core';
import { loadEncoder, resolveBackend } from '@mtojs/core';
import '@mtojs/transformer';
import '@mtojs/image';

async function main(): Promise<void> {
  await resolveBackend('auto');
  const encoder = await loadEncoder('mnist-encoder', { batchSize: 128 }); // examples per forward pass
  // 1000 images as one tensor [B, 28, 28, 1] of floats in [0, 1]: the rows are the inputs.
  const images = tf.randomUniform([1000, 28, 28, 1], 0, 1, 'float32', 0);
  const features = encoder.features(images); // tf.Tensor2D [1000, width]; you dispose it
  console.log(features.shape);
  tf.dispose([images, features]);
  encoder.dispose();
}

main();
