import 'reflect-metadata';
import '../backend/gradients.js';
import * as tf from '@tensorflow/tfjs-core';
import { inject, injectable, injectAll } from 'tsyringe';
import { TOKENS } from '../di/tokens.js';
import type { RunConfig } from '../config/schema.js';
import type { MaskedModel } from '../parts/model.js';
import type { ModalityAdapter, PreparedBatch, TokenLayout } from '../parts/adapter.js';
import { disposeDataBatch, type DataBatch, type DataSource, type Split } from '../parts/data.js';
import type { MaskingStrategy } from '../parts/masking.js';
import type { TrainerPlugin } from '../parts/plugin.js';
import { isStateful, type NamedVariable } from '../parts/part.js';
import type { Optimizer, NamedTensor } from '../optim/optimizer.js';
import type { LrSchedule } from '../optim/schedule.js';
import { clipByGlobalNorm } from '../optim/clip.js';
import type { Logger } from '../run/logger.js';
import { Rng } from '../rng/rng.js';
import { TrainerHooks, type LossContext, type LossTerm, type StepContext } from '../hooks/trainer-hooks.js';
import { TrainerEvents, type StepMetrics } from '../events/events.js';
import { ensureRunDirs, type RunPaths } from '../run/run-dir.js';
import { existsSync } from 'node:fs';
import { writeFileAtomic } from '../util/fs-atomic.js';
import { MetricsWriter } from '../run/metrics-writer.js';
import { toMaskBatch, disposeMaskBatch, type MaskBatch } from './mask-batch.js';
import { disposePrepared, prepareAndMask } from './prepared-batch.js';
import { heldoutLoss } from './heldout-loss.js';
export { applyReplacements } from './prepared-batch.js';
import { disposeSlicedBatch, shardRows, shardShares, sliceMaskSample, slicePreparedBatch, type Shard, type ShardGradients, type ShardShares } from './shard-batch.js';
import { Initializer } from './initializer.js';
import { weightDigest } from './weight-digest.js';
import type { PluginHost } from './plugin-host.js';
import { ConfigError, NonFiniteLossError, UserError } from '../util/errors.js';
import { applyCheckpointState, checkPosition } from '../checkpoint/restore-state.js';
import { saveCheckpoint, pruneCheckpoints, loadCheckpoint, assignByName, disposeTensors, removeStaleTemps, type TrainingState } from '../checkpoint/checkpoint.js';
import { evaluateProbes, type ProbeResult } from '../eval/probes.js';
import { finetune } from '../eval/finetune.js';
import type { EvalContext } from '../eval/eval-context.js';
import { artifactImageSaver } from '../node/artifact-writer.js';
import type { ConfigSource, FromConfigOptions } from '../node/trainer-from-config.js';
import type { DataParallel } from '../node/workers/data-parallel.js';

/** Result of one optimiser step, read back after the step. */
export interface StepResult extends StepMetrics {}

/** One epoch that `fit()` completed: its index, the step after it, and its metrics. */
export interface EpochRecord {
  epoch: number;
  step: number;
  /** Epoch means of `loss` and each `loss/TERM`, plus the `eval/...` metrics when it was evaluated. */
  metrics: Record<string, number>;
}

/**
 * What `fit()` returns, in the manner of Keras' History: the epochs this call completed and,
 * per metric, its value at each of them (`history.loss[i]` is `epochs[i].metrics.loss`; NaN
 * where that epoch lacks the metric, e.g. `eval/knn_acc` on epochs without an evaluation).
 */
export interface FitHistory {
  epochs: EpochRecord[];
  history: Record<string, number[]>;
  /** The step count when fit() returned. */
  steps: number;
  /** True when the run ended early (requestStop, an interrupt, a plugin's early stop). */
  stopped: boolean;
}

/** The Keras-style columns of a list of epoch records (see FitHistory). */
export function historyOf(epochs: EpochRecord[]): Record<string, number[]> {
  const names: string[] = [];
  for (const e of epochs) for (const k of Object.keys(e.metrics)) if (!names.includes(k)) names.push(k);
  return Object.fromEntries(names.map((k) => [k, epochs.map((e) => e.metrics[k] ?? Number.NaN)]));
}

/** Where training stands; saved in checkpoints. */
interface Progress {
  step: number;
  epoch: number;
  batchInEpoch: number;
  /** Running sums of the epoch in progress, for the epoch means. */
  epochSums: Record<string, number>;
  epochCount: number;
}

/**
 * The training loop. Parts come from the run's DI container (see `createTrainer`); plugins
 * change the step through `hooks`, observers watch `events`.
 */
@injectable()
export class Trainer {
  readonly paths: RunPaths;
  /** Trace of hook calls when `trainer.debugHooks` is on: 'hook <- tap' lines. */
  readonly hookTrace: string[] = [];
  readonly metrics: MetricsWriter;

  private layoutValue: TokenLayout | null = null;
  private params: NamedVariable[] = [];
  private readonly maskRng: Rng;
  private stopReason: string | null = null;
  private reported: { name: string; value: tf.Scalar }[] = [];
  private progress: Progress = { step: 0, epoch: 0, batchInEpoch: 0, epochSums: {}, epochCount: 0 };
  private isSetUp = false;
  private lastCheckpointStep = -1;
  private readonly warnedNoGrad = new Set<string>();
  /** The step whose hook calls are traced when `debugHooks` is true (the first of this fit). */
  private firstTracedStep = 0;
  /** What the forward passes of the moment belong to, for the hook trace's labels. */
  private phase: 'train' | 'eval' = 'train';
  /** `hook <- tap` pairs the current evaluation has traced (each is traced once per evaluation). */
  private readonly evalTraced = new Set<string>();
  /** Whether an evaluation was traced already (`debugHooks: true` traces the first one only). */
  private evalTraceDone = false;
  /** The step of the last evaluation after training began (-1: none), so a stopped run is evaluated once. */
  private lastEvalStep = -1;
  /** The epoch argument of the evaluation in progress (-1: the baseline before training). */
  private evalEpoch = 0;
  private readonly host: PluginHost;
  private initialDigest: { name: string; hash: number }[] | null = null;

