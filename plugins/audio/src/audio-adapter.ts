import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import {
  ConfigError,
  TOKENS,
  disposeDataBatch,
  disposeMaskBatch,
  toMaskBatch,
  type DataBatch,
  type DataInfo,
  type DataSource,
  type EvalContext,
  type Initializer,
  type Logger,
  type MaskBatch,
  type ModalityAdapter,
  type NamedVariable,
  type PartContext,
  type PreparedBatch,
  Rng,
  type RngSnapshot,
  type Stateful,
  LinearStem,
  type Stem,
  type TokenLayout,
  parsePartOptions,
} from '@mtojs/core';
import { LogMelTransform, samplesNeeded, type LogMelConfig } from './features/log-mel.js';
import { denormalizePatchTargets, normalizePatchTargets, patchifySpectrogram, unpatchifySpectrogram, type SpectrogramPatch } from './spectrogram-patches.js';
import { drawSpectrogramSheet } from './recon-sheet.js';
import { augmentWaveforms } from './augment.js';
import { audioBatchFromRaw } from './raw-audio.js';

export const audioAdapterOptionsSchema = z
  .strictObject({
    /** Mel filters (spectrogram rows). */
    numMels: z.number().int().min(1).max(1024).default(64),
    /** Analysis window (frame) length, in milliseconds. */
    windowMs: z.number().gt(0).max(10_000).default(32),
    /** Hop between frames, in milliseconds. */
    hopMs: z.number().gt(0).max(10_000).default(12),
    /** DFT size in samples; default: the smallest power of two holding the window. */
    fftSize: z.number().int().min(2).max(2 ** 20).optional(),
    /** Lowest and highest frequency of the mel filters, in Hz (fMax default: half the sample rate). */
    fMin: z.number().min(0).default(0),
    fMax: z.number().gt(0).optional(),
    /** Mel scale: 'htk' (2595 log10(1 + f/700)) or 'slaney' (linear below 1 kHz, log above). */
    melScale: z.enum(['htk', 'slaney']).default('htk'),
    /** Filter normalisation: 'none' (peak 1) or 'slaney' (equal area). */
    melNorm: z.enum(['none', 'slaney']).default('none'),
    /** Mel power is clipped below this before the natural log. */
    logFloor: z.number().gt(0).default(1e-6),
    /** Frames per example: clips are cut to, or zero-padded up to, the samples these frames need. */
    frames: z.number().int().min(1).max(100_000).default(64),
    /** Patch size: mel bins per patch (grid rows = numMels / patchFreq). */
    patchFreq: z.number().int().min(1).default(8),
    /** Patch size: frames per patch (grid columns = frames / patchTime). */
    patchTime: z.number().int().min(1).default(8),
    /** Dataset mean and std of the log-mel values; default: measured on the training split at setup. */
    mean: z.number().optional(),
    std: z.number().gt(0).optional(),
    /** Training clips (the first ones) the mean and std are measured on. */
    statsClips: z.number().int().min(1).max(1_000_000).default(500),
    /** Predict per-patch normalised log-mels (MAE's norm_pix_loss) instead of the log-mels. */
    normTargets: z.boolean().default(true),
    /**
     * Training-time augmentation of the waveforms (never at evaluation or feature extraction),
     * drawn from the run's 'augment' RNG stream. Lengths follow the augmented clips, so padding
     * stays out of the loss.
     */
    augment: z
      .strictObject({
        enabled: z.boolean().default(false),
        /** Playback speed (tempo and pitch) scaled by a factor drawn from [1 - speed, 1 + speed]. */
        speed: z.number().min(0).lt(1).default(0.1),
        /** Time shift of up to this many ms: a delayed onset or a cut start (at most half the clip). */
        maxShiftMs: z.number().min(0).max(600_000).default(100),
        /** Gain change of up to this many dB either way. */
        gainDb: z.number().min(0).max(120).default(6),
        /** White noise of up to this fraction of the clip's RMS (0.1 = 20 dB below it). */
        noise: z.number().min(0).max(100).default(0),
      })
      .prefault({}),
  })
  .refine((o) => (o.mean === undefined) === (o.std === undefined), { path: ['mean'], message: 'give both mean and std, or neither' });

export type AudioAdapterOptions = z.output<typeof audioAdapterOptionsSchema>;

/** Spectrograms drawn on the reconstruction sheet: the first ones of the evaluated split. */
export const SPECTROGRAM_SHEET_EXAMPLES = 8;
/** Range of normalised log-mel values drawn black to white on the sheet (in dataset stds). */
const SHEET_RANGE: [number, number] = [-2.5, 2.5];

