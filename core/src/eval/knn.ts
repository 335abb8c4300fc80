import * as tf from '@tensorflow/tfjs-core';

/**
 * Cosine k-NN classifier accuracy: each query votes among its k most similar training examples,
 * votes weighted by exp(similarity / temperature) (as DINO's k-NN evaluation does).
 */
export function knnAccuracy(
  train: tf.Tensor2D,
  trainLabels: Int32Array,
  test: tf.Tensor2D,
  testLabels: Int32Array,
  opts: { k?: number; temperature?: number; numClasses?: number; chunk?: number } = {},
): number {
  const k = Math.min(opts.k ?? 20, train.shape[0]);
  const T = opts.temperature ?? 0.07;
  const C = opts.numClasses ?? Math.max(...trainLabels, ...testLabels) + 1;
  const chunk = opts.chunk ?? 512;
  const trainN = tf.tidy(() => tf.div(train, tf.add(tf.norm(train, 'euclidean', 1, true), 1e-8)));
  let correct = 0;
  try {
    for (let s = 0; s < test.shape[0]; s += chunk) {
      const n = Math.min(chunk, test.shape[0] - s);
      const { values, indices } = tf.tidy(() => {
        const q = tf.slice(test, [s, 0], [n, -1]);
        const qn = tf.div(q, tf.add(tf.norm(q, 'euclidean', 1, true), 1e-8));
        const sim = tf.matMul(qn, trainN, false, true);
        return tf.topk(sim, k);
      });
      const v = values.dataSync();
      const ix = indices.dataSync();
      values.dispose();
      indices.dispose();
      const votes = new Float64Array(C);
      for (let i = 0; i < n; i++) {
        votes.fill(0);
        for (let j = 0; j < k; j++) votes[trainLabels[ix[i * k + j]]] += Math.exp(v[i * k + j] / T);
        let best = 0;
        for (let c = 1; c < C; c++) if (votes[c] > votes[best]) best = c;
        if (best === testLabels[s + i]) correct++;
      }
    }
  } finally {
    trainN.dispose();
  }
  return correct / test.shape[0];
}