  /**
   * Builds a run the way `mto train` does, from a YAML/JSON file or a config object: imports
   * the installed part packages and the config's `imports:`, validates every part, starts the
   * config's `backend`, and returns the trainer (not yet set up; `fit()` sets it up).
   * Options: `set` (overrides), `outDir` (default: write nothing), `logger`, `backend`,
   * `container` (a parent DI container whose registrations replace the config's parts), `baseDir`.
   */
  static async fromConfig(source: ConfigSource, opts: FromConfigOptions = {}): Promise<Trainer> {
    // Loaded on call: reading files and importing packages is Node's business, not the loop's.
    const { trainerFromConfig } = await import('../node/trainer-from-config.js');
    return trainerFromConfig(source, opts);
  }

  constructor(
    @inject(TOKENS.Config) readonly config: RunConfig,
    @inject(TOKENS.Model) readonly model: MaskedModel,
    @inject(TOKENS.Adapter) readonly adapter: ModalityAdapter,
    @inject(TOKENS.DataSource) readonly data: DataSource,
    @inject(TOKENS.Masking) readonly masking: MaskingStrategy,
    @inject(TOKENS.Optimizer) readonly optimizer: Optimizer,
    @inject(TOKENS.Schedule) readonly schedule: LrSchedule,
    @injectAll(TOKENS.Plugin, { isOptional: true }) readonly plugins: TrainerPlugin[],
    @inject(TOKENS.Logger) readonly logger: Logger,
    @inject(TOKENS.Rng) readonly rng: Rng,
    @inject(TOKENS.Hooks) readonly hooks: TrainerHooks,
    @inject(TOKENS.Events) readonly events: TrainerEvents,
    @inject(TOKENS.RunPaths) paths: RunPaths,
  ) {
    this.plugins = plugins ?? [];
    this.paths = paths;
    this.metrics = new MetricsWriter(paths.metrics, paths.metrics === null);
    this.maskRng = rng.stream('masking');
    const names = new Set<string>();
    for (const p of this.plugins) {
      if (names.has(p.name)) throw new UserError(`plugins: two plugins are named '${p.name}'; each plugin may appear once`);
      names.add(p.name);
    }
    const self = this;
    this.host = {
      hooks,
      events,
      get model() {
        return self.model;
      },
      get adapter() {
        return self.adapter;
      },
      get masking() {
        return self.masking;
      },
      get data() {
        return self.data;
      },
      get layout() {
        return self.layout;
      },
      config,
      logger,
      paths,
      report: (name, value) => this.reported.push({ name, value: tf.keep(value) }),
      wantsMetrics: (step) => this.wantsMetrics(step),
      requestStop: (reason) => this.requestStop(reason),
    };
  }

  get layout(): TokenLayout {
    if (!this.layoutValue) throw new Error('the trainer is not set up yet: call setup() first');
    return this.layoutValue;
  }

  get step(): number {
    return this.progress.step;
  }

  get epoch(): number {
    return this.progress.epoch;
  }

  /** Data-parallel: the digest of the weights `setup` built (see `weightDigest`), when `trainer.workers` is not 1. */
  get initialWeightDigest(): { name: string; hash: number }[] | null {
    return this.initialDigest;
  }

  /** Trainable variables of the model (including the adapter's stem). */
  get parameters(): NamedVariable[] {
    return this.params;
  }

  /** Loads data, fixes the token layout, builds the model and applies plugins. Idempotent. */
  async setup(): Promise<void> {
    if (this.isSetUp) return;
    await this.data.load();
    const layout = this.adapter.setup(this.data.info);
    this.masking.check?.(layout);
    this.stepsPerEpoch(); // a batch larger than the data is a config mistake: found before any file is written
    if (this.config.eval.enabled && this.data.size(this.evalSplit()) === 0) {
      throw new ConfigError(`eval.enabled: the ${this.evalSplit()} split is empty (${this.data.size('train')} training examples), so there is nothing to evaluate on; give the data more examples or set eval.enabled: false`);
    }
    const ft = this.config.eval.finetune;
    if (this.config.eval.enabled && ft.enabled && ft.labels > this.data.size('train')) {
      throw new ConfigError(`eval.finetune.labels: ${ft.labels} labelled examples asked for, but the training split has ${this.data.size('train')}`);
    }
    this.layoutValue = layout;
    this.model.build(layout, this.adapter, new Initializer(this.rng.stream('init')));
    this.params = this.model.variables().filter((p) => p.variable.trainable);
    // Data-parallel ranks compare their initial weights: the same config and seed must build the same ones.
    if (this.config.trainer.workers !== 1) this.initialDigest = weightDigest(this.model.variables());
    const seen = new Set<string>();
    for (const p of this.params) {
      if (seen.has(p.name)) throw new Error(`model variables: the name '${p.name}' is used twice`);
      seen.add(p.name);
    }
    (this.optimizer as { bind?(p: NamedVariable[]): void }).bind?.(this.params);
    const eventOnly: string[] = [];
    for (const p of this.plugins) {
      const before = this.hookUse();
      p.apply(this.host);
      const after = this.hookUse();
      const listened = Object.keys(after.listeners).filter((e) => after.listeners[e] > (before.listeners[e] ?? 0));
      if (after.taps === before.taps && listened.length > 0) eventOnly.push(`[hooks] ${p.name}: taps no hook; listens to ${listened.join(', ')}`);
    }
    if (this.config.trainer.debugHooks) {
      this.hooks.setTracer((hook, tap) => this.trace(hook, tap));
      for (const h of this.hooks.all()) if (h.isUsed) this.logger.info(`[hooks] ${h.name}: ${h.tapNames().join(' -> ')}`);
      for (const line of eventOnly) {
        this.hookTrace.push(line);
        this.logger.info(line);
      }
    }
    this.isSetUp = true;
  }

