import * as tf from '@tensorflow/tfjs-core';
import { Adam } from '../optim/adam.js';

/**
 * Linear probe: multinomial logistic regression on frozen features, standardised with the
 * training features' mean and std, fitted by full-batch Adam with L2 decay. Deterministic
 * (zero init, no sampling). Returns held-out accuracy.
 */
export function linearProbeAccuracy(
  train: tf.Tensor2D,
  trainLabels: Int32Array,
  test: tf.Tensor2D,
  testLabels: Int32Array,
  opts: { steps?: number; lr?: number; weightDecay?: number; numClasses?: number } = {},
): number {
  const steps = opts.steps ?? 300;
  const C = opts.numClasses ?? Math.max(...trainLabels, ...testLabels) + 1;
  const D = train.shape[1];
  const [xTrain, xTest, yTrain] = tf.tidy(() => {
    const { mean, variance } = tf.moments(train, 0);
    const std = tf.add(tf.sqrt(variance), 1e-6);
    return [tf.div(tf.sub(train, mean), std), tf.div(tf.sub(test, mean), std), tf.oneHot(tf.tensor1d(trainLabels, 'int32'), C)];
  });
  const [w, b] = tf.tidy(() => [tf.variable(tf.zeros([D, C])), tf.variable(tf.zeros([C]))]);
  const opt = new Adam({ lr: opts.lr ?? 0.05, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: opts.weightDecay ?? 1e-4 });
  const params = [
    { name: 'w', variable: w, decay: true },
    { name: 'b', variable: b, decay: false },
  ];
  try {
    for (let i = 0; i < steps; i++) {
      const { grads, value } = tf.variableGrads(() => {
        const logits = tf.add(tf.matMul(xTrain, w), b);
        return tf.neg(tf.mean(tf.sum(tf.mul(yTrain, tf.logSoftmax(logits)), 1))) as tf.Scalar;
      }, [w, b]);
      value.dispose();
      const g = [grads[w.name], grads[b.name]];
      opt.apply(params, g, opts.lr ?? 0.05);
      g.forEach((t) => t.dispose());
    }
    const pred = tf.tidy(() => tf.argMax(tf.add(tf.matMul(xTest, w), b), 1));
    const p = pred.dataSync();
    pred.dispose();
    let correct = 0;
    for (let i = 0; i < p.length; i++) if (p[i] === testLabels[i]) correct++;
    return correct / p.length;
  } finally {
    [xTrain, xTest, yTrain, w, b].forEach((t) => t.dispose());
    opt.dispose();
  }
}
