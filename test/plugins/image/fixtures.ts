/**
 * Test-only helpers for the image package's tests: a minimal but real masked model, and
 * builders of IDX files and PNGs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { gzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import {
  Initializer,
  MemoryLogger,
  Rng,
  type ForwardContext,
  type MaskBatch,
  type MaskedModel,
  type ModalityAdapter,
  type NamedVariable,
  type PartContext,
  type PreparedBatch,
  type Stem,
  type TokenLayout,
} from '@mtojs/core';
import { container } from 'tsyringe';

/** A PartContext for constructing parts outside a run. */
export function partContext(seed = 0): PartContext {
  const rng = new Rng(seed);
  return { rng, init: new Initializer(rng.stream('init')), logger: new MemoryLogger(), container: container.createChildContainer() };
}

/**
 * SimMIM in miniature: embed every patch with the adapter's stem, put the shared mask token in
 * place of masked patches, and predict every patch with the stem's head. No attention, but a
 * real model: its predictions depend on its weights and on the mask.
 */
export class PatchLinearModel implements MaskedModel {
  static readonly className = 'patch-linear';
  readonly mixingModule = 'encoder';
  private stem!: Stem;
  private token!: tf.Variable;
  constructor(readonly width = 8) {}
  getConfig() {
    return { width: this.width };
  }
  build(_layout: TokenLayout, adapter: ModalityAdapter, init: Initializer): void {
    this.stem = adapter.createStem({ inputWidth: this.width, outputWidth: this.width }, init);
    this.token = init.normal([this.width], 0.02);
  }
  variables(): NamedVariable[] {
    return [...this.stem.variables().map((v) => ({ ...v, name: `stem/${v.name}` })), { name: 'mask_token', variable: this.token }];
  }
  maskToken(): tf.Variable {
    return this.token;
  }
  forward(batch: PreparedBatch, mask: MaskBatch, _ctx: ForwardContext) {
    return tf.tidy(() => {
      const x = this.stem.embed(batch.tokens);
      const m = tf.expandDims(mask.mask, -1);
      const mixed = tf.add(tf.mul(x, tf.sub(1, m)), tf.mul(this.token, m)) as tf.Tensor3D;
      return { pred: this.stem.head(mixed) };
    });
  }
  encode(batch: PreparedBatch): tf.Tensor2D {
    return tf.tidy(() => tf.mean(this.stem.embed(batch.tokens), 1) as tf.Tensor2D);
  }
  dispose(): void {
    for (const v of this.variables()) v.variable.dispose();
  }
}

/** An IDX images file: magic 0x00000803, count, rows, cols, then the pixel bytes. */
export function idxImages(count: number, rows: number, cols: number, pixel: (i: number, y: number, x: number) => number): Buffer {
  const buf = Buffer.alloc(16 + count * rows * cols);
  buf.writeUInt32BE(0x00000803, 0);
  buf.writeUInt32BE(count, 4);
  buf.writeUInt32BE(rows, 8);
  buf.writeUInt32BE(cols, 12);
  for (let i = 0; i < count; i++) for (let y = 0; y < rows; y++) for (let x = 0; x < cols; x++) buf[16 + (i * rows + y) * cols + x] = pixel(i, y, x);
  return buf;
}

/** An IDX labels file: magic 0x00000801, count, then one byte per label. */
export function idxLabels(labels: number[]): Buffer {
  const buf = Buffer.alloc(8 + labels.length);
  buf.writeUInt32BE(0x00000801, 0);
  buf.writeUInt32BE(labels.length, 4);
  labels.forEach((l, i) => (buf[8 + i] = l));
  return buf;
}

export const gzip = (b: Buffer): Buffer => gzipSync(b);

/** A PNG (RGBA) of the given size whose pixels come from `rgb`. */
export function pngBytes(width: number, height: number, rgb: (y: number, x: number) => [number, number, number]): Buffer {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = rgb(y, x);
      const o = (y * width + x) * 4;
      png.data[o] = r;
      png.data[o + 1] = g;
      png.data[o + 2] = b;
      png.data[o + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}