  /** Taps on every hook and listeners per event, to tell which plugins only listen to events. */
  private hookUse(): { taps: number; listeners: Record<string, number> } {
    const listeners: Record<string, number> = {};
    for (const e of this.events.eventNames()) listeners[String(e)] = this.events.listenerCount(e);
    return { taps: this.hooks.all().reduce((n, h) => n + h.tapNames().length, 0), listeners };
  }

  /**
   * One `debugHooks` line per tap call, labelled with its phase: every call of the traced
   * training step(s), and each distinct `hook <- tap` pair once per traced evaluation (an
   * evaluation runs many batches through the same taps).
   */
  private trace(hook: string, tap: string): void {
    const all = this.config.trainer.debugHooks === 'all';
    let line: string;
    if (this.phase === 'train') {
      if (!all && this.progress.step !== this.firstTracedStep) return;
      line = `[hooks] train step ${this.progress.step} ${hook} <- ${tap}`;
    } else {
      const pair = `${hook} <- ${tap}`;
      if ((!all && this.evalTraceDone) || this.evalTraced.has(pair)) return;
      this.evalTraced.add(pair);
      line = `[hooks] eval step ${this.progress.step}${this.evalEpoch < 0 ? ' (before training)' : ''} ${pair}`;
    }
    this.hookTrace.push(line);
    this.logger.info(line);
  }

  /** Steps per epoch for the configured batch size. */
  stepsPerEpoch(): number {
    const n = this.data.size('train');
    const bs = this.config.trainer.batchSize;
    const steps = this.config.trainer.dropLast ? Math.floor(n / bs) : Math.ceil(n / bs);
    if (steps === 0) throw new ConfigError(`trainer.batchSize: ${bs} is larger than the training split (${n} examples) with dropLast on; lower it or set trainer.dropLast: false`);
    return steps;
  }

  /** Total optimiser steps the run plans (the schedule's horizon). */
  totalSteps(): number {
    const planned = this.config.trainer.epochs * this.stepsPerEpoch();
    return this.config.trainer.maxSteps > 0 ? Math.min(planned, this.config.trainer.maxSteps) : planned;
  }

  wantsMetrics(step: number): boolean {
    return (step + 1) % this.config.trainer.logEvery === 0;
  }

  /** Asks the loop to stop after the current step; the run ends normally (checkpoint, fitEnd). */
  requestStop(reason = 'requested'): void {
    this.stopReason = reason;
  }

  get stopRequested(): boolean {
    return this.stopReason !== null;
  }

  /** The order of the training split in an epoch: a function of the seed and the epoch alone (so resume is exact). */
  epochOrder(epoch: number): Int32Array {
    return this.rng.stream(`data/epoch-${epoch}`).permutation(this.data.size('train'));
  }

