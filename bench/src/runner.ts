import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import { DataParallel, MemoryLogger, Rng, createTrainer, resolveBackend, type RunConfig, type Trainer } from '@mtojs/core';
import type { BenchShape } from './shapes.js';
import { stepFlops, type ModelDims, type StepFlops } from './flops.js';
import { NaiveReferenceStep } from './naive-step.js';
import { median } from './stats.js';
import { collectGarbage } from './gc.js';
import { TorchPeer, peerSpecOf, type PeerAvailability } from './peer.js';

export type BenchBackend = 'wasm' | 'cpu';
export const BENCH_BACKENDS: readonly BenchBackend[] = ['wasm', 'cpu'];

/** What each cell times: the naive reference, the library's step, and the library's step with MTO on. */
export const VARIANTS = ['naive', 'library', 'library+mto'] as const;
export type VariantName = (typeof VARIANTS)[number];

export interface RunOptions {
  shapes: readonly BenchShape[];
  backends: readonly BenchBackend[];
  /** Untimed steps per variant before timing (kernels compile, caches fill, slots appear). */
  warmup: number;
  /** At most this many timed steps per variant. */
  steps: number;
  /**
   * Seconds of timed rounds per cell: no round starts after this much (at least one runs).
   * Keeps slow cells (the cpu backend) from dominating the run.
   */
  budgetSeconds: number;
  /** Worker counts (trainer.workers) the library's variants also run at (default [1]). */
  workers?: readonly number[];
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
  /** The PyTorch peer (`--peer torch`): where torch is, or why it is skipped; absent: no peer. */
  peer?: PeerOptions;
}

export interface PeerOptions {
  torch: PeerAvailability;
  /** Thread counts the peer runs at, each its own variant (torch.set_num_threads). */
  threads: number[];
}

/** The PyTorch peer at one thread count, measured in the same rounds as the variants. */
export interface PeerResult {
  name: string;
  threads: number;
  msPerStep: number;
  /** Median CPU time of the peer process per step, all its threads together. */
  cpuMsPerStep: number;
  samplesPerSec: number;
  gflopsPerSec: number;
  stepMs: number[];
  /** Median over rounds of library ms / this peer's ms (the two timed seconds apart): above 1, the peer is faster. */
  libraryOverPeer: number;
  /** The same ratio of CPU times (for one thread, the ratio a quiet machine would show). */
  libraryOverPeerCpu: number;
  firstLoss: number;
}

export interface VariantResult {
  variant: VariantName;
  /** trainer.workers of this measurement (the naive reference: 1). */
  workers: number;
  /** Median over the timed steps. */
  msPerStep: number;
  /**
   * Median CPU time of the process per timed step (user + system, every thread: the main thread
   * and any workers): less moved by other work on the machine than wall time, and N workers' CPU
   * over 1 worker's is the work they add.
   */
  cpuMsPerStep: number;
  samplesPerSec: number;
  /** Analytic step FLOPs over the median step time. */
  gflopsPerSec: number;
  stepMs: number[];
  /** Median over rounds of naive ms / this variant's ms, the two timed back to back in each round. */
  speedupVsNaive: number;
  /** Loss of the first (warm-up) step: same weights, batch and mask for naive and library. */
  firstLoss: number;
  /** Tensors this variant's timed steps left behind (sum of per-step changes of the live count); must be 0. */
  tensorGrowth: number;
  /** Kernels one step runs (tf.profile of the last warm-up step); null without warm-up. */
  kernelsPerStep: number | null;
  /** Tensor memory one step adds at its peak (tf.profile's peakBytes less the bytes live before it), MB; null without warm-up. */
  stepPeakTensorMB: number | null;
}

