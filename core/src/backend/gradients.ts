// tfjs-core's CommonJS build registers no gradients (they ship only as ES modules that Node
// cannot load). tfjs-layers' CommonJS bundle registers all of them into the global registry
// that every tfjs-core copy shares, and it needs nothing but tfjs-core: the whole
// @tensorflow/tfjs (converter, data, webgl, and their dependencies) is not needed for that.
// Import this before any training.
import '@tensorflow/tfjs-layers';
// The plain-JS backend, so tensors work before (or without) `resolveBackend`.
import '@tensorflow/tfjs-backend-cpu';
