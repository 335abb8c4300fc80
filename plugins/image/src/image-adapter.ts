import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import {
  ConfigError,
  LinearStem,
  type Stem,
  Rng,
  disposeMaskBatch,
  toMaskBatch,
  type DataBatch,
  type DataInfo,
  type EvalContext,
  type Initializer,
  type MaskBatch,
  type ModalityAdapter,
  type NamedVariable,
  type PartContext,
  type PreparedBatch,
  type RngSnapshot,
  type Stateful,
  type TokenLayout,
  parsePartOptions,
  disposeDataBatch,
} from '@mtojs/core';
import { denormalizePatches, normalizePatches, patchify, unpatchify } from './patches.js';
import { augmentImages } from './augment.js';
import { drawImageSheet } from './recon-sheet.js';
import { imageBatchFromRaw } from './raw-images.js';

export const imageAdapterOptionsSchema = z.strictObject({
  /** Side of the square patches, in pixels; must divide the image height and width. */
  patchSize: z.number().int().min(1).default(4),
  /** Predict per-patch normalised pixels (MAE's norm_pix_loss) instead of raw pixels. */
  normPix: z.boolean().default(true),
  /** Training-time augmentation, drawn from the run's 'augment' RNG stream. */
  augment: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** Random translation of up to this many pixels along each axis, zero fill. */
      maxShift: z.number().int().min(0).default(2),
      /** Random horizontal flip (off: it changes what digits and text mean). */
      flip: z.boolean().default(false),
    })
    .prefault({}),
});

export type ImageAdapterOptions = z.output<typeof imageAdapterOptionsSchema>;

/** Examples drawn on the reconstruction sheet: the first ones of the evaluated split. */
export const SHEET_EXAMPLES = 8;
/** Value shown in place of masked patches on the sheet's middle row. */
const MASKED_FILL = 0.5;

/** How `prepare` is being used. Augmentation applies to training batches only. */
export interface PrepareOptions {
  training?: boolean;
}

/** The image modality's trainable ends: patch embedding and pixel head (see LinearStem). */
export class ImageStem extends LinearStem {
  constructor(layout: TokenLayout, dims: { inputWidth: number; outputWidth: number }, init: Initializer) {
    super(layout, dims, init, 'image');
  }
}

/**
 * Images [B, H, W, C] in [0, 1] as non-overlapping square patches (ViT/MAE tokens), with pixel
 * targets, MAE's masked-patch MSE loss, and a reconstruction sheet at evaluation.
 */
export class ImageAdapter implements ModalityAdapter, Stateful {
  static readonly className = 'image';
  static readonly optionsSchema = imageAdapterOptionsSchema;
  static readonly description = 'Images as square patches; pixel (or per-patch normalised) targets, masked-patch MSE, reconstruction sheets';

  readonly options: ImageAdapterOptions;
  private readonly augmentRng: Rng;
  private tokenLayout: TokenLayout | null = null;
  private imageShape: [number, number, number] | null = null;

