import * as tf from '@tensorflow/tfjs-core';

/**
 * Rows of a [R, C] table with the scatter-add gradient dtable = scatterND(rows, dy) (repeated
 * rows add up). tf.gather's own gradient is UnsortedSegmentSum, which the wasm backend lacks and
 * the cpu backend runs as one pass over the whole gradient per segment (seconds for a 2048-row
 * table); a one-hot matMul costs R x C per row. The row indices are not an input of the op: they
 * are data, never differentiated.
 */
export function gatherRows(table: tf.Tensor2D, rows: tf.Tensor1D): tf.Tensor2D {
  const shape = table.shape;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [t, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    save([rows]); // kept for the backward pass (the forward's scope frees what it does not save)
    return {
      value: tf.gather(t, rows, 0),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.scatterND(tf.reshape(saved[0], [-1, 1]), dy, shape)],
    };
  }) as (t: tf.Tensor2D) => tf.Tensor2D;
  return op(table);
}