export interface CellResult {
  shape: string;
  title: string;
  backend: BenchBackend;
  batchSize: number;
  /** Timed steps per variant (fewer than asked when the cell's budget ran out). */
  timedSteps: number;
  flops: StepFlops;
  variants: VariantResult[];
  /** The library's speedupVsNaive. */
  speedup: number;
  /** Median over rounds of (library+mto ms / library ms) - 1. */
  mtoOverhead: number;
  /** The PyTorch peer at each thread count (`--peer torch`); absent without it. */
  peers?: PeerResult[];
  /** Median over rounds of library ms / the best peer's ms in that round; absent without a peer. */
  libraryOverBestPeer?: number;
  /** The peer's one-thread rate on a 512x512 product (GFLOP/s): about 1 means torch uses the reference BLAS. */
  peerMatmulGflops?: number;
  /** Why the peer did not run, when it was asked for. */
  peerSkipped?: string;
  /**
   * Per worker count above 1: median over rounds of (1-worker ms / N-worker ms) for the library
   * and library+mto, timed in the same rounds, and the first step's loss difference to 1 worker.
   */
  workerSpeedups: { workers: number; library: number; libraryMto: number; firstLossRelativeDifference: number }[];
  /** |naive - library| / |library| of the first step's loss: both compute the same function. */
  firstLossRelativeDifference: number;
  memory: {
    tensorsAfterWarmup: number;
    tensorsAfterSteps: number;
    tensorBytesAfterWarmup: number;
    tensorBytesAfterSteps: number;
    heapUsedMBAfterWarmup: number;
    heapUsedMBAfterSteps: number;
    /** Resident set size of the process after the cell's steps (the wasm heap never shrinks: the peak so far), MB. */
    rssMBAfterSteps: number;
    /** The peer process's peak resident set size, MB (one process per cell). */
    peerMaxRssMB?: number;
  };
}

/** One variant as the runner drives it. */
interface Runner {
  variant: VariantName;
  workers: number;
  /** The variant, or 'variant@N' at N workers: names its column in the rounds. */
  key: string;
  /** The variant's next batch of training indices (each variant walks the same sequence). */
  nextBatch(): Int32Array;
  step(indices: ArrayLike<number>): number | Promise<number>;
  dispose(): void | Promise<void>;
  times: number[];
  cpuTimes: number[];
  losses: number[];
  growth: number;
  kernels: number | null;
  peakMB: number | null;
}

/** The peer at one thread count, stepped in the same rounds as the runners. */
interface PeerRunner {
  name: string;
  threads: number;
  peer: TorchPeer;
  times: number[];
  cpuTimes: number[];
  losses: number[];
}

export async function buildTrainer(config: RunConfig): Promise<Trainer> {
  const trainer = createTrainer(config, { logger: new MemoryLogger() });
  await trainer.setup();
  return trainer;
}

export function disposeTrainer(trainer: Trainer): void {
  trainer.dispose();
  (trainer.model as { dispose?(): void }).dispose?.();
}

export function modelDims(trainer: Trainer): ModelDims {
  const kind = (trainer.model.constructor as { className?: string }).className;
  const o = trainer.model.getConfig() as Record<string, number & boolean>;
  const encoder = { width: o.width, depth: o.depth, mlpRatio: o.mlpRatio, cls: Boolean(o.cls) };
  if (kind === 'mae') return { kind, ...encoder, decoderWidth: o.decoderWidth, decoderDepth: o.decoderDepth };
  if (kind === 'simmim') return { kind, ...encoder };
  throw new Error(`bench: cannot count the FLOPs of model '${kind}'`);
}

/** Tokens an MAE encoder sees: N minus the masked count of one sample from the run's strategy. */
export function visibleTokens(trainer: Trainer): number {
  const sample = trainer.masking.sample({ batchSize: 1, layout: trainer.layout }, new Rng(0));
  return trainer.layout.numTokens - sample.maskedPerRow[0];
}

/** Batches of `batchSize` indices cycling through the training split in the trainer's epoch-0 order. */
export function batchCycle(trainer: Trainer): (i: number) => Int32Array {
  const order = trainer.epochOrder(0);
  const bs = trainer.config.trainer.batchSize;
  const batches = Math.floor(order.length / bs);
  if (batches === 0) throw new Error(`bench: the training split (${order.length}) is smaller than one batch (${bs})`);
  return (i) => order.subarray((i % batches) * bs, (i % batches) * bs + bs);
}

