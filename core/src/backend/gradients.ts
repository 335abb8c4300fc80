// tfjs-core's CommonJS build registers no gradients (they ship only as ES modules that Node
// cannot load). tfjs-layers' CommonJS bundle registers all of them into the global registry
// that every tfjs-core copy shares, and it needs nothing but tfjs-core: the whole
// @tensorflow/tfjs (converter, data, webgl, and their dependencies) is not needed for that.
// Import this before any training.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
// The plain-JS backend, so tensors work before (or without) `resolveBackend`.
import '@tensorflow/tfjs-backend-cpu';

// A few of those gradients (gather with batchDims, prod) call the chained tensor methods
// `reshape`, `slice` and `split`, which only @tensorflow/tfjs's bundle installs. These are
// installed here exactly as tfjs-core defines them; tfjs' own versions are kept when present.
const proto = tf.Tensor.prototype as unknown as Record<string, unknown>;
const chained: Record<string, (t: tf.Tensor, ...args: never[]) => unknown> = {
  reshape: (t, shape: number[]) => tf.reshape(t, shape),
  slice: (t, begin: number | number[], size?: number | number[]) => tf.slice(t, begin, size),
  split: (t, numOrSizeSplits: number | number[], axis?: number) => tf.split(t, numOrSizeSplits, axis),
};
for (const [name, op] of Object.entries(chained)) {
  if (typeof proto[name] === 'function') continue;
  proto[name] = function (this: tf.Tensor, ...args: never[]) {
    (this as unknown as { throwIfDisposed(): void }).throwIfDisposed();
    return op(this, ...args);
  };
}