  /**
   * Runs the configured epochs (from a restored position, if any) and returns the epochs it
   * completed with their metrics (see FitHistory); the same records go to metrics.jsonl.
   */
  async fit(): Promise<FitHistory> {
    await this.setup();
    this.describeRunDir();
    const tc = this.config.trainer;
    const spe = this.stepsPerEpoch();
    this.schedule.setup({ totalSteps: this.totalSteps(), stepsPerEpoch: spe });
    this.stopReason = null;
    this.firstTracedStep = this.progress.step;
    const parallel = await this.startDataParallel();
    this.events.safeEmit('fitStart', { totalEpochs: tc.epochs, stepsPerEpoch: spe, startEpoch: this.progress.epoch, startStep: this.progress.step });
    const n = this.data.size('train');
    let windowStart = performance.now();
    let windowSamples = 0;
    const epochs: EpochRecord[] = [];
    try {
      while (this.progress.epoch < tc.epochs && !this.maxStepsReached()) {
        const epoch = this.progress.epoch;
        if (this.progress.batchInEpoch === 0) this.events.safeEmit('epochStart', { epoch, step: this.progress.step });
        const order = this.epochOrder(epoch);
        for (let b = this.progress.batchInEpoch; b < spe; b++) {
          const idx = order.subarray(b * tc.batchSize, Math.min(n, (b + 1) * tc.batchSize));
          this.events.safeEmit('batchStart', { epoch, step: this.progress.step, batchIndex: b, batchSize: idx.length });
          const t0 = performance.now();
          const result = parallel ? await parallel.step(idx) : this.trainStep(idx);
          windowSamples += idx.length;
          const now = performance.now();
          result.samplesPerSec = (windowSamples * 1000) / Math.max(1e-6, now - windowStart);
          this.progress.batchInEpoch = b + 1;
          this.accumulate(result);
          if (this.wantsMetrics(result.step)) {
            this.metrics.write({ type: 'step', ...flatten(result), time: Date.now(), step_ms: now - t0 });
            windowStart = now;
            windowSamples = 0;
          }
          this.events.safeEmit('batchEnd', { ...result, batchIndex: b });
          // One turn of the event loop per step, so signal handlers (Ctrl-C -> requestStop) and
          // timers run during a long fit; costs microseconds against a step's milliseconds.
          await new Promise<void>((resolve) => setImmediate(resolve));
          if (tc.checkpointEverySteps > 0 && this.progress.step % tc.checkpointEverySteps === 0 && b + 1 < spe) await this.checkpoint();
          if (this.stopRequested || this.maxStepsReached()) break;
        }
        const epochDone = this.progress.batchInEpoch >= spe;
        if (!epochDone) break;
        const metrics = this.epochMeans();
        const last = epoch + 1 >= tc.epochs || this.maxStepsReached() || this.stopRequested;
        if (this.config.eval.enabled && ((tc.evalEvery > 0 && (epoch + 1) % tc.evalEvery === 0) || last)) {
          Object.assign(metrics, await this.evaluate(epoch, { last }));
          this.lastEvalStep = this.progress.step;
        }
        this.metrics.write({ type: 'epoch', epoch, step: this.progress.step, ...metrics, time: Date.now() });
        epochs.push({ epoch, step: this.progress.step, metrics: { ...metrics } });
        this.progress = { step: this.progress.step, epoch: epoch + 1, batchInEpoch: 0, epochSums: {}, epochCount: 0 };
        if ((tc.checkpointEvery > 0 && (epoch + 1) % tc.checkpointEvery === 0) || last) await this.checkpoint();
        this.events.safeEmit('epochEnd', { epoch, step: this.progress.step, metrics });
        if (this.stopRequested) break;
      }
      // A run that ends inside an epoch (requestStop, trainer.maxSteps) keeps its position, so
      // --resume (with a larger maxSteps, for the latter) continues it.
      if ((this.stopRequested || this.maxStepsReached()) && this.lastCheckpointStep !== this.progress.step && this.paths.checkpoints) await this.checkpoint();
      // A run that ended mid-epoch (trainer.maxSteps, requestStop) or was resumed complete has
      // no final evaluation yet: evaluate the weights it ends with, after the checkpoint is safe.
      if (this.config.eval.enabled && this.lastEvalStep !== this.progress.step) {
        // The epoch the weights belong to: the one in progress, or the last one completed.
        const epoch = this.progress.batchInEpoch === 0 && this.progress.epoch > 0 ? this.progress.epoch - 1 : this.progress.epoch;
        const metrics = await this.evaluate(epoch, { last: true });
        this.lastEvalStep = this.progress.step;
        this.metrics.write({ type: 'eval', epoch, step: this.progress.step, ...metrics, time: Date.now() });
      }
    } catch (error) {
      // A worker that failed or crashed left this trainer at its last completed step: keep it.
      if (parallel?.workerFailed && this.paths.checkpoints && this.lastCheckpointStep !== this.progress.step) {
        try {
          const dir = await this.checkpoint();
          this.logger.warn(`a data-parallel worker failed at step ${this.progress.step}; checkpoint written: ${dir}`);
        } catch (e) {
          this.logger.warn(`a data-parallel worker failed at step ${this.progress.step}; the checkpoint could not be written: ${(e as Error).message}`);
        }
      }
      this.events.safeEmit('error', { error: error as Error, where: 'fit' });
      throw error;
    } finally {
      await parallel?.close();
    }
    this.events.safeEmit('fitEnd', { epoch: this.progress.epoch, step: this.progress.step, stopped: this.stopRequested });
    return { epochs, history: historyOf(epochs), steps: this.progress.step, stopped: this.stopRequested };
  }

  /**
   * The worker threads of `trainer.workers` (null: 1, today's in-process step). Started per
   * fit, from the trainer's current state; closed when the fit ends.
   */
  private async startDataParallel(): Promise<DataParallel | null> {
    if (this.config.trainer.workers === 1) return null;
    // Loaded on call: worker threads are Node's business, and most runs never need them.
    const { DataParallel, resolveWorkerCount } = await import('../node/workers/data-parallel.js');
    const ranks = resolveWorkerCount(this.config.trainer.workers, this.config.trainer.batchSize);
    if (ranks === 1) {
      this.logger.info('trainer.workers: auto: 1 rank (this process may use 1 core, or the batch has 1 example); training in-process');
      return null;
    }
    const backend = tf.getBackend();
    if (this.config.trainer.workers === 'auto' && backend !== 'wasm' && backend !== 'cpu') {
      this.logger.info(`trainer.workers: auto: the ${backend} backend uses every core itself; training in-process`);
      return null;
    }
    const pool = await DataParallel.start(this, { workers: ranks });
    this.logger.info(`trainer.workers: ${ranks} ranks (the main thread and ${ranks - 1} worker thread${ranks > 2 ? 's' : ''}), each batch of ${this.config.trainer.batchSize} split ${pool.split(this.config.trainer.batchSize)}`);
    return pool;
  }

  /**
   * A run directory describes itself, whoever started it (`mto train` or a program): its
   * config.json is what `mto export`, `mto finetune` and `mto analyze` rebuild the run from.
   * Written once, before the first step; `mto train` writes it earlier (and keeps the previous
   * one on resume).
   */
  private describeRunDir(): void {
    if (!this.paths.config || existsSync(this.paths.config)) return;
    ensureRunDirs(this.paths);
    writeFileAtomic(this.paths.config, JSON.stringify(this.config, null, 2) + '\n');
  }

