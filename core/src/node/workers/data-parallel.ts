import * as tf from '@tensorflow/tfjs-core';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Trainer, StepResult } from '../../train/trainer.js';
import { shardRows } from '../../train/shard-batch.js';
import { ConfigError, RunFailure, UserError } from '../../util/errors.js';
import { GradientSlots } from './gradient-slots.js';
import { replicaSourceOf } from './replica-source.js';
import { FORWARDED_EVENTS, reviveError, type FromWorker, type TensorCopy, type ToWorker, type WorkerInit } from './protocol.js';

/**
 * `trainer.workers` as a number of ranks: 'auto' is the cores this process may use
 * (os.availableParallelism()), at most `batchSize` (a rank without rows would only idle).
 */
export function resolveWorkerCount(setting: number | 'auto', batchSize = Infinity): number {
  return setting === 'auto' ? Math.max(1, Math.min(availableParallelism(), batchSize)) : setting;
}

export interface DataParallelOptions {
  /** Ranks (main thread included); default: the trainer's `trainer.workers`. */
  workers?: number | 'auto';
  /**
   * Modules each worker imports before building the run (absolute files or package names),
   * besides the installed part packages and the config's `imports:`: for parts a program
   * registers itself (the benchmark's data source, a test's fixtures).
   */
  imports?: string[];
}

type Waiter = { type: FromWorker['type']; resolve(msg: FromWorker): void; reject(e: Error): void };

/**
 * Data-parallel training on this machine's cores: rank 0 is the trainer in the main thread,
 * ranks 1..N-1 are worker threads that each build the same run from the config (same seed:
 * the same initial weights, which `start` checks). Each step, every rank prepares and masks
 * the whole batch (so RNG streams stay in step), computes the gradients of its rows weighted
 * by its share of the batch, and writes them to a shared buffer; every rank then sums the
 * buffers in rank order and applies the same optimiser update to its own copy of the weights,
 * so the copies stay bit-identical without sending weights each step. The main thread's trainer
 * keeps the run's position, metrics, events, checkpoints and evaluation.
 *
 * `Trainer.fit()` uses it by itself when `trainer.workers` is not 1; a program stepping by hand
 * (the benchmark) calls `start`, `step` and `close`.
 */
export class DataParallel {
  /**
   * True once a worker failed (an error it threw, or a crash): the pool is unusable and the
   * trainer's state is that of the last completed step, so a checkpoint of it is good.
   */
  workerFailed = false;
  /**
   * Wall ms each rank spent on its shard's gradients in the last step (rank order): the step
   * waits for the slowest, so unequal times show an unbalanced split or a rank starved of CPU.
   */
  lastShardMs: number[] = [];
  private failure: Error | null = null;
  private closing = false;
  private readonly inbox: FromWorker[][];
  private readonly waiters: (Waiter | null)[];
  private readonly unlisten: (() => void)[] = [];

  private constructor(
    readonly trainer: Trainer,
    readonly ranks: number,
    private readonly workers: Worker[],
    private readonly slots: GradientSlots,
  ) {
    this.inbox = workers.map(() => []);
    this.waiters = workers.map(() => null);
    // Plugins in the workers hear the main thread's events, in order with the steps (one channel per worker).
    for (const name of FORWARDED_EVENTS) {
      const forward = (payload: unknown) => this.workers.forEach((_, i) => this.post(i, { type: 'event', name, payload }));
      trainer.events.on(name, forward);
      this.unlisten.push(() => trainer.events.off(name, forward));
    }
    workers.forEach((w, i) => {
      const rank = i + 1;
      w.on('message', (msg: FromWorker) => this.receive(i, msg));
      // A worker dying is a failure while running (exit 1); an error it throws comes as a message, as itself.
      w.on('error', (e) => this.fail(new RunFailure(`trainer.workers: worker ${rank} of ${ranks} crashed: ${String((e as Error)?.message ?? e).split('\n')[0]}`)));
      w.on('exit', (code) => {
        if (!this.closing) this.fail(new RunFailure(`trainer.workers: worker ${rank} of ${ranks} stopped unexpectedly (exit code ${code})`));
      });
    });
  }