export const toMB = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/** Times one shape on one backend: warm-up, then rounds that step each variant once, in rotating order. */
export async function runCell(shape: BenchShape, backend: BenchBackend, opts: Pick<RunOptions, 'warmup' | 'steps' | 'budgetSeconds' | 'log' | 'peer' | 'workers'>): Promise<CellResult> {
  const log = opts.log ?? (() => {});
  const configs = shape.configs();
  const library = await buildTrainer(configs.baseline);
  const withMto = await buildTrainer(configs.mto);
  // The naive reference steps its own copy of the run (same seed: same initial weights and masks).
  const naiveTrainer = await buildTrainer(configs.baseline);
  const naive = new NaiveReferenceStep(naiveTrainer);
  const batchSize = configs.baseline.trainer.batchSize;
  const flops = stepFlops({ model: modelDims(library), layout: library.layout, batchSize, visibleTokens: visibleTokens(library) });

  const make = (variant: VariantName, trainer: Trainer, step: Runner['step'], dispose: Runner['dispose'], workers = 1): Runner => {
    const batchAt = batchCycle(trainer);
    let next = 0;
    return { variant, workers, key: workers === 1 ? variant : `${variant}@${workers}`, nextBatch: () => batchAt(next++), step, dispose, times: [], cpuTimes: [], losses: [], growth: 0, kernels: null, peakMB: null };
  };
  const runners: Runner[] = [
    make('naive', naiveTrainer, (idx) => naive.step(idx), () => {
      naive.dispose();
      disposeTrainer(naiveTrainer);
    }),
    make('library', library, (idx) => library.trainStep(idx).loss, () => disposeTrainer(library)),
    make('library+mto', withMto, (idx) => withMto.trainStep(idx).loss, () => disposeTrainer(withMto)),
  ];
  try {
    runners.push(...(await workerRunners(configs, opts.workers ?? [1], make)));
  } catch (e) {
    for (const r of runners) await r.dispose();
    throw e;
  }

  const peerRunners: PeerRunner[] = [];
  let peerSkipped: string | undefined;
  let peerProcess: TorchPeer | null = null;
  let peerMatmulGflops: number | undefined;
  try {
    if (opts.peer) {
      const torch = opts.peer.torch;
      if ('skipped' in torch) peerSkipped = torch.skipped;
      else {
        const started = await TorchPeer.start(torch.python, peerSpecOf(library, visibleTokens(library)));
        peerProcess = started.peer;
        peerMatmulGflops = started.matmulGflops;
        for (const threads of opts.peer.threads) peerRunners.push({ name: `torch ${torch.torch}`, threads, peer: peerProcess, times: [], cpuTimes: [], losses: [] });
      }
    }
    const runOnce = async (r: Runner, timed: boolean) => {
      const idx = r.nextBatch();
      const before = tf.memory().numTensors;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const loss = await r.step(idx);
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(c0);
      r.losses.push(loss);
      if (timed) {
        r.times.push(ms);
        r.cpuTimes.push((cpu.user + cpu.system) / 1000);
        r.growth += tf.memory().numTensors - before;
      }
      return ms;
    };
    const peerOnce = async (p: PeerRunner, timed: boolean) => {
      const { ms, cpuMs, loss } = await p.peer.step(p.threads);
      p.losses.push(loss);
      if (timed) {
        p.times.push(ms);
        p.cpuTimes.push(cpuMs);
      }
      return { ms, cpuMs };
    };
    for (let w = 0; w < opts.warmup; w++) {
      for (const r of runners) {
        if (w < opts.warmup - 1) await runOnce(r, false);
        else {
          // The last warm-up step is profiled: kernels per step (of this thread; a worker pool's
          // ranks run their own) and the step's peak tensor memory.
          const bytesBefore = tf.memory().numBytes;
          const profile = await tf.profile(async () => {
            await runOnce(r, false);
          });
          r.kernels = profile.kernels.length;
          r.peakMB = toMB(Math.max(0, profile.peakBytes - bytesBefore));
        }
      }
      for (const p of peerRunners) await peerOnce(p, false);
    }
    const memoryNow = () => {
      collectGarbage();
      return { tensors: tf.memory().numTensors, bytes: tf.memory().numBytes, heap: process.memoryUsage().heapUsed };
    };
    const afterWarmup = memoryNow();
    log(`  ${shape.id}/${backend}: warmed up (${opts.warmup} step(s) each)`);
    const rounds: Record<string, number>[] = [];
    const peerRounds: number[][] = [];
    const peerCpuRounds: number[][] = [];
    const libraryCpuRounds: number[] = [];
    const timingStart = performance.now();
    const everyone = [...runners.map((r) => ({ r })), ...peerRunners.map((p) => ({ p }))];
    for (let round = 0; round < opts.steps; round++) {
      if (round > 0 && performance.now() - timingStart >= opts.budgetSeconds * 1000) break;
      const ms: Record<string, number> = {};
      const peerMs: number[] = new Array(peerRunners.length);
      const peerCpu: number[] = new Array(peerRunners.length);
      for (let k = 0; k < everyone.length; k++) {
        const e = everyone[(round + k) % everyone.length];
        if ('r' in e) ms[e.r.key] = await runOnce(e.r, true);
        else {
          const i = peerRunners.indexOf(e.p);
          ({ ms: peerMs[i], cpuMs: peerCpu[i] } = await peerOnce(e.p, true));
        }
      }
      rounds.push(ms);
      peerRounds.push(peerMs);
      peerCpuRounds.push(peerCpu);
      libraryCpuRounds.push(runners[1].cpuTimes[runners[1].cpuTimes.length - 1]);
      const peerText = peerRunners.map((p, i) => `, torch ${p.threads}t ${peerMs[i].toFixed(0)} ms`).join('');
      log(`  ${shape.id}/${backend}: round ${round + 1}: ${runners.map((r) => `${r.key} ${ms[r.key].toFixed(0)} ms`).join(', ')}${peerText}`);
    }
    const afterSteps = memoryNow();
    // The timing fields of a library variant and of a peer: medians of the same step's samples.
    const stepTiming = (times: number[], cpuTimes: number[]) => {
      const msPerStep = median(times);
      return { msPerStep, cpuMsPerStep: median(cpuTimes), samplesPerSec: (batchSize * 1000) / msPerStep, gflopsPerSec: flops.step / (msPerStep * 1e6), stepMs: times };
    };
    const variants: VariantResult[] = runners.map((r) => {
      return {
        variant: r.variant,
        workers: r.workers,
        ...stepTiming(r.times, r.cpuTimes),
        speedupVsNaive: median(rounds.map((ms) => ms.naive / ms[r.key])),
        firstLoss: r.losses[0],
        tensorGrowth: r.growth,
        kernelsPerStep: r.kernels,
        stepPeakTensorMB: r.peakMB,
      };
    });
    const peers: PeerResult[] = peerRunners.map((p, i) => {
      return {
        name: p.name,
        threads: p.threads,
        ...stepTiming(p.times, p.cpuTimes),
        libraryOverPeer: median(rounds.map((ms, k) => ms.library / peerRounds[k][i])),
        libraryOverPeerCpu: median(libraryCpuRounds.map((c, k) => c / peerCpuRounds[k][i])),
        firstLoss: p.losses[0],
      };
    });
    const peerMaxRssMB = peerProcess ? await peerProcess.maxRssMB() : undefined;
    const [naiveLoss, libraryLoss] = [variants[0].firstLoss, variants[1].firstLoss];
    return {
      shape: shape.id,
      title: shape.title,
      backend,
      batchSize,
      timedSteps: rounds.length,
      flops,
      variants,
      speedup: variants[1].speedupVsNaive,
      mtoOverhead: median(rounds.map((ms) => ms['library+mto'] / ms.library - 1)),
      ...(opts.peer ? (peers.length ? { peers, peerMatmulGflops, libraryOverBestPeer: median(rounds.map((ms, k) => ms.library / Math.min(...peerRounds[k]))) } : { peerSkipped }) : {}),
      workerSpeedups: workerSpeedups(runners, rounds),
      firstLossRelativeDifference: Math.abs(naiveLoss - libraryLoss) / Math.max(Math.abs(libraryLoss), 1e-12),
      memory: {
        tensorsAfterWarmup: afterWarmup.tensors,
        tensorsAfterSteps: afterSteps.tensors,
        tensorBytesAfterWarmup: afterWarmup.bytes,
        tensorBytesAfterSteps: afterSteps.bytes,
        heapUsedMBAfterWarmup: toMB(afterWarmup.heap),
        heapUsedMBAfterSteps: toMB(afterSteps.heap),
        rssMBAfterSteps: toMB(process.memoryUsage().rss),
        ...(peerMaxRssMB !== undefined ? { peerMaxRssMB } : {}),
      },
    };
  } finally {
    peerProcess?.close();
    for (const r of runners) await r.dispose();
  }
}

