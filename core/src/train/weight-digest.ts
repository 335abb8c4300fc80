import type * as tf from '@tensorflow/tfjs-core';

/**
 * A 32-bit FNV-1a hash of each variable's bits, in order: two runs hold identical weights
 * exactly when their digests match (up to hash collisions). Data-parallel ranks compare them.
 */
export function weightDigest(variables: readonly { name: string; variable: tf.Variable }[]): { name: string; hash: number }[] {
  return variables.map((v) => {
    const data = v.variable.dataSync();
    const words = new Uint32Array(data.buffer, data.byteOffset, Math.floor(data.byteLength / 4));
    let h = 0x811c9dc5;
    for (let i = 0; i < words.length; i++) {
      h ^= words[i];
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return { name: v.name, hash: h };
  });
}
