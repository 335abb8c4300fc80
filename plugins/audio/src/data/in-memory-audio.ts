import * as tf from '@tensorflow/tfjs-core';
import type { DataBatch, DataInfo, DataSource, Split } from '@mtojs/core';

export { interleaveByClass } from '@mtojs/core';

/** What audio data sources add to DataInfo; the `audio` adapter reads it. */
export interface AudioDataInfo extends DataInfo {
  modality: 'audio';
  /** [maxSamples]: every batch is [B, maxSamples], clips zero-padded at the end. */
  exampleShape: [number];
  /** Samples per second of every clip. */
  sampleRate: number;
}

/** One split in memory: mono clips at the source's rate, at most maxSamples each. */
export interface AudioSplit {
  clips: Float32Array[];
  /** Class of each clip; null when the data is unlabelled. */
  labels: Int32Array | null;
}

/**
 * A data source of clips held in memory. `batch` gives `inputs` [B, maxSamples] float32 (clips
 * zero-padded at the end) and `extra.lengths` [B] int32, each clip's real sample count, which
 * the adapter turns into padding flags.
 */
export abstract class InMemoryAudioSource implements DataSource {
  private loadedInfo: AudioDataInfo | null = null;
  private splits: Partial<Record<Split, AudioSplit>> = {};

  abstract load(): Promise<void>;
  abstract getConfig(): Record<string, unknown>;

  /** Stores the splits, cutting clips to `maxSamples`; subclasses call it at the end of `load`. */
  protected setClips(sampleRate: number, maxSamples: number, classNames: string[] | undefined, splits: Partial<Record<Split, AudioSplit>>): void {
    for (const [split, data] of Object.entries(splits)) {
      if (data.labels && data.labels.length !== data.clips.length) throw new Error(`${split}: ${data.clips.length} clips but ${data.labels.length} labels`);
      data.clips = data.clips.map((c) => (c.length > maxSamples ? c.subarray(0, maxSamples) : c));
    }
    this.splits = splits;
    this.loadedInfo = { modality: 'audio', exampleShape: [maxSamples], dtype: 'float32', sampleRate, ...(classNames ? { classNames } : {}) };
  }

  get info(): AudioDataInfo {
    if (!this.loadedInfo) throw new Error(`${this.constructor.name}: call load() before reading info`);
    return this.loadedInfo;
  }

  size(split: Split): number {
    return this.splits[split]?.clips.length ?? 0;
  }

  /** The clips of a split (read-only use: statistics, inspection). */
  clips(split: Split): readonly Float32Array[] {
    return this.splits[split]?.clips ?? [];
  }

  batch(split: Split, indices: ArrayLike<number>): DataBatch {
    const maxSamples = this.info.exampleShape[0];
    const data = this.splits[split];
    const count = data?.clips.length ?? 0;
    const B = indices.length;
    const waves = new Float32Array(B * maxSamples);
    const lengths = new Int32Array(B);
    const labels = data?.labels ? new Int32Array(B) : null;
    for (let b = 0; b < B; b++) {
      const i = indices[b];
      if (!Number.isInteger(i) || i < 0 || i >= count) {
        throw new RangeError(`${split} split: index ${i} is out of range; the split has ${count} clips (valid indices 0..${count - 1})`);
      }
      const clip = data!.clips[i];
      waves.set(clip, b * maxSamples);
      lengths[b] = clip.length;
      if (labels) labels[b] = data!.labels![i];
    }
    const batch: DataBatch = { inputs: tf.tensor2d(waves, [B, maxSamples]), extra: { lengths: tf.tensor1d(lengths, 'int32') } };
    if (labels) batch.labels = labels;
    return batch;
  }
}