/** The dataset statistics of log-mel values, saved in checkpoints. */
export interface LogMelStats {
  mean: number;
  std: number;
}

/** The audio modality's trainable ends: patch embedding and log-mel head (see LinearStem). */
export class AudioStem extends LinearStem {
  constructor(layout: TokenLayout, dims: { inputWidth: number; outputWidth: number }, init: Initializer) {
    super(layout, dims, init, 'audio');
  }
}

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * Waveforms [B, samples] at the data's sample rate (with `extra.lengths`, each clip's real
 * sample count) as AudioMAE tokens: log-mel spectrograms, normalised by the dataset mean and
 * std, cut into patches on a frequency x time grid. Time columns past a clip's end are padding:
 * flagged in `padding` and `protected` (never masked, attended or predicted).
 */
export class AudioAdapter implements ModalityAdapter, Stateful {
  static readonly className = 'audio';
  static readonly optionsSchema = audioAdapterOptionsSchema;
  static readonly description = 'Audio as log-mel spectrogram patches on a frequency x time grid (AudioMAE); padding protected; reconstruction sheets';

  readonly options: AudioAdapterOptions;
  private readonly container: PartContext['container'] | null;
  private readonly logger: Logger | null;
  private transform: LogMelTransform | null = null;
  private tokenLayout: TokenLayout | null = null;
  private statsValue: LogMelStats | null = null;
  private sampleRate = 0;
  /** Samples per example in the data source's batches (its clips are cut to this). */
  private exampleSamples = 0;
  private readonly augmentRng: Rng;

