// tfjs-core's CommonJS build registers no gradients; the @tensorflow/tfjs bundle registers them
// all into the same (deduplicated) tfjs-core instance. Import this before any training.
import '@tensorflow/tfjs';