/**
 * The library and library+mto at each worker count above 1: a trainer with `trainer.workers`
 * set, stepped through a DataParallel pool (whose workers import this package's parts).
 */
async function workerRunners(
  configs: { baseline: RunConfig; mto: RunConfig },
  counts: readonly number[],
  make: (variant: VariantName, trainer: Trainer, step: Runner['step'], dispose: Runner['dispose'], workers: number) => Runner,
): Promise<Runner[]> {
  const out: Runner[] = [];
  try {
    for (const workers of counts.filter((w) => w > 1)) {
      for (const [variant, config] of [['library', configs.baseline], ['library+mto', configs.mto]] as const) {
        const trainer = await buildTrainer({ ...config, trainer: { ...config.trainer, workers } });
        const pool = await DataParallel.start(trainer, { imports: [join(__dirname, 'register.js')] });
        // The step ends when every rank has updated: the workers' updates must not overlap the next variant's step.
        const step = async (idx: ArrayLike<number>) => {
          const loss = (await pool.step(idx)).loss;
          await pool.settled();
          return loss;
        };
        out.push(make(variant, trainer, step, async () => {
          await pool.close();
          disposeTrainer(trainer);
        }, workers));
      }
    }
  } catch (e) {
    for (const r of out) await r.dispose();
    throw e;
  }
  return out;
}