  /**
   * Starts the workers, waits until each has built the run and checks that their initial
   * weights equal the main thread's, then copies the trainer's current state to them (`sync`).
   * Needs a trainer built from its config (createTrainer / Trainer.fromConfig, no parts from a
   * DI container) on the wasm or cpu backend.
   */
  static async start(trainer: Trainer, opts: DataParallelOptions = {}): Promise<DataParallel> {
    const ranks = resolveWorkerCount(opts.workers ?? trainer.config.trainer.workers, trainer.config.trainer.batchSize);
    if (!Number.isInteger(ranks) || ranks < 2) throw new RangeError(`DataParallel: expected at least 2 ranks, got ${ranks}`);
    const source = replicaSourceOf(trainer);
    if ('reason' in source) throw new ConfigError(`trainer.workers: ${ranks} workers rebuild the run from its config in each thread, but ${source.reason}; register the parts (imports:) instead, or set trainer.workers: 1`);
    const backend = tf.getBackend();
    if (backend !== 'wasm' && backend !== 'cpu') {
      throw new UserError(`trainer.workers: ${ranks} workers need the wasm or cpu backend (this run uses '${backend}'); set backend: wasm or trainer.workers: 1`, 2);
    }
    await trainer.setup();
    const params = trainer.parameters.map((p) => ({ name: p.name, shape: [...p.variable.shape] }));
    const slots = new GradientSlots(params, ranks);
    const workers: Worker[] = [];
    for (let rank = 1; rank < ranks; rank++) {
      const init: WorkerInit = { rank, ranks, config: source.config, baseDir: source.baseDir, backend, imports: opts.imports ?? [], params, grads: slots.buffer };
      workers.push(new Worker(join(__dirname, 'worker-main.js'), { workerData: init }));
    }
    const pool = new DataParallel(trainer, ranks, workers, slots);
    try {
      const built = await Promise.all(workers.map((_, i) => pool.next(i, 'built')));
      const mainDigest = trainer.initialWeightDigest;
      built.forEach((msg, i) => {
        const digest = (msg as Extract<FromWorker, { type: 'built' }>).digest;
        const reference = mainDigest ?? (built[0] as Extract<FromWorker, { type: 'built' }>).digest;
        const differs = digest.find((d, j) => d.name !== reference[j]?.name || d.hash !== reference[j]?.hash);
        if (differs || digest.length !== reference.length) {
          throw new UserError(
            `trainer.workers: worker ${i + 1} built different initial weights than the main thread from the same config and seed (first difference: '${differs?.name ?? 'the variable count'}'); every part must draw its randomness from the run's RNG (PartContext.rng / init)`,
            2,
          );
        }
      });
      await pool.sync();
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  /** Copies the trainer's whole state (weights, optimiser, RNG, plugins, position) to every worker. */
  async sync(): Promise<void> {
    const { state, tensors } = this.trainer.replicaState();
    const copies: TensorCopy[] = tensors.map((t) => {
      const dtype = t.tensor.dtype;
      if (dtype !== 'float32' && dtype !== 'int32') throw new Error(`DataParallel: cannot copy ${t.name} of dtype ${dtype} to a worker`);
      return { name: t.name, shape: [...t.tensor.shape], dtype, data: t.tensor.dataSync() as Float32Array | Int32Array };
    });
    await Promise.all(this.workers.map((_, i) => (this.post(i, { type: 'sync', state, tensors: copies }), this.next(i, 'synced'))));
  }

  /**
   * One optimiser step of the trainer on the batch at `indices`, split between the ranks; the
   * same result `trainer.trainStep` returns (the loss terms are the shards' weighted sums). On a
   * worker's error or crash the step is undone (the trainer's RNG and plugin states restored;
   * nothing was updated) and the error raised: the same one-line error a worker threw.
   */
  async step(indices: ArrayLike<number>): Promise<StepResult> {
    if (this.failure) throw this.failure;
    const trainer = this.trainer;
    const step = trainer.step;
    const epoch = trainer.epoch;
    const before = trainer.captureStepState();
    const idx = Int32Array.from(indices as ArrayLike<number>);
    try {
      this.workers.forEach((_, i) => this.post(i, { type: 'step', step, epoch, indices: idx }));
      const t0 = performance.now();
      const own = trainer.shardGradients(idx, { rank: 0, ranks: this.ranks }, { step, epoch });
      let ownHas: Uint8Array;
      try {
        ownHas = this.slots.write(step, 0, own.grads);
      } finally {
        for (const g of own.grads) g?.dispose();
      }
      const ownMs = performance.now() - t0;
      const others = (await Promise.all(this.workers.map((_, i) => this.next(i, 'grads')))) as Extract<FromWorker, { type: 'grads' }>[];
      this.lastShardMs = [ownMs, ...others.map((o) => o.ms)];
      const shards = [{ names: own.names, values: own.values, termCount: own.termCount, hasGrad: ownHas }, ...others];
      // The batch's values: the ranks' weighted values summed in rank order.
      let total = 0;
      const terms: Record<string, number> = {};
      const extra: Record<string, number> = {};
      for (const s of shards) {
        s.names.forEach((name, i) => {
          if (i === 0) total += s.values[0];
          else if (i <= s.termCount) terms[name] = (terms[name] ?? 0) + s.values[i];
          else extra[name] = (extra[name] ?? 0) + s.values[i];
        });
      }
      const used = new Uint8Array(this.slots.params.length);
      for (const s of shards) s.hasGrad.forEach((h, i) => (used[i] |= h));
      trainer.checkSummedTerms(step, terms, total);
      const lr = trainer.learningRateAt(step);
      this.workers.forEach((_, i) => this.post(i, { type: 'apply', step, lr, used }));
      const grads = this.slots.sum(step, used);
      try {
        const applied = trainer.applySummedGradients(grads, step, lr);
        Object.assign(extra, applied.extra);
        return { step, epoch, loss: total, terms, lr: applied.lr, samplesPerSec: 0, extra };
      } finally {
        for (const g of grads) g?.dispose();
      }
    } catch (e) {
      if (trainer.step === step) trainer.restoreStepState(before);
      // Workers may be mid-step: the pool cannot be stepped again.
      if (!this.failure) this.failure = e as Error;
      throw e;
    }
  }

  /**
   * Resolves when every worker has finished what it was sent (the last step's update runs
   * after `step` returns, beside the main thread's). A benchmark that interleaves other work
   * between steps waits for it, so no worker's update overlaps that work.
   */
  async settled(): Promise<void> {
    await Promise.all(this.workers.map((_, i) => (this.post(i, { type: 'ping' }), this.next(i, 'pong'))));
  }

  /**
   * Throws unless every worker's weights are bit-identical to the main thread's now (a check
   * for tests and debugging); returns each worker's live tensor count (for leak checks).
   */
  async checkReplicas(): Promise<{ workerTensors: number[] }> {
    const mine = (await import('../../train/weight-digest.js')).weightDigest(this.trainer.model.variables());
    const theirs = await Promise.all(this.workers.map((_, i) => (this.post(i, { type: 'digest' }), this.next(i, 'digest'))));
    theirs.forEach((msg, i) => {
      const digest = (msg as Extract<FromWorker, { type: 'digest' }>).digest;
      const differs = digest.find((d, j) => d.hash !== mine[j]?.hash);
      if (differs) throw new Error(`DataParallel: worker ${i + 1}'s '${differs.name}' differs from the main thread's`);
    });
    return { workerTensors: theirs.map((m) => (m as Extract<FromWorker, { type: 'digest' }>).numTensors) };
  }

  /** Stops the workers (their memory is freed); safe to call twice. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const off of this.unlisten) off();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  /** The rows of a batch of `batchSize` that each rank computes, for logs: e.g. '16/16'. */
  split(batchSize: number): string {
    return Array.from({ length: this.ranks }, (_, rank) => {
      const r = shardRows(batchSize, { rank, ranks: this.ranks });
      return String(r.end - r.start);
    }).join('/');
  }

  private post(i: number, msg: ToWorker): void {
    if (this.failure) return;
    this.workers[i].postMessage(msg);
  }

  /** The next message of worker i, which must be of `type`; rejects on its error or any failure of the pool. */
  private next(i: number, type: FromWorker['type']): Promise<FromWorker> {
    if (this.failure) return Promise.reject(this.failure);
    const queued = this.inbox[i].shift();
    if (queued) return this.check(queued, type);
    return new Promise((resolve, reject) => {
      this.waiters[i] = { type, resolve, reject };
    });
  }

  private check(msg: FromWorker, type: FromWorker['type']): Promise<FromWorker> {
    if (msg.type === 'error') {
      const e = reviveError(msg.error);
      this.fail(e);
      return Promise.reject(e);
    }
    if (msg.type !== type) return Promise.reject(new Error(`DataParallel: expected '${type}' from a worker, got '${msg.type}'`));
    return Promise.resolve(msg);
  }

  private receive(i: number, msg: FromWorker): void {
    const waiter = this.waiters[i];
    if (!waiter) {
      this.inbox[i].push(msg);
      // An error between steps (an update that failed) is raised at the next call.
      if (msg.type === 'error') this.fail(reviveError(msg.error));
      return;
    }
    this.waiters[i] = null;
    this.check(msg, waiter.type).then(waiter.resolve, waiter.reject);
  }

  private fail(e: Error): void {
    if (this.closing) return;
    if (!this.failure) this.failure = e;
    this.workerFailed = true;
    for (let i = 0; i < this.waiters.length; i++) {
      const w = this.waiters[i];
      if (w) {
        this.waiters[i] = null;
        w.reject(this.failure);
      }
    }
  }
}
