import * as tf from '@tensorflow/tfjs-core';
import { resolveBackend } from '@mtojs/core';
import { simMimShape } from './shapes.js';
import { stepFlops } from './flops.js';
import { batchCycle, buildTrainer, disposeTrainer, modelDims, toMB, visibleTokens, type PeerOptions } from './runner.js';
import { TorchPeer, peerSpecOf } from './peer.js';
import { median } from './stats.js';

/**
 * How the library's step time grows with the number of tokens and with the width, on wasm:
 * SimMIM encoder stacks of depth 4 and 4 heads at batch 32, one axis varied at a time around
 * shape b (64 tokens, width 128). Tokens are 4x4 patches of square random images (side 16, 32,
 * 56 for 16, 64, 196 tokens).
 */
export const SCALING_TOKENS = [16, 64, 196] as const;
export const SCALING_WIDTHS = [64, 128, 256] as const;
export const SCALING_CENTRE = { tokens: 64, width: 128, depth: 4, heads: 4, batchSize: 32 } as const;

export interface ScalingPoint {
  /** Which sweep the point belongs to (the centre belongs to both). */
  axes: ('tokens' | 'width')[];
  tokens: number;
  width: number;
  batchSize: number;
  msPerStep: number;
  stepMs: number[];
  /** Median CPU time of the process per step: less moved by other work on the machine. */
  cpuMsPerStep: number;
  gflopsPerSec: number;
  kernelsPerStep: number;
  /** Tensor memory one step adds at its peak (tf.profile's peakBytes less the bytes live before it), MB. */
  stepPeakTensorMB: number;
  /** Bytes held by live tensors between steps (weights, optimiser slots, constants), MB. */
  tensorMBBetweenSteps: number;
  /** Process RSS after the point's steps, MB (the wasm heap only grows: points run smallest first). */
  rssMB: number;
  /** The PyTorch peer at each thread count, timed in the same rounds. */
  peers?: { threads: number; msPerStep: number; cpuMsPerStep: number; stepMs: number[] }[];
  peerMaxRssMB?: number;
}

export interface ScalingSlopes {
  /** d log(ms) / d log(tokens) at width 128, least squares over the three points. */
  tokens: number;
  /** d log(ms) / d log(width) at 64 tokens. */
  width: number;
}

export interface ScalingResult {
  backend: 'wasm';
  steps: number;
  points: ScalingPoint[];
  library: ScalingSlopes;
  /** The library's slopes on CPU time. */
  libraryCpu: ScalingSlopes;
  /** The same slopes of the peer, per thread count. */
  peers?: ({ threads: number } & ScalingSlopes)[];
}

/** Least-squares slope of log(y) on log(x). */
export function logLogSlope(xs: readonly number[], ys: readonly number[]): number {
  const lx = xs.map(Math.log);
  const ly = ys.map(Math.log);
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const my = ly.reduce((a, b) => a + b, 0) / ly.length;
  let num = 0;
  let den = 0;
  lx.forEach((x, i) => {
    num += (x - mx) * (ly[i] - my);
    den += (x - mx) ** 2;
  });
  return num / den;
}

/** The sweep's configurations, smallest first, the centre once. */
export function scalingGrid(): { tokens: number; width: number; axes: ('tokens' | 'width')[] }[] {
  const c = SCALING_CENTRE;
  const grid = new Map<string, { tokens: number; width: number; axes: ('tokens' | 'width')[] }>();
  const add = (tokens: number, width: number, axis: 'tokens' | 'width') => {
    const key = `${tokens}x${width}`;
    const entry = grid.get(key) ?? { tokens, width, axes: [] };
    entry.axes.push(axis);
    grid.set(key, entry);
  };
  for (const t of SCALING_TOKENS) add(t, c.width, 'tokens');
  for (const w of SCALING_WIDTHS) add(c.tokens, w, 'width');
  return [...grid.values()].sort((a, b) => a.tokens * a.width ** 2 - b.tokens * b.width ** 2);
}

function slopesOf(points: readonly ScalingPoint[], ms: (p: ScalingPoint) => number): ScalingSlopes {
  const along = (axis: 'tokens' | 'width') => points.filter((p) => p.axes.includes(axis));
  const t = along('tokens');
  const w = along('width');
  return { tokens: logLogSlope(t.map((p) => p.tokens), t.map(ms)), width: logLogSlope(w.map((p) => p.width), w.map(ms)) };
}