  private maxStepsReached(): boolean {
    return this.config.trainer.maxSteps > 0 && this.progress.step >= this.config.trainer.maxSteps;
  }

  private accumulate(r: StepResult): void {
    const s = this.progress.epochSums;
    s.loss = (s.loss ?? 0) + r.loss;
    for (const [k, v] of Object.entries(r.terms)) s[`loss/${k}`] = (s[`loss/${k}`] ?? 0) + v;
    this.progress.epochCount++;
  }

  private epochMeans(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(this.progress.epochSums)) out[k] = v / Math.max(1, this.progress.epochCount);
    return out;
  }

  /**
   * One optimiser step on the training examples at `indices`: prepare, mask, forward through
   * the hooks, loss terms, gradients, clipping, update. All tensors are freed before it returns.
   */
  trainStep(indices: ArrayLike<number>): StepResult {
    const step = this.progress.step;
    const epoch = this.progress.epoch;
    const batch = this.data.batch('train', indices);
    let prepared: PreparedBatch | null = null;
    let maskBatch: ReturnType<typeof toMaskBatch> | null = null;
    const kept: { name: string; value: tf.Scalar }[] = [];
    this.reported = [];
    try {
      const sampled = prepareAndMask(this, batch, this.maskRng, true);
      prepared = sampled.prepared;
      maskBatch = toMaskBatch(sampled.sample);
      const stepCtx: StepContext = { step, epoch, training: true, mask: maskBatch.mask, padding: prepared.padding ?? null };
      const { value, grads } = this.lossAndGradients(prepared, maskBatch, stepCtx, kept, null);
      // Read the loss terms (and reported diagnostics) back once, then check before updating.
      const names = [...kept.map((k) => k.name), ...this.reported.map((r) => r.name)];
      const stacked = tf.tidy(() => tf.stack([value, ...kept.map((k) => k.value), ...this.reported.map((r) => r.value)]));
      const values = stacked.dataSync();
      stacked.dispose();
      value.dispose();
      const total = values[0];
      const terms: Record<string, number> = {};
      const extra: Record<string, number> = {};
      names.forEach((nm, i) => {
        if (i < kept.length) terms[nm] = values[i + 1];
        else extra[nm] = values[i + 1];
      });
      const gradList = this.params.map((p) => grads[p.variable.name] ?? null);
      try {
        this.checkFinite(step, terms, total);
        const lr = this.applyGradients(gradList, step, extra);
        this.progress.step = step + 1;
        return { step, epoch, loss: total, terms, lr, samplesPerSec: 0, extra };
      } finally {
        for (const g of Object.values(grads)) g.dispose();
      }
    } finally {
      this.releaseStep(kept, batch);
      if (prepared) disposePrepared(prepared, batch.inputs);
      if (maskBatch) disposeMaskBatch(maskBatch);
    }
  }

  /**
   * The gradient tape of a step: forward through the hooks, the task loss and the plugins'
   * terms. `shares` (data-parallel shards) weighs the task loss and the terms by the shard's
   * share of the batch, so the shards' gradients sum to the batch's; null: the batch is whole.
   * The terms' values are kept in `kept` (unweighted).
   */
  private lossAndGradients(pb: PreparedBatch, mb: MaskBatch, stepCtx: StepContext, kept: { name: string; value: tf.Scalar }[], shares: ShardShares | null) {
    const vars = this.params.map((p) => p.variable);
    return tf.variableGrads(() => {
      this.hooks.stepStart.call(stepCtx);
      const out = this.model.forward(pb, mb, { hooks: this.hooks, step: stepCtx });
      const task = this.adapter.loss(out.pred, pb, mb);
      const terms: LossTerm[] = [];
      const lossCtx: LossContext = {
        ...stepCtx,
        taskLoss: task,
        terms,
        add(name: string, v: tf.Scalar, weight = 1) {
          if (name === 'task' || terms.some((t) => t.name === name)) throw new Error(`loss term '${name}' was added twice (or collides with 'task')`);
          if (v.rank !== 0) throw new Error(`loss term '${name}' must be a scalar, got shape [${v.shape}]`);
          terms.push({ name, value: v, weight });
        },
      };
      this.hooks.loss.call(lossCtx);
      this.hooks.stepEnd.call(stepCtx);
      kept.push({ name: 'task', value: tf.keep(task) });
      let total: tf.Scalar = shares ? tf.mul(task, shares.task) : task;
      for (const t of terms) {
        kept.push({ name: t.name, value: tf.keep(t.value) });
        const weight = shares ? t.weight * shares.examples : t.weight;
        if (t.weight !== 0) total = tf.add(total, tf.mul(t.value, weight));
      }
      return total;
    }, vars);
  }

  /** Frees what a step kept: its loss terms, the reported diagnostics and the raw batch. */
  private releaseStep(kept: { value: tf.Scalar }[], batch: DataBatch): void {
    for (const k of kept) k.value.dispose();
    for (const r of this.reported) r.value.dispose();
    this.reported = [];
    disposeDataBatch(batch);
  }

  private checkFinite(step: number, terms: Record<string, number>, total: number): void {
    const lastCk = this.paths.checkpoints ? (this.lastCheckpointStep >= 0 ? this.lastCheckpointStep : null) : undefined;
    for (const [nm, v] of Object.entries(terms)) if (!Number.isFinite(v)) throw new NonFiniteLossError(step, nm, v, lastCk);
    if (!Number.isFinite(total)) throw new NonFiniteLossError(step, 'total', total, lastCk);
  }

  /**
   * Clips (trainer.gradClipNorm) and applies the gradients, one per parameter (null: none
   * reached it), at the schedule's rate for `step`; records grad_norm in `extra`. Returns the rate.
   */
  private applyGradients(gradList: (tf.Tensor | null)[], step: number, extra: Record<string, number>, rate?: number): number {
    // A variable the step did not use (e.g. a mask token when nothing was masked) is left
    // unchanged, as torch skips parameters whose grad is None; warn once per name.
    const used = this.params.filter((p, i) => {
      if (gradList[i]) return true;
      if (!this.warnedNoGrad.has(p.name)) {
        this.warnedNoGrad.add(p.name);
        this.logger.warn(`step ${step}: no gradient reached '${p.name}'; it is not updated on such steps`);
      }
      return false;
    });
    const usedGrads = gradList.filter((g): g is tf.Tensor => g !== null);
    const lr = rate ?? this.learningRateAt(step);
    const maxNorm = this.config.trainer.gradClipNorm;
    if (maxNorm > 0 && this.optimizer.applyClipped) {
      const norm = this.optimizer.applyClipped(used, usedGrads, lr, maxNorm);
      extra.grad_norm = norm.dataSync()[0];
      norm.dispose();
    } else if (maxNorm > 0) {
      const clipped = clipByGlobalNorm(usedGrads, maxNorm);
      const norm = clipped.norm.dataSync()[0];
      clipped.norm.dispose();
      extra.grad_norm = norm;
      this.optimizer.apply(used, clipped.grads, lr);
      clipped.grads.forEach((g) => g.dispose());
    } else {
      this.optimizer.apply(used, usedGrads, lr);
    }
    return lr;
  }

  // ---- data-parallel ranks (core/src/node/workers) ---------------------------------------

  /**
   * Data-parallel: the gradients of this rank's rows of the batch at `indices`, weighted by the
   * shard's share (see `shardShares`), and the shard's loss terms and reported diagnostics,
   * weighted the same way (so the ranks' values sum to the batch's). Every rank prepares and
   * masks the whole batch, so the masking RNG advances identically everywhere, then computes
   * its rows. Nothing is updated; the caller disposes `grads`.
   */
  shardGradients(indices: ArrayLike<number>, shard: Shard, at: { step: number; epoch: number }): ShardGradients {
    const { step, epoch } = at;
    const batch = this.data.batch('train', indices);
    let full: PreparedBatch | null = null;
    let prepared: PreparedBatch | null = null;
    let maskBatch: MaskBatch | null = null;
    const kept: { name: string; value: tf.Scalar }[] = [];
    this.reported = [];
    try {
      const sampled = prepareAndMask(this, batch, this.maskRng, true);
      full = sampled.prepared;
      const rows = shardRows(full.batchSize, shard);
      const shares = shardShares(sampled.sample, rows);
      if (rows.end === rows.start) return { names: [], values: new Float64Array(0), termCount: 0, grads: this.params.map(() => null) };
      prepared = slicePreparedBatch(full, rows, this.layout.numTokens);
      maskBatch = toMaskBatch(sliceMaskSample(sampled.sample, rows));
      const stepCtx: StepContext = { step, epoch, training: true, mask: maskBatch.mask, padding: prepared.padding ?? null };
      const { value, grads } = this.lossAndGradients(prepared, maskBatch, stepCtx, kept, shares);
      const stacked = tf.tidy(() => tf.stack([value, ...kept.map((k) => k.value), ...this.reported.map((r) => r.value)]));
      const raw = stacked.dataSync();
      stacked.dispose();
      value.dispose();
      const names = ['total', ...kept.map((k) => k.name), ...this.reported.map((r) => r.name)];
      const values = new Float64Array(names.length);
      values[0] = raw[0];
      names.forEach((_, i) => {
        if (i > 0) values[i] = raw[i] * (i === 1 ? shares.task : shares.examples);
      });
      return { names, values, termCount: kept.length, grads: this.params.map((p) => grads[p.variable.name] ?? null) };
    } finally {
      this.releaseStep(kept, batch);
      if (prepared) disposeSlicedBatch(prepared);
      if (full) disposePrepared(full, batch.inputs);
      if (maskBatch) disposeMaskBatch(maskBatch);
    }
  }

  /** The schedule's learning rate at `step` (the schedule is set up by `fit`). */
  learningRateAt(step: number): number {
    return this.schedule.lr(step, this.optimizer.learningRate);
  }

  /**
   * Data-parallel: applies the ranks' summed gradients (one per parameter, null where no rank
   * had one) at rate `lr` as `trainStep` applies its own, and advances the step. Every rank
   * calls it with the same gradients and the main thread's rate (a worker's schedule is never
   * set up: it does not run `fit`), so the weights stay identical. Returns grad_norm (when clipping).
   */
  applySummedGradients(gradList: (tf.Tensor | null)[], step: number, lr: number): { lr: number; extra: Record<string, number> } {
    const extra: Record<string, number> = {};
    this.applyGradients(gradList, step, extra, lr);
    this.progress.step = step + 1;
    return { lr, extra };
  }

  /** Data-parallel: the non-finite check of `trainStep` on the ranks' summed terms. */
  checkSummedTerms(step: number, terms: Record<string, number>, total: number): void {
    this.checkFinite(step, terms, total);
  }

  /** The split evaluation reads: 'val' when asked for and present, else 'test'. */
  evalSplit(): Split {
    const want = this.config.eval.split;
    return want === 'val' && this.data.size('val') > 0 ? 'val' : 'test';
  }

  private evalContext(epoch: number): EvalContext {
    const artifacts = this.paths.artifacts;
    return {
      model: this.model,
      adapter: this.adapter,
      data: this.data,
      masking: this.masking,
      split: this.evalSplit(),
      epoch,
      step: this.progress.step,
      outDir: this.paths.artifacts,
      saveImage: artifacts ? artifactImageSaver(artifacts) : null,
      rng: this.rng.stream('eval'),
      hooks: this.hooks,
      logger: this.logger,
      batchSize: this.config.eval.batchSize,
      tag: `epoch-${String(epoch + 1).padStart(3, '0')}`,
    };
  }

  /**
   * Probes (k-NN, linear) on frozen features, fine-tuning when `eval.finetune.enabled` (at the
   * evaluations its `every` selects; `last` marks the run's final one), plus the adapter's own
   * evaluation. Epoch -1 is the baseline before training.
   */
  async evaluate(epoch = this.progress.epoch, opts: { last?: boolean } = {}): Promise<Record<string, number>> {
    await this.setup();
    const metrics: Record<string, number> = {};
    const ctx = this.evalContext(epoch);
    this.phase = 'eval';
    this.evalEpoch = epoch;
    this.evalTraced.clear();
    try {
      if (this.data.info.classNames?.length && this.data.size(ctx.split) > 0) {
        const r = evaluateProbes(this.model, this.adapter, this.data, ctx.split, this.config.eval, { hooks: this.hooks, step: { step: ctx.step, epoch, training: false, mask: null, padding: null } });
        metrics['eval/knn_acc'] = r.knn;
        metrics['eval/probe_acc'] = r.probe;
        const ft = this.config.eval.finetune;
        if (ft.enabled && (ft.every === 0 || epoch < 0 || opts.last || (epoch + 1) % ft.every === 0)) {
          const res = await finetune({ model: this.model, adapter: this.adapter, data: this.data, config: ft, seed: this.config.seed, split: ctx.split });
          metrics['eval/ft_acc'] = res.accuracy;
          metrics['eval/ft_seconds'] = res.seconds;
          this.logger.info(`fine-tune (${res.trainExamples} labels, ${res.epochs} epochs, freeze ${res.freeze}): ${(100 * res.accuracy).toFixed(1)}% on ${res.evalExamples} ${res.split} examples in ${res.seconds.toFixed(1)} s`);
        }
      }
      if (this.config.eval.heldoutExamples > 0) {
        // Its own fixed stream: the same masks every evaluation, and the adapter's draws unchanged.
        const h = heldoutLoss({ ...ctx, rng: this.rng.stream('eval/heldout') }, this.layout, this.config.eval.heldoutExamples);
        if (h) metrics['eval/heldout_loss'] = h.loss;
      }
      if (this.adapter.evaluate) {
        for (const [k, v] of Object.entries(await this.adapter.evaluate(ctx))) metrics[`eval/${k}`] = v;
      }
    } finally {
      this.phase = 'train';
      if (this.evalTraced.size > 0) this.evalTraceDone = true;
    }
    this.events.safeEmit('evalEnd', { epoch, step: this.progress.step, metrics });
    return metrics;
  }

  /** The probes on raw inputs (no model), for comparison with learned features. */
  evaluateRawInputs(): ProbeResult | null {
    const split = this.evalSplit();
    if (!this.data.info.classNames?.length || this.data.size(split) === 0) return null;
    return evaluateProbes(null, this.adapter, this.data, split, this.config.eval);
  }

  // ---- checkpoints ------------------------------------------------------------------------

  /** Named tensors of a checkpoint: model (with stem), optimizer slots. */
  private checkpointTensors(): NamedTensor[] {
    return [
      ...this.model.variables().map((p) => ({ name: `model/${p.name}`, tensor: p.variable as tf.Tensor })),
      ...this.optimizer.getWeights().map((w) => ({ name: `optimizer/${w.name}`, tensor: w.tensor })),
    ];
  }

  private statefulParts(): [string, unknown][] {
    return [
      ['adapter', this.adapter],
      ['masking', this.masking],
      ['data', this.data],
      ['model', this.model],
      ['schedule', this.schedule],
    ];
  }

  /** Writes a checkpoint of the current position (atomically); returns its directory, or null when the run writes nothing. */
  async checkpoint(): Promise<string | null> {
    if (!this.paths.checkpoints) return null;
    const dir = await saveCheckpoint(this.paths.checkpoints, this.trainingState(), this.checkpointTensors());
    pruneCheckpoints(this.paths.checkpoints, this.config.trainer.keepCheckpoints);
    this.lastCheckpointStep = this.progress.step;
    this.events.safeEmit('checkpointSaved', { epoch: this.progress.epoch, step: this.progress.step, dir });
    return dir;
  }

  /** Restores weights, optimizer, RNG, position and plugin state from a checkpoint (directory or run directory). */
  async restore(path: string, opts: { weightsOnly?: boolean } = {}): Promise<TrainingState> {
    await this.setup();
    const ck = loadCheckpoint(path, { warn: (m) => this.logger.warn(m) });
    try {
      assignByName(ck.dir, ck.tensors, this.model.variables(), 'model/');
      if (opts.weightsOnly) return ck.state;
      checkPosition(ck.file, ck.state.batchInEpoch, this.stepsPerEpoch());
      this.applyTrainingState(ck.state, ck.tensors, ck.file);
      this.lastCheckpointStep = ck.state.step;
      this.lastEvalStep = -1;
      // A run killed while writing a checkpoint left its temp folder: nothing will finish it.
      // Removed only once the checkpoint proved good: a failed resume changes nothing on disk.
      if (this.paths.checkpoints) for (const name of removeStaleTemps(this.paths.checkpoints)) this.logger.info(`removed ${name}, an unfinished checkpoint write`);
      return ck.state;
    } finally {
      disposeTensors(ck.tensors);
    }
  }

  /** What a checkpoint's state.json holds: position, RNG, optimiser, plugins' and parts' states. */
  private trainingState(): TrainingState {
    const plugins: Record<string, unknown> = {};
    for (const p of this.plugins) if (isStateful(p)) plugins[p.name] = p.getState();
    const parts: Record<string, unknown> = {};
    for (const [k, part] of this.statefulParts()) if (isStateful(part)) parts[k] = part.getState();
    return {
      step: this.progress.step,
      epoch: this.progress.epoch,
      batchInEpoch: this.progress.batchInEpoch,
      rng: { masking: this.maskRng.getState() },
      optimizer: this.optimizer.getState(),
      plugins,
      config: this.config,
      extra: { epochSums: this.progress.epochSums, epochCount: this.progress.epochCount, parts },
    };
  }

  /**
   * Restores everything but the model's weights from a checkpoint's state and its `optimizer/`
   * tensors. With `file` (a checkpoint on disk), a part that refuses its state is an error
   * naming the file and the field.
   */
  private applyTrainingState(state: TrainingState, tensors: Map<string, tf.Tensor>, file?: string): void {
    const apply = (field: string, fn: () => void) => (file ? applyCheckpointState(file, field, fn) : fn());
    const optWeights: NamedTensor[] = [];
    for (const [k, t] of tensors) if (k.startsWith('optimizer/')) optWeights.push({ name: k.slice('optimizer/'.length), tensor: t });
    apply('optimizer', () => {
      this.optimizer.setWeights(optWeights);
      this.optimizer.setState(state.optimizer);
    });
    const rngState = state.rng.masking as ReturnType<Rng['getState']> | undefined;
    if (rngState) this.maskRng.setState(rngState);
    for (const p of this.plugins) {
      if (isStateful(p) && state.plugins[p.name] !== undefined) apply(`plugins.${p.name}`, () => p.setState(state.plugins[p.name]));
    }
    const extra = (state.extra ?? {}) as { epochSums?: Record<string, number>; epochCount?: number; parts?: Record<string, unknown> };
    for (const [k, part] of this.statefulParts()) if (isStateful(part) && extra.parts?.[k] !== undefined) apply(`extra.parts.${k}`, () => part.setState(extra.parts![k]));
    this.progress = {
      step: state.step,
      epoch: state.epoch,
      batchInEpoch: state.batchInEpoch,
      epochSums: extra.epochSums ?? {},
      epochCount: extra.epochCount ?? 0,
    };
  }

  /**
   * Data-parallel: this trainer's whole state in memory, as a checkpoint holds it (the tensors
   * are the live variables and slots, named `model/...` and `optimizer/...`: read, do not
   * dispose). A worker loads it with `loadReplicaState` to continue exactly as this trainer.
   */
  replicaState(): { state: TrainingState; tensors: NamedTensor[] } {
    return { state: this.trainingState(), tensors: this.checkpointTensors() };
  }

  /** Data-parallel: takes on a `replicaState` (weights, optimiser, RNG, plugins, position). */
  async loadReplicaState(state: TrainingState, tensors: Map<string, tf.Tensor>): Promise<void> {
    await this.setup();
    assignByName('replica state', tensors, this.model.variables(), 'model/');
    this.applyTrainingState(state, tensors);
  }

  /**
   * Data-parallel: the state a step changes before its update (masking RNG, plugins' and
   * parts' states), so a step that fails on some rank can be undone and the checkpoint written
   * after it continues exactly.
   */
  captureStepState(): TrainingState {
    return structuredClone(this.trainingState());
  }

  /** Data-parallel: undoes the state changes of a step that was not applied (see `captureStepState`). */
  restoreStepState(state: TrainingState): void {
    const rngState = state.rng.masking as ReturnType<Rng['getState']> | undefined;
    if (rngState) this.maskRng.setState(rngState);
    for (const p of this.plugins) if (isStateful(p) && state.plugins[p.name] !== undefined) p.setState(state.plugins[p.name]);
    const parts = (state.extra as { parts?: Record<string, unknown> }).parts ?? {};
    for (const [k, part] of this.statefulParts()) if (isStateful(part) && parts[k] !== undefined) part.setState(parts[k]);
  }

  /** Releases every tensor the run owns (model, optimizer slots, plugins). Safe after a failed setup. */
  dispose(): void {
    for (const p of this.plugins) p.dispose?.();
    if (this.layoutValue) {
      // A model whose build() failed has no variables to list: disposing must not hide that error.
      let variables: NamedVariable[] = [];
      try {
        variables = this.model.variables();
      } catch {
        return this.optimizer.dispose();
      }
      this.model.dispose?.();
      for (const p of variables) if (!p.variable.isDisposed) p.variable.dispose();
    }
    this.optimizer.dispose();
  }
}

function flatten(r: StepResult): Record<string, number> {
  const out: Record<string, number> = { step: r.step, epoch: r.epoch, loss: r.loss, lr: r.lr, samples_per_sec: r.samplesPerSec };
  for (const [k, v] of Object.entries(r.terms)) out[`loss/${k}`] = v;
  for (const [k, v] of Object.entries(r.extra)) out[k] = v;
  return out;
}