/** Per worker count above 1: 1-worker ms over N-worker ms in each round (medians), and the first loss's difference. */
function workerSpeedups(runners: Runner[], rounds: Record<string, number>[]): CellResult['workerSpeedups'] {
  const counts = [...new Set(runners.map((r) => r.workers))].filter((w) => w > 1);
  const firstLoss = (key: string) => runners.find((r) => r.key === key)!.losses[0];
  return counts.map((w) => ({
    workers: w,
    library: median(rounds.map((ms) => ms.library / ms[`library@${w}`])),
    libraryMto: median(rounds.map((ms) => ms['library+mto'] / ms[`library+mto@${w}`])),
    firstLossRelativeDifference: Math.abs(firstLoss(`library@${w}`) - firstLoss('library')) / Math.max(Math.abs(firstLoss('library')), 1e-12),
  }));
}

/** Every requested shape on every requested backend, backends outermost (one backend switch each). */
export async function runBenchmark(opts: RunOptions): Promise<CellResult[]> {
  const cells: CellResult[] = [];
  for (const backend of opts.backends) {
    await resolveBackend(backend);
    for (const shape of opts.shapes) {
      opts.log?.(`${shape.id} (${shape.title}) on ${backend}`);
      // The peer runs beside the wasm cells, the library's fastest backend here.
      cells.push(await runCell(shape, backend, { ...opts, peer: backend === 'wasm' ? opts.peer : undefined }));
    }
  }
  return cells;
}
