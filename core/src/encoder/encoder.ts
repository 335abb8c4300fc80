import * as tf from '@tensorflow/tfjs-core';
import type { MaskedModel } from '../parts/model.js';
import type { ModalityAdapter } from '../parts/adapter.js';
import { disposeDataBatch, type DataBatch, type DataInfo } from '../parts/data.js';
import { UserError } from '../util/errors.js';
import { encoderArtifacts, exportEncoder } from './export.js';

/** Examples per forward pass when `encode`/`features` are given many inputs. */
export const DEFAULT_ENCODE_BATCH = 64;

/** What an encoder is, for its users. */
export interface EncoderInfo {
  /** 'image', 'text', 'audio', ... */
  modality: string;
  /** Length of each embedding (the model's width), when the model reports it. */
  width?: number;
  /** Shape of one example as the data source gave it (e.g. [28, 28, 1]; [seqLen]; [samples]). */
  exampleShape: number[];
  /** Tokens per example. */
  numTokens: number;
  /** The pre-training data's class names, when it had labels. */
  classNames?: string[];
  /** Audio: the sample rate inputs are expected at. */
  sampleRate?: number;
  /** Part names, e.g. 'mae' and 'image'. */
  model: string;
  adapter: string;
}

export interface EncoderOptions {
  /** Whether `dispose()` releases the model's variables (true for loaded encoders; false when wrapping a trainer's model). */
  ownsModel?: boolean;
  /** Examples per forward pass (default 64). */
  batchSize?: number;
}

/** Frees a model's tensors: its own `dispose` when it has one (it may hold constants beside its variables), else its variables. */
export function disposeModel(model: MaskedModel): void {
  const own = (model as { dispose?(): void }).dispose;
  if (typeof own === 'function') own.call(model);
  else for (const p of model.variables()) if (!p.variable.isDisposed) p.variable.dispose();
}

/**
 * A pre-trained encoder: raw inputs (pixel arrays, strings, sample arrays: see the adapter's
 * `batchFromRaw`) to one pooled embedding each, the model's `encode` on unmasked inputs. Load
 * one with `loadEncoder`, or wrap a trained model (`new Encoder(trainer.model, trainer.adapter,
 * trainer.data.info)`) to export it with `save`.
 */
export class Encoder {
  readonly batchSize: number;
  private readonly ownsModel: boolean;
  private disposed = false;

  constructor(
    readonly model: MaskedModel,
    readonly adapter: ModalityAdapter,
    readonly dataInfo: DataInfo,
    opts: EncoderOptions = {},
  ) {
    this.ownsModel = opts.ownsModel ?? false;
    this.batchSize = opts.batchSize ?? DEFAULT_ENCODE_BATCH;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) throw new UserError(`encoder: batchSize must be a positive integer, got ${opts.batchSize}`);
  }

  get info(): EncoderInfo {
    const width = this.model.getConfig().width;
    const cls = (p: object) => (p.constructor as { className?: string }).className ?? p.constructor.name;
    return {
      modality: this.dataInfo.modality,
      ...(typeof width === 'number' ? { width } : {}),
      exampleShape: [...this.dataInfo.exampleShape],
      numTokens: this.adapter.layout.numTokens,
      ...(this.dataInfo.classNames ? { classNames: [...this.dataInfo.classNames] } : {}),
      ...(typeof this.dataInfo.sampleRate === 'number' ? { sampleRate: this.dataInfo.sampleRate } : {}),
      model: cls(this.model),
      adapter: cls(this.adapter),
    };
  }

  /** Raw inputs as the batch `prepare` reads (the adapter's `batchFromRaw`); the caller disposes it. */
  batchFromRaw(inputs: readonly unknown[], opts: { firstIndex?: number } = {}): DataBatch {
    const adapter = this.adapter;
    if (typeof adapter.batchFromRaw !== 'function') {
      throw new UserError(`encoder: the '${this.info.adapter}' adapter cannot read raw inputs (it has no batchFromRaw); pass data-source batches to featuresOfBatch instead`);
    }
    return adapter.batchFromRaw(inputs, opts);
  }

  /** Pooled features [B, W] of a batch in the data source's format (e.g. `data.batch('test', idx)`). The caller disposes the result. */
  featuresOfBatch(batch: DataBatch): tf.Tensor2D {
    this.checkAlive();
    return tf.tidy(() => this.model.encode(this.adapter.prepare(batch, { training: false })));
  }

  /**
   * Pooled features [inputs.length, W] of raw inputs, `batchSize` at a time; the caller
   * disposes the result. A tf.Tensor stands for its rows (e.g. images [B, H, W, C]).
   */
  features(inputs: readonly unknown[] | tf.Tensor): tf.Tensor2D {
    this.checkAlive();
    const list = this.inputList(inputs);
    if (list.items.length === 0) {
      list.dispose();
      throw new UserError('encoder: no inputs to encode (got an empty list)');
    }
    const parts: tf.Tensor2D[] = [];
    try {
      for (let s = 0; s < list.items.length; s += this.batchSize) {
        const batch = this.batchFromRaw(list.items.slice(s, s + this.batchSize), { firstIndex: s });
        try {
          parts.push(this.featuresOfBatch(batch));
        } finally {
          disposeDataBatch(batch);
        }
      }
    } catch (e) {
      tf.dispose(parts);
      throw e;
    } finally {
      list.dispose();
    }
    if (parts.length === 1) return parts[0];
    const all = tf.concat(parts, 0) as tf.Tensor2D;
    tf.dispose(parts);
    return all;
  }

  /** One embedding per input, as plain arrays (`features`, read back and freed). */
  async encode(inputs: readonly unknown[] | tf.Tensor): Promise<Float32Array[]> {
    const f = this.features(inputs);
    try {
      const [B, W] = f.shape;
      const values = (await f.data()) as Float32Array;
      return Array.from({ length: B }, (_, i) => values.slice(i * W, (i + 1) * W));
    } finally {
      f.dispose();
    }
  }

  /** The encoder as tf.io model artifacts (what `save` hands its handler). */
  async artifacts(): Promise<tf.io.ModelArtifacts> {
    this.checkAlive();
    return encoderArtifacts(this.model, this.adapter, this.dataInfo);
  }

  /** Saves the encoder through a tf.io handler (in Node: `encoderDirectory(dir)`); returns what the handler reports. */
  async save(target: tf.io.IOHandler): Promise<tf.io.SaveResult> {
    this.checkAlive();
    return exportEncoder(this.model, this.adapter, this.dataInfo, target);
  }

  /** Releases the model's variables when the encoder owns them (loaded encoders do), and the adapter's tensors. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (!this.ownsModel) return;
    disposeModel(this.model);
    (this.adapter as { dispose?(): void }).dispose?.();
  }

  private checkAlive(): void {
    if (this.disposed) throw new UserError('encoder: it was disposed');
  }

  private inputList(inputs: readonly unknown[] | tf.Tensor): { items: readonly unknown[]; dispose(): void } {
    if (inputs instanceof tf.Tensor) {
      if (inputs.rank < 1) throw new UserError(`encoder: a tensor of inputs needs a batch axis, got a scalar`);
      const rows = tf.unstack(inputs);
      return { items: rows, dispose: () => tf.dispose(rows) };
    }
    if (!Array.isArray(inputs)) throw new UserError(`encoder: inputs must be an array (one entry per example) or a tensor with a batch axis, got ${typeof inputs}`);
    return { items: inputs, dispose: () => {} };
  }
}
