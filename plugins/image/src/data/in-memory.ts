import * as tf from '@tensorflow/tfjs-core';
import type { DataBatch, DataInfo, DataSource, Split } from '@mtojs/core';

export { interleaveByClass, pickedEvenly } from '@mtojs/core';

/** One split held in memory: examples back to back, [count, H, W, C] row-major. */
export interface ImageSplit {
  images: Float32Array;
  labels: Int32Array;
  count: number;
}

export const SPLITS: readonly Split[] = ['train', 'val', 'test'];

/**
 * A data source whose splits live in memory as one Float32Array each; `batch` copies the
 * requested rows into one new array and makes a single tensor.
 */
export abstract class InMemoryImageSource implements DataSource {
  private loadedInfo: DataInfo | null = null;
  private splits: Partial<Record<Split, ImageSplit>> = {};

  abstract load(): Promise<void>;
  abstract getConfig(): Record<string, unknown>;

  /** Stores the loaded splits; subclasses call it at the end of `load`. */
  protected setExamples(exampleShape: [number, number, number], classNames: string[], splits: Partial<Record<Split, ImageSplit>>): void {
    const size = exampleShape[0] * exampleShape[1] * exampleShape[2];
    for (const [split, data] of Object.entries(splits)) {
      if (data.images.length !== data.count * size || data.labels.length !== data.count) {
        throw new Error(`${split}: ${data.count} examples need ${data.count * size} values and ${data.count} labels, got ${data.images.length} and ${data.labels.length}`);
      }
    }
    this.splits = splits;
    this.loadedInfo = { modality: 'image', exampleShape: [...exampleShape], dtype: 'float32', classNames };
  }

  get info(): DataInfo {
    if (!this.loadedInfo) throw new Error(`${this.constructor.name}: call load() before reading info`);
    return this.loadedInfo;
  }

  size(split: Split): number {
    return this.splits[split]?.count ?? 0;
  }

  batch(split: Split, indices: ArrayLike<number>): DataBatch {
    const [H, W, C] = this.info.exampleShape;
    const size = H * W * C;
    const data = this.splits[split];
    const count = data?.count ?? 0;
    const B = indices.length;
    const images = new Float32Array(B * size);
    const labels = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      const i = indices[b];
      if (!Number.isInteger(i) || i < 0 || i >= count) {
        throw new RangeError(`${split} split: index ${i} is out of range; the split has ${count} examples (valid indices 0..${count - 1})`);
      }
      images.set(data!.images.subarray(i * size, (i + 1) * size), b * size);
      labels[b] = data!.labels[i];
    }
    return { inputs: tf.tensor4d(images, [B, H, W, C], 'float32'), labels };
  }
}