/** Runs the sweep on wasm: per point one profiled warm-up step, then `steps` rounds of library (and peer) steps. */
export async function runScaling(opts: { steps: number; peer?: PeerOptions; log?: (line: string) => void }): Promise<ScalingResult> {
  const log = opts.log ?? (() => {});
  await resolveBackend('wasm');
  const points: ScalingPoint[] = [];
  const c = SCALING_CENTRE;
  for (const g of scalingGrid()) {
    const shape = simMimShape(`scale-t${g.tokens}-w${g.width}`, { side: 4 * Math.sqrt(g.tokens), width: g.width, depth: c.depth, heads: c.heads, batchSize: c.batchSize });
    const trainer = await buildTrainer(shape.configs().baseline);
    const torch = opts.peer?.torch;
    let peer: TorchPeer | null = null;
    try {
      const flops = stepFlops({ model: modelDims(trainer), layout: trainer.layout, batchSize: c.batchSize, visibleTokens: visibleTokens(trainer) });
      if (torch && 'python' in torch) peer = (await TorchPeer.start(torch.python, peerSpecOf(trainer, visibleTokens(trainer)))).peer;
      const batchAt = batchCycle(trainer);
      let next = 0;
      const bytesBefore = tf.memory().numBytes;
      const profile = await tf.profile(() => {
        trainer.trainStep(batchAt(next++));
      });
      const threads = peer ? opts.peer!.threads : [];
      for (const t of threads) await peer!.step(t);
      const times: number[] = [];
      const cpuTimes: number[] = [];
      const peerTimes: number[][] = threads.map(() => []);
      const peerCpu: number[][] = threads.map(() => []);
      for (let round = 0; round < opts.steps; round++) {
        // Alternate who goes first, so neither always follows the other.
        const ours = () => {
          const c0 = process.cpuUsage();
          const t0 = performance.now();
          trainer.trainStep(batchAt(next++));
          times.push(performance.now() - t0);
          const cpu = process.cpuUsage(c0);
          cpuTimes.push((cpu.user + cpu.system) / 1000);
        };
        if (round % 2 === 0) ours();
        for (let i = 0; i < threads.length; i++) {
          const r = await peer!.step(threads[i]);
          peerTimes[i].push(r.ms);
          peerCpu[i].push(r.cpuMs);
        }
        if (round % 2 === 1) ours();
      }
      const msPerStep = median(times);
      const point: ScalingPoint = {
        axes: g.axes,
        tokens: g.tokens,
        width: g.width,
        batchSize: c.batchSize,
        msPerStep,
        stepMs: times,
        cpuMsPerStep: median(cpuTimes),
        gflopsPerSec: flops.step / (msPerStep * 1e6),
        kernelsPerStep: profile.kernels.length,
        stepPeakTensorMB: toMB(Math.max(0, profile.peakBytes - bytesBefore)),
        tensorMBBetweenSteps: toMB(tf.memory().numBytes),
        rssMB: toMB(process.memoryUsage().rss),
      };
      if (peer) {
        point.peers = threads.map((t, i) => ({ threads: t, msPerStep: median(peerTimes[i]), cpuMsPerStep: median(peerCpu[i]), stepMs: peerTimes[i] }));
        point.peerMaxRssMB = await peer.maxRssMB();
      }
      points.push(point);
      log(`  scaling: ${g.tokens} tokens, width ${g.width}: ${msPerStep.toFixed(0)} ms${point.peers ? point.peers.map((p) => `, torch ${p.threads}t ${p.msPerStep.toFixed(0)} ms`).join('') : ''}`);
    } finally {
      peer?.close();
      disposeTrainer(trainer);
    }
  }
  const result: ScalingResult = { backend: 'wasm', steps: opts.steps, points, library: slopesOf(points, (p) => p.msPerStep), libraryCpu: slopesOf(points, (p) => p.cpuMsPerStep) };
  if (points[0]?.peers) result.peers = points[0].peers.map((q, i) => ({ threads: q.threads, ...slopesOf(points, (p) => p.peers![i].msPerStep) }));
  return result;
}

const f1 = (x: number) => x.toFixed(1);

/** The sweep as a Markdown table and the slopes. */
export function formatScaling(s: ScalingResult): string {
  const peerThreads = s.points[0]?.peers?.map((p) => p.threads) ?? [];
  const header = ['tokens', 'width', 'ms/step', 'CPU ms/step', 'GFLOP/s', 'kernels/step', 'step peak tensor MB', 'tensor MB between steps', 'RSS MB', ...peerThreads.map((t) => `torch ${t}t ms`), ...peerThreads.map((t) => `library / torch ${t}t`)];
  const rows = s.points.map((p) =>
    [p.tokens, p.width, f1(p.msPerStep), f1(p.cpuMsPerStep), p.gflopsPerSec.toFixed(2), p.kernelsPerStep, f1(p.stepPeakTensorMB), f1(p.tensorMBBetweenSteps), f1(p.rssMB), ...(p.peers ?? []).map((q) => f1(q.msPerStep)), ...(p.peers ?? []).map((q) => `${(p.msPerStep / q.msPerStep).toFixed(2)}x`)].join(' | '),
  );
  const slope = (name: string, x: ScalingSlopes) => `- ${name}: step time ~ tokens^${x.tokens.toFixed(2)} (width ${SCALING_CENTRE.width}), ~ width^${x.width.toFixed(2)} (${SCALING_CENTRE.tokens} tokens)`;
  return [
    `Scaling on ${s.backend} (SimMIM, depth ${SCALING_CENTRE.depth}, ${SCALING_CENTRE.heads} heads, batch ${SCALING_CENTRE.batchSize}; ${s.steps} timed step(s) per point, medians):`,
    '',
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---:').join('|')}|`,
    ...rows.map((r) => `| ${r} |`),
    '',
    slope('library', s.library),
    slope('library, CPU time', s.libraryCpu),
    ...(s.peers ?? []).map((p) => slope(`torch, ${p.threads} thread${p.threads === 1 ? '' : 's'}`, p)),
  ].join('\n');
}