  constructor(options: z.input<typeof imageAdapterOptionsSchema> = {}, ctx?: PartContext) {
    this.options = parsePartOptions(imageAdapterOptionsSchema, options, 'adapter');
    // Without a run context (plain library use) augmentation still draws from a seeded stream.
    this.augmentRng = ctx ? ctx.rng.stream('augment') : new Rng(0).stream('augment');
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options, augment: { ...this.options.augment } };
  }

  setup(info: DataInfo): TokenLayout {
    if (info.modality !== 'image') {
      throw new ConfigError(`adapter: the 'image' adapter needs image data, but the data source gives modality '${info.modality}'`);
    }
    const shape = info.exampleShape;
    if (shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new ConfigError(`adapter: the 'image' adapter needs examples of shape [height, width, channels], but the data source gives [${shape.join(', ')}]`);
    }
    const [H, W, C] = shape as [number, number, number];
    const p = this.options.patchSize;
    if (H % p !== 0 || W % p !== 0) {
      throw new ConfigError(`adapter.patchSize: ${p} does not divide the image size ${H}x${W} (height x width); choose a divisor of both`);
    }
    // A shift past the image moves every pixel out (and pads a huge tensor): a typo, not augmentation.
    const shift = this.options.augment.maxShift;
    if (this.options.augment.enabled && shift >= Math.min(H, W)) {
      throw new ConfigError(`adapter.augment.maxShift: ${shift} pixels, but the images are ${H}x${W}; expected at most ${Math.min(H, W) - 1}`);
    }
    this.imageShape = [H, W, C];
    this.tokenLayout = {
      numTokens: (H / p) * (W / p),
      tokenDim: p * p * C,
      targetDim: p * p * C,
      grid: [H / p, W / p],
      discrete: false,
    };
    return this.tokenLayout;
  }

  get layout(): TokenLayout {
    if (!this.tokenLayout) throw new Error('image adapter: setup(info) must run before the layout is read');
    return this.tokenLayout;
  }

  private get shape(): [number, number, number] {
    if (!this.imageShape) throw new Error('image adapter: setup(info) must run first');
    return this.imageShape;
  }

  /**
   * Batch -> patch tokens and targets. With `{ training: true }` and `augment.enabled`, the
   * images are augmented first (evaluation and feature extraction never are).
   */
  prepare(batch: DataBatch, opts: PrepareOptions = {}): PreparedBatch {
    const [H, W, C] = this.shape;
    const images = batch.inputs;
    if (images.rank !== 4 || images.shape[1] !== H || images.shape[2] !== W || images.shape[3] !== C) {
      throw new Error(`image adapter: expected inputs [B, ${H}, ${W}, ${C}], got [${images.shape.join(', ')}]`);
    }
    const p = this.options.patchSize;
    const [tokens, targets] = tf.tidy(() => {
      const input = opts.training && this.options.augment.enabled ? augmentImages(images as tf.Tensor4D, this.options.augment, this.augmentRng) : (images as tf.Tensor4D);
      const patches = patchify(tf.cast(input, 'float32') as tf.Tensor4D, p);
      // A separate tensor for targets even when equal, so the caller can dispose both.
      return [patches, this.options.normPix ? normalizePatches(patches) : tf.clone(patches)];
    });
    const prepared: PreparedBatch = { batchSize: images.shape[0], tokens, targets };
    if (batch.labels) prepared.labels = batch.labels;
    return prepared;
  }

  /**
   * Users' images as a batch [B, H, W, C] in [0, 1], the data sources' format: each input a
   * flat or nested pixel array or typed array (Uint8Array / Uint8ClampedArray 0..255, other
   * numbers 0..1), an ImageData-like `{ data, width, height }` (RGBA; luma for one channel, alpha
   * dropped) or a tf.Tensor [H, W, C]. Errors name the input's index and the expected size.
   */
  batchFromRaw(inputs: readonly unknown[], opts: { firstIndex?: number } = {}): DataBatch {
    return { inputs: imageBatchFromRaw(inputs, this.shape, opts.firstIndex) };
  }

  /** Preparing images needs no state (the augmentation stream is training-only). */
  encoderState(): undefined {
    return undefined;
  }

  createStem(dims: { inputWidth: number; outputWidth: number }, init: Initializer): Stem {
    return new ImageStem(this.layout, dims, init);
  }

  /** MAE's loss: per-patch MSE over the patch's values, averaged over masked (non-padding) patches. */
  loss(pred: tf.Tensor3D, batch: PreparedBatch, mask: MaskBatch): tf.Scalar {
    return tf.tidy(() => {
      const perPatch = tf.mean(tf.squaredDifference(pred, batch.targets), -1); // [B, N]
      const weights = batch.padding ? tf.mul(mask.mask, tf.sub(1, batch.padding)) : mask.mask;
      return tf.div(tf.sum(tf.mul(perPatch, weights)), tf.maximum(tf.sum(weights), 1)) as tf.Scalar;
    });
  }

  /**
   * Reconstructs the first examples of the evaluated split under the masking strategy and, when
   * the run saves images (`ctx.saveImage`), saves `recon-<tag>`: rows original / masked input / reconstruction.
   * Returns `recon_mse` (the task loss on those masked patches) and `recon_mse_pixels` (the same
   * in pixel space, comparable across `normPix` settings).
   */
  async evaluate(ctx: EvalContext): Promise<Record<string, number>> {
    const n = Math.min(SHEET_EXAMPLES, ctx.data.size(ctx.split));
    if (n === 0) return {};
    const [H, W, C] = this.shape;
    const p = this.options.patchSize;
    const layout = this.layout;
    const batch = ctx.data.batch(
      ctx.split,
      Array.from({ length: n }, (_, i) => i),
    );
    const maskBatch = toMaskBatch(ctx.masking.sample({ batchSize: n, layout }, ctx.rng));
    let results: tf.Tensor[] = [];
    try {
      results = tf.tidy(() => {
        const prepared = this.prepare(batch);
        const { pred } = ctx.model.forward(prepared, maskBatch, {
          hooks: ctx.hooks,
          step: { step: ctx.step, epoch: ctx.epoch, training: false, mask: maskBatch.mask, padding: null },
        });
        const loss = this.loss(pred, prepared, maskBatch);
        const patches = prepared.tokens as tf.Tensor3D;
        const predPixels = this.options.normPix ? denormalizePatches(pred, patches) : pred;
        const m = tf.expandDims(maskBatch.mask, -1); // [n, N, 1]
        const pixelLoss = tf.div(tf.sum(tf.mul(tf.mean(tf.squaredDifference(predPixels, patches), -1), maskBatch.mask)), tf.maximum(tf.sum(maskBatch.mask), 1));
        const keep = tf.sub(1, m);
        const maskedInput = tf.add(tf.mul(patches, keep), tf.mul(m, MASKED_FILL)) as tf.Tensor3D;
        const pasted = tf.add(tf.mul(patches, keep), tf.mul(predPixels, m)) as tf.Tensor3D;
        return [loss, pixelLoss, unpatchify(patches, p, H, W, C), unpatchify(maskedInput, p, H, W, C), unpatchify(pasted, p, H, W, C)];
      });
      const [loss, pixelLoss, original, maskedInput, reconstruction] = await Promise.all(results.map((t) => t.data()));
      ctx.saveImage?.(
        `recon-${ctx.tag}`,
        drawImageSheet(
          [original, maskedInput, reconstruction].map((pixels) => ({ pixels: pixels as Float32Array })),
          { n, H, W, C },
        ),
      );
      return { recon_mse: loss[0], recon_mse_pixels: pixelLoss[0] };
    } finally {
      tf.dispose(results);
      disposeDataBatch(batch);
      disposeMaskBatch(maskBatch);
    }
  }

  /** The augmentation stream's position, so a resumed run augments as an uninterrupted one would. */
  getState(): { augmentRng: RngSnapshot } {
    return { augmentRng: this.augmentRng.getState() };
  }

  setState(state: unknown): void {
    const s = state as { augmentRng?: RngSnapshot } | null;
    if (s?.augmentRng) this.augmentRng.setState(s.augmentRng);
  }
}