  constructor(options: z.input<typeof audioAdapterOptionsSchema> = {}, ctx?: PartContext) {
    this.options = parsePartOptions(audioAdapterOptionsSchema, options, 'adapter');
    this.container = ctx?.container ?? null;
    this.logger = ctx?.logger ?? null;
    if (this.options.mean !== undefined) this.statsValue = { mean: this.options.mean, std: this.options.std! };
    // Without a run context (plain library use) augmentation still draws from a seeded stream.
    this.augmentRng = ctx ? ctx.rng.stream('augment') : new Rng(0).stream('augment');
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options, augment: { ...this.options.augment } };
  }

  /** The log-mel transform fixed at setup (sample counts, filters). */
  get logMel(): LogMelConfig {
    return this.built().config;
  }

  /** The dataset mean and std applied to log-mels; null until measured or given. */
  get stats(): LogMelStats | null {
    return this.statsValue ? { ...this.statsValue } : null;
  }

  setup(info: DataInfo): TokenLayout {
    if (info.modality !== 'audio') throw new ConfigError(`adapter: the 'audio' adapter needs audio data, but the data source gives modality '${info.modality}'`);
    const sampleRate = info.sampleRate;
    if (typeof sampleRate !== 'number' || !(sampleRate > 0)) throw new ConfigError(`adapter: the 'audio' adapter needs the data source to report its sampleRate`);
    if (info.exampleShape.length !== 1) throw new ConfigError(`adapter: the 'audio' adapter needs waveforms of shape [samples], but the data source gives [${info.exampleShape.join(', ')}]`);
    const o = this.options;
    const frameLength = Math.round((o.windowMs * sampleRate) / 1000);
    const hopLength = Math.round((o.hopMs * sampleRate) / 1000);
    if (frameLength < 2 || hopLength < 1) throw new ConfigError(`adapter.windowMs: ${o.windowMs} ms windows and ${o.hopMs} ms hops are under 2 and 1 samples at ${sampleRate} Hz`);
    const fftSize = o.fftSize ?? nextPowerOfTwo(frameLength);
    if (fftSize < frameLength) throw new ConfigError(`adapter.fftSize: ${fftSize} is shorter than the ${frameLength}-sample window (windowMs ${o.windowMs} at ${sampleRate} Hz)`);
    const fMax = o.fMax ?? sampleRate / 2;
    if (fMax > sampleRate / 2 || fMax <= o.fMin) throw new ConfigError(`adapter.fMax: ${fMax} Hz must be above fMin (${o.fMin} Hz) and at most half the sample rate (${sampleRate / 2} Hz)`);
    if (o.numMels % o.patchFreq !== 0) throw new ConfigError(`adapter.patchFreq: ${o.patchFreq} does not divide numMels ${o.numMels}`);
    if (o.frames % o.patchTime !== 0) throw new ConfigError(`adapter.patchTime: ${o.patchTime} does not divide frames ${o.frames}`);
    this.sampleRate = sampleRate;
    this.exampleSamples = info.exampleShape[0];
    this.transform?.dispose();
    this.transform = new LogMelTransform({
      sampleRate,
      fftSize,
      numMels: o.numMels,
      fMin: o.fMin,
      fMax,
      scale: o.melScale,
      norm: o.melNorm,
      frameLength,
      hopLength,
      numFrames: o.frames,
      logFloor: o.logFloor,
    });
    const rows = o.numMels / o.patchFreq;
    const cols = o.frames / o.patchTime;
    this.tokenLayout = { numTokens: rows * cols, tokenDim: o.patchFreq * o.patchTime, targetDim: o.patchFreq * o.patchTime, grid: [rows, cols], discrete: false };
    if (!this.statsValue && this.container?.isRegistered(TOKENS.DataSource, true)) {
      this.fitNormalization(this.container.resolve(TOKENS.DataSource));
    }
    return this.tokenLayout;
  }

  get layout(): TokenLayout {
    if (!this.tokenLayout) throw new Error('audio adapter: setup(info) must run before the layout is read');
    return this.tokenLayout;
  }

  private built(): LogMelTransform {
    if (!this.transform) throw new Error('audio adapter: setup(info) must run first');
    return this.transform;
  }

  private get patch(): SpectrogramPatch {
    return { freq: this.options.patchFreq, time: this.options.patchTime };
  }

  /**
   * Measures the dataset mean and std of the log-mel values on the first `statsClips` training
   * clips, over real (non-padding) frames only. setup() calls it in a run; call it yourself
   * after setup() when using the adapter without a run (or give `mean` and `std`).
   */
  fitNormalization(data: DataSource): LogMelStats {
    const count = Math.min(this.options.statsClips, data.size('train'));
    if (count === 0) throw new ConfigError(`adapter: the 'audio' adapter measures its normalisation on the training split, which is empty; give adapter.mean and adapter.std`);
    let sum = 0;
    let sumSq = 0;
    let n = 0;
    for (let start = 0; start < count; start += 64) {
      const batch = data.batch('train', Array.from({ length: Math.min(64, count - start) }, (_, i) => start + i));
      try {
        const { logMel, frameValid } = this.logMelOf(batch);
        const values = logMel.dataSync();
        const valid = frameValid.dataSync();
        tf.dispose([logMel, frameValid]);
        const mels = this.options.numMels;
        for (let f = 0; f < valid.length; f++) {
          if (!valid[f]) continue;
          for (let m = 0; m < mels; m++) {
            const v = values[f * mels + m];
            sum += v;
            sumSq += v * v;
          }
          n += mels;
        }
      } finally {
        disposeDataBatch(batch);
      }
    }
    const mean = sum / n;
    const std = Math.sqrt(Math.max(sumSq / n - mean * mean, 1e-12));
    this.statsValue = { mean, std };
    this.logger?.info(`audio: log-mel mean ${mean.toFixed(4)}, std ${std.toFixed(4)} (measured on ${count} training clips; saved in checkpoints)`);
    return { mean, std };
  }

  /** Real sample count of each clip: `extra.lengths` when given, else the full width. */
  private lengthsOf(batch: DataBatch): Int32Array {
    const B = batch.inputs.shape[0];
    const lengths = batch.extra?.lengths;
    if (!lengths) return new Int32Array(B).fill(batch.inputs.shape[1] ?? 0);
    if (lengths.size !== B) throw new Error(`audio adapter: extra.lengths has ${lengths.size} entries for ${B} clips`);
    return Int32Array.from(lengths.dataSync());
  }

  /** Unnormalised log-mels [B, frames, mels] and frame validity [B, frames] (1 = the frame starts inside the clip). */
  private logMelOf(batch: DataBatch): { logMel: tf.Tensor3D; frameValid: tf.Tensor2D; lengths: Int32Array } {
    const transform = this.built();
    const waves = batch.inputs;
    if (waves.rank !== 2) throw new Error(`audio adapter: expected waveforms [B, samples], got [${waves.shape.join(', ')}]`);
    const [B, S] = waves.shape as [number, number];
    const need = samplesNeeded(transform.config);
    const lengths = this.lengthsOf(batch);
    const { numFrames, hopLength } = transform.config;
    const valid = new Float32Array(B * numFrames);
    for (let b = 0; b < B; b++) for (let t = 0; t < numFrames; t++) valid[b * numFrames + t] = t * hopLength < Math.min(lengths[b], need) ? 1 : 0;
    const logMel = tf.tidy(() => {
      const w = tf.cast(waves, 'float32') as tf.Tensor2D;
      // Fixed length: the first `need` samples (longer clips are cut), zero-padded when shorter.
      const fitted = S >= need ? tf.slice(w, [0, 0], [B, need]) : tf.pad(w, [[0, 0], [0, need - S]]);
      return transform.apply(fitted as tf.Tensor2D);
    });
    return { logMel, frameValid: tf.tensor2d(valid, [B, numFrames]), lengths };
  }

  /**
   * Batch -> patch tokens and targets. With `{ training: true }` and `augment.enabled` the
   * waveforms are augmented first (evaluation and feature extraction never are).
   */
  prepare(batch: DataBatch, opts: { training?: boolean } = {}): PreparedBatch {
    const stats = this.statsValue;
    if (!stats) throw new Error('audio adapter: no log-mel normalisation yet; call fitNormalization(data) after setup(), or give adapter.mean and adapter.std');
    const augmented = opts.training && this.options.augment.enabled ? this.augment(batch) : null;
    let mel: ReturnType<AudioAdapter['logMelOf']>;
    try {
      mel = this.logMelOf(augmented ?? batch);
    } finally {
      if (augmented) disposeDataBatch(augmented);
    }
    const { logMel, frameValid, lengths } = mel;
    const B = batch.inputs.shape[0];
    const [rows, cols] = this.layout.grid;
    const { patchTime } = this.options;
    const hop = this.built().config.hopLength;
    const need = samplesNeeded(this.built().config);
    // A time column is padding when even its first frame starts at or after the clip's end.
    const padFlags = new Uint8Array(B * rows * cols);
    let anyPadding = false;
    for (let b = 0; b < B; b++) {
      for (let c = 0; c < cols; c++) {
        if (c * patchTime * hop < Math.min(lengths[b], need)) continue;
        anyPadding = true;
        for (let r = 0; r < rows; r++) padFlags[b * rows * cols + r * cols + c] = 1;
      }
    }
    const [tokens, targets] = tf.tidy(() => {
      // Frames past the clip's end are set to the dataset mean (0 after normalisation).
      const normalised = tf.mul(tf.div(tf.sub(logMel, stats.mean), stats.std), tf.expandDims(frameValid, -1)) as tf.Tensor3D;
      const patches = patchifySpectrogram(normalised, this.patch);
      return [patches, this.options.normTargets ? normalizePatchTargets(patches) : tf.clone(patches)];
    });
    tf.dispose([logMel, frameValid]);
    const prepared: PreparedBatch = { batchSize: B, tokens, targets };
    if (anyPadding) {
      prepared.padding = tf.tensor2d(Float32Array.from(padFlags), [B, rows * cols]);
      prepared.protected = padFlags;
    }
    if (batch.labels) prepared.labels = batch.labels;
    return prepared;
  }

  /** An augmented copy of a batch's waveforms and lengths (labels are not needed downstream of logMelOf). */
  private augment(batch: DataBatch): DataBatch {
    const waves = batch.inputs;
    if (waves.rank !== 2) throw new Error(`audio adapter: expected waveforms [B, samples], got [${waves.shape.join(', ')}]`);
    const [B, S] = waves.shape as [number, number];
    const a = this.options.augment;
    const values = waves.dtype === 'float32' ? (waves.dataSync() as Float32Array) : Float32Array.from(waves.dataSync());
    const out = augmentWaveforms(values, this.lengthsOf(batch), S, { speed: a.speed, maxShift: Math.round((a.maxShiftMs * this.sampleRate) / 1000), gainDb: a.gainDb, noise: a.noise }, this.augmentRng);
    return { inputs: tf.tensor2d(out.waves, [B, S]), extra: { lengths: tf.tensor1d(out.lengths, 'int32') } };
  }

  /**
   * Users' clips as the data sources' batch (waveforms [B, samples] and `extra.lengths`): each
   * a Float32Array / number[] of mono samples in [-1, 1] at the data's sample rate, or
   * `{ samples, sampleRate }` at any rate (resampled). Clips longer than the data's clips are
   * cut like them; shorter ones are padding past their end, as in training.
   */
  batchFromRaw(inputs: readonly unknown[], opts: { firstIndex?: number } = {}): DataBatch {
    if (!this.sampleRate || !this.exampleSamples) throw new Error('audio adapter: setup(info) must run before batchFromRaw');
    return audioBatchFromRaw(inputs, this.sampleRate, this.exampleSamples, opts.firstIndex);
  }

  /** What an exported encoder needs: the log-mel normalisation (not the augmentation stream). */
  encoderState(): { stats: LogMelStats | null } {
    return { stats: this.stats };
  }

  createStem(dims: { inputWidth: number; outputWidth: number }, init: Initializer): Stem {
    return new AudioStem(this.layout, dims, init);
  }

  /** MAE's loss: per-patch MSE, averaged over masked patches that are not padding. */
  loss(pred: tf.Tensor3D, batch: PreparedBatch, mask: MaskBatch): tf.Scalar {
    return tf.tidy(() => {
      const perPatch = tf.mean(tf.squaredDifference(pred, batch.targets), -1);
      const weights = batch.padding ? tf.mul(mask.mask, tf.sub(1, batch.padding)) : mask.mask;
      return tf.div(tf.sum(tf.mul(perPatch, weights)), tf.maximum(tf.sum(weights), 1)) as tf.Scalar;
    });
  }

  /**
   * Reconstructs the first clips of the evaluated split under the masking strategy and, when the
   * run writes files, saves `recon-<tag>.png`: rows original / masked input / reconstruction
   * (normalised log-mels, frequency upwards). Returns `recon_mse` (the task loss there) and
   * `recon_mse_logmel` (the error in normalised log-mel units, comparable across `normTargets`).
   */
  async evaluate(ctx: EvalContext): Promise<Record<string, number>> {
    const n = Math.min(SPECTROGRAM_SHEET_EXAMPLES, ctx.data.size(ctx.split));
    if (n === 0) return {};
    const { frames, numMels } = this.options;
    const batch = ctx.data.batch(ctx.split, Array.from({ length: n }, (_, i) => i));
    let prepared: PreparedBatch | null = null;
    let maskBatch: MaskBatch | null = null;
    let results: tf.Tensor[] = [];
    try {
      prepared = this.prepare(batch);
      const p = prepared;
      const mb = (maskBatch = toMaskBatch(ctx.masking.sample({ batchSize: n, layout: this.layout, protected: p.protected }, ctx.rng)));
      results = tf.tidy(() => {
        const { pred } = ctx.model.forward(p, mb, {
          hooks: ctx.hooks,
          step: { step: ctx.step, epoch: ctx.epoch, training: false, mask: mb.mask, padding: p.padding ?? null },
        });
        const loss = this.loss(pred, p, mb);
        const patches = p.tokens as tf.Tensor3D;
        const predValues = this.options.normTargets ? denormalizePatchTargets(pred, patches) : pred;
        const weights = p.padding ? tf.mul(mb.mask, tf.sub(1, p.padding)) : mb.mask;
        const valueLoss = tf.div(tf.sum(tf.mul(tf.mean(tf.squaredDifference(predValues, patches), -1), weights)), tf.maximum(tf.sum(weights), 1));
        const m = tf.expandDims(mb.mask, -1);
        const pasted = tf.add(tf.mul(patches, tf.sub(1, m)), tf.mul(predValues, m)) as tf.Tensor3D;
        const hidden = tf.mul(tf.ones(patches.shape), m) as tf.Tensor3D;
        const image = (t: tf.Tensor3D) => unpatchifySpectrogram(t, this.patch, frames, numMels);
        return [loss, valueLoss, image(patches), image(hidden), image(pasted)];
      });
      const [loss, valueLoss, original, hidden, reconstruction] = await Promise.all(results.map((t) => t.data()));
      if (ctx.saveImage) {
        const sheet = drawSpectrogramSheet(
          [
            { values: original as Float32Array },
            { values: original as Float32Array, hidden: Uint8Array.from(hidden as Float32Array) },
            { values: reconstruction as Float32Array },
          ],
          { n, frames, mels: numMels },
          SHEET_RANGE,
        );
        ctx.saveImage(`recon-${ctx.tag}`, sheet);
      }
      return { recon_mse: loss[0], recon_mse_logmel: valueLoss[0] };
    } finally {
      tf.dispose(results);
      if (prepared) tf.dispose([prepared.tokens, prepared.targets, ...(prepared.padding ? [prepared.padding] : [])]);
      if (maskBatch) disposeMaskBatch(maskBatch);
      disposeDataBatch(batch);
    }
  }

  /**
   * The log-mel normalisation, so a resumed run (or an exported encoder) uses the same, and the
   * augmentation stream's position, so a resumed run augments as an uninterrupted one would.
   */
  getState(): { stats: LogMelStats | null; augmentRng: RngSnapshot } {
    return { stats: this.stats, augmentRng: this.augmentRng.getState() };
  }

  setState(state: unknown): void {
    const st = state as { stats?: LogMelStats | null; augmentRng?: RngSnapshot } | null;
    const s = st?.stats;
    if (s && Number.isFinite(s.mean) && s.std > 0) this.statsValue = { mean: s.mean, std: s.std };
    if (st?.augmentRng) this.augmentRng.setState(st.augmentRng);
  }

  dispose(): void {
    this.transform?.dispose();
    this.transform = null;
  }
}
