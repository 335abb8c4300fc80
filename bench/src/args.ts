import { SHAPES } from './shapes.js';
import { BENCH_BACKENDS, type BenchBackend } from './runner.js';

export interface BenchArgs {
  shapes: string[];
  backends: BenchBackend[];
  warmup: number;
  steps: number;
  budgetSeconds: number;
  json: string | null;
  /** Worker counts (trainer.workers) the library's variants run at; 1 is always among them. */
  workers: number[];
  help: boolean;
  /** `--peer torch`: run the PyTorch peer beside the wasm cells (and the sweep); null: no peer. */
  peer: 'torch' | null;
  /** Thread counts of the peer, each timed as its own variant. */
  peerThreads: number[];
  /** `--scaling`: also run the token and width sweep (wasm). */
  scaling: boolean;
  /** Timed steps per point of the sweep. */
  scalingSteps: number;
}

/** A command-line mistake: the CLI prints the message on one line and exits with status 2. */
export class BenchUsageError extends Error {}

export const DEFAULT_ARGS: Readonly<BenchArgs> = {
  shapes: SHAPES.map((s) => s.id),
  backends: [...BENCH_BACKENDS],
  warmup: 1,
  steps: 10,
  budgetSeconds: 20,
  json: null,
  workers: [1],
  help: false,
  peer: null,
  peerThreads: [1, 2],
  scaling: false,
  scalingSteps: 3,
};

export const USAGE = `usage: npm run bench -- [--shapes a,b,c] [--backends wasm,cpu] [--steps N] [--budget S] [--warmup N] [--workers 1,2] [--json FILE]
                          [--peer torch] [--peer-threads 1,2] [--scaling] [--scaling-steps N]

Times the full training step (forward, loss, gradients, optimiser update) of the library beside a
naive tfjs reference and beside the library with MTO on, interleaved in one process.
  --shapes    ${SHAPES.map((s) => `${s.id}: ${s.title}`).join('; ')} (default: all)
  --backends  ${BENCH_BACKENDS.join(', ')} (default: all)
  --steps     at most N timed steps per variant; medians are reported (default ${DEFAULT_ARGS.steps})
  --budget    seconds of timed steps per shape and backend: no round of steps starts after
              that, but one always runs (default ${DEFAULT_ARGS.budgetSeconds})
  --warmup    untimed steps per variant first (default ${DEFAULT_ARGS.warmup})
  --workers   also time the library (and library+mto) at these trainer.workers counts, in
              the same rounds (default 1; 1 always runs)
  --json      also write the results to FILE (atomically)
  --peer      torch: time the same step in PyTorch beside the wasm cells (bench/peer/torch_step.py,
              run by /usr/bin/python3 or python3 when it has torch; skipped with a note otherwise)
  --peer-threads  thread counts of the peer, each its own variant (default ${DEFAULT_ARGS.peerThreads.join(',')})
  --scaling   also time the step at 16, 64, 196 tokens (width 128) and widths 64, 128, 256 (64
              tokens) on wasm: a table, log-log slopes and memory per point (~2-4 min more)
  --scaling-steps  timed steps per point of the sweep (default ${DEFAULT_ARGS.scalingSteps})`;

function list<T extends string>(flag: string, value: string, known: readonly T[]): T[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new BenchUsageError(`${flag}: expected a comma-separated list of ${known.join(', ')}`);
  for (const item of items) {
    if (!known.includes(item as T)) throw new BenchUsageError(`${flag}: unknown value '${item}' (known: ${known.join(', ')})`);
  }
  return [...new Set(items)] as T[];
}

function count(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min) throw new BenchUsageError(`${flag}: expected a whole number >= ${min}, got '${value}'`);
  return n;
}

const VALUE_FLAGS = ['--shapes', '--backends', '--steps', '--budget', '--warmup', '--workers', '--json'];
const PEER_AND_SCALING_FLAGS = ['--peer', '--peer-threads', '--scaling-steps'];

function parsePeerAndScalingFlag(args: BenchArgs, flag: string, value: string): void {
  if (flag === '--peer') {
    if (value !== 'torch') throw new BenchUsageError(`--peer: unknown peer '${value}' (known: torch)`);
    args.peer = 'torch';
  } else if (flag === '--peer-threads') {
    const items = value.split(',').map((s) => s.trim()).filter(Boolean);
    if (items.length === 0) throw new BenchUsageError(`--peer-threads: expected a comma-separated list of thread counts, got '${value}'`);
    args.peerThreads = [...new Set(items.map((item) => count(flag, item, 1)))];
  } else args.scalingSteps = count(flag, value, 1);
}

/** `--workers 1,2`: distinct whole numbers >= 1, ascending, 1 included. */
function workerCounts(flag: string, value: string): number[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new BenchUsageError(`${flag}: expected a comma-separated list of worker counts, e.g. 1,2`);
  const counts = items.map((item) => count(flag, item, 1));
  return [...new Set([1, ...counts])].sort((a, b) => a - b);
}

/** Parses the CLI's flags (`--flag value` or `--flag=value`). */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = { ...DEFAULT_ARGS, shapes: [...DEFAULT_ARGS.shapes], backends: [...DEFAULT_ARGS.backends] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      args.help = true;
      continue;
    }
    if (arg === '--scaling') {
      args.scaling = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (![...VALUE_FLAGS, ...PEER_AND_SCALING_FLAGS].includes(flag)) {
      throw new BenchUsageError(`unknown ${arg.startsWith('-') ? 'flag' : 'argument'} '${flag}' (see --help)`);
    }
    let value: string;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new BenchUsageError(`${flag}: missing value`);
      value = next;
      i++;
    }
    if (PEER_AND_SCALING_FLAGS.includes(flag)) parsePeerAndScalingFlag(args, flag, value);
    else if (flag === '--shapes') args.shapes = list(flag, value, SHAPES.map((s) => s.id));
    else if (flag === '--backends') args.backends = list(flag, value, BENCH_BACKENDS);
    else if (flag === '--steps') args.steps = count(flag, value, 1);
    else if (flag === '--budget') args.budgetSeconds = count(flag, value, 0);
    else if (flag === '--warmup') args.warmup = count(flag, value, 0);
    else if (flag === '--workers') args.workers = workerCounts(flag, value);
    else {
      if (value.trim() === '') throw new BenchUsageError(`${flag}: missing file name`);
      args.json = value;
    }
  }
  return args;
}
