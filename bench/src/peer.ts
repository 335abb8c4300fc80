import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Trainer } from '@mtojs/core';

/** The PyTorch peer's script (bench/peer/torch_step.py). */
export const TORCH_PEER_SCRIPT = resolve(__dirname, '../peer/torch_step.py');

/** What the peer script needs to build the same step (its argv[1], as JSON). */
export interface PeerSpec {
  kind: 'mae' | 'simmim';
  batchSize: number;
  height: number;
  width: number;
  channels: number;
  patch: number;
  normPix: boolean;
  /** Masked share of the tokens (the peer masks N - visibleTokens of them per example). */
  maskRatio: number;
  modelWidth: number;
  depth: number;
  heads: number;
  mlpRatio: number;
  decoderWidth?: number;
  decoderDepth?: number;
  decoderHeads?: number;
  optimizer: { lr: number; beta1: number; beta2: number; epsilon: number; weightDecay: number };
  trainSize: number;
  seed: number;
}

/** Where a Python with torch was found, or why none was. */
export type PeerAvailability = { python: string; torch: string } | { skipped: string };

/** The Pythons tried, in order: the system one (Debian's python3-torch), then python3 on PATH. */
export const PYTHON_CANDIDATES = ['/usr/bin/python3', 'python3'];

/** Finds a Python that can import torch (a few seconds: torch's import). */
export function findTorch(candidates: readonly string[] = PYTHON_CANDIDATES): PeerAvailability {
  const reasons: string[] = [];
  for (const python of candidates) {
    if (python.includes('/') && !existsSync(python)) {
      reasons.push(`${python}: not found`);
      continue;
    }
    const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 120_000 });
    if (r.error) reasons.push(`${python}: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}`);
    else if (r.status !== 0) reasons.push(`${python}: no torch (${(r.stderr.trim().split('\n').pop() ?? '').slice(0, 120)})`);
    else return { python, torch: r.stdout.trim() };
  }
  return { skipped: `no Python with torch (${reasons.join('; ')})` };
}

/** The peer spec of a bench trainer's run (image adapter; MAE or SimMIM; AdamW). */
export function peerSpecOf(trainer: Trainer, visibleTokens: number): PeerSpec {
  const c = trainer.config;
  const kind = (trainer.model.constructor as { className?: string }).className;
  if (kind !== 'mae' && kind !== 'simmim') throw new Error(`bench peer: no peer for model '${kind}'`);
  if (c.adapter.name !== 'image') throw new Error(`bench peer: no peer for adapter '${c.adapter.name}'`);
  if (c.optimizer.name !== 'adamw') throw new Error(`bench peer: no peer for optimizer '${c.optimizer.name}'`);
  const m = trainer.model.getConfig() as Record<string, number & boolean>;
  if (m.cls) throw new Error('bench peer: models with a CLS token are not covered');
  const [height, width, channels] = trainer.data.info.exampleShape as number[];
  const o = trainer.optimizer.getConfig() as PeerSpec['optimizer'];
  const adapter = c.adapter as unknown as { patchSize: number; normPix: boolean };
  const N = trainer.layout.numTokens;
  const spec: PeerSpec = {
    kind,
    batchSize: c.trainer.batchSize,
    height,
    width,
    channels,
    patch: adapter.patchSize,
    normPix: adapter.normPix,
    maskRatio: (N - visibleTokens) / N,
    modelWidth: m.width,
    depth: m.depth,
    heads: m.heads,
    mlpRatio: m.mlpRatio,
    optimizer: { lr: o.lr, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon, weightDecay: o.weightDecay },
    trainSize: Math.max(4 * c.trainer.batchSize, 256),
    seed: c.seed,
  };
  if (kind === 'mae') Object.assign(spec, { decoderWidth: m.decoderWidth, decoderDepth: m.decoderDepth, decoderHeads: m.decoderHeads });
  return spec;
}

/** One peer process: builds the step once, then times one step per request. */
export class TorchPeer {
  private readonly lines: AsyncIterator<string>;
  private stderr = '';

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    child.stderr.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-2000);
    });
  }

  /** Starts the script with `spec` and waits until its model is built. */
  static async start(python: string, spec: PeerSpec, script = TORCH_PEER_SCRIPT): Promise<{ peer: TorchPeer; params: number; matmulGflops: number }> {
    // One thread per process unless a request asks for more (set_num_threads), whatever the environment says.
    const env = { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
    const peer = new TorchPeer(spawn(python, [script, JSON.stringify(spec)], { env, stdio: ['pipe', 'pipe', 'pipe'] }));
    const ready = await peer.read();
    return { peer, params: Number(ready.params), matmulGflops: Number(ready.matmulGflops) };
  }

  /** One timed step with `threads` threads: its wall and CPU time (all threads) as the peer measured them, and the loss. */
  async step(threads: number): Promise<{ ms: number; cpuMs: number; loss: number }> {
    this.child.stdin.write(`${JSON.stringify({ threads })}\n`);
    const r = await this.read();
    return { ms: Number(r.ms), cpuMs: Number(r.cpuMs), loss: Number(r.loss) };
  }

  /** The peer process's peak resident set size, MB. */
  async maxRssMB(): Promise<number> {
    this.child.stdin.write(`${JSON.stringify({ memory: true })}\n`);
    return Number((await this.read()).maxRssMB);
  }

  close(): void {
    this.child.stdin.end();
    this.child.kill();
  }

  private async read(): Promise<Record<string, unknown>> {
    const next = await this.lines.next();
    if (next.done) throw new Error(`torch peer exited${this.stderr ? `: ${this.stderr.trim().split('\n').pop()}` : ''}`);
    const msg = JSON.parse(next.value) as Record<string, unknown>;
    if (typeof msg.error === 'string') throw new Error(`torch peer: ${msg.error}`);
    return msg;
  }
}
