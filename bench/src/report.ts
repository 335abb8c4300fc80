import { writeFileAtomic } from '@mtojs/core';
import type { MachineInfo } from './machine.js';
import type { BenchBackend, CellResult } from './runner.js';
import { formatScaling, type ScalingResult } from './scaling.js';

/** Everything one benchmark run measured: what `--json` writes. */
export interface BenchReport {
  generatedAt: string;
  machine: MachineInfo;
  settings: { shapes: string[]; backends: BenchBackend[]; warmup: number; steps: number; budgetSeconds: number; workers?: number[] };
  cells: CellResult[];
  /** Peak resident set size of the benchmark process. */
  peakRssMB: number;
  elapsedSeconds: number;
  /** The token and width sweep (`--scaling`). */
  scaling?: ScalingResult;
  /** What `--peer torch` found: the peer's Python and torch version, or why it was skipped. */
  peer?: { python: string; torch: string; threads: number[] } | { skipped: string };
  /** Load averages (1 min) sampled while measuring: before, between cells, after. */
  loadAverages?: number[];
}

/** Cells where some variant's timed steps left tensors behind. */
export function leakingCells(report: BenchReport): { cell: CellResult; variant: string; growth: number }[] {
  return report.cells.flatMap((cell) => cell.variants.filter((v) => v.tensorGrowth !== 0).map((v) => ({ cell, variant: v.variant, growth: v.tensorGrowth })));
}

const fixed = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
const percent = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;

/** The results as a Markdown table (readable in a terminal, pasteable into docs/performance.md). */
export function formatTable(report: BenchReport): string {
  const header = '| shape | backend | step | ms/step | CPU ms/step | samples/s | GFLOP/s | speed-up vs naive | kernels/step | tensor growth |';
  const rule = '|---|---|---|---:|---:|---:|---:|---:|---:|---:|';
  const rows = report.cells.flatMap((c) => [
    ...c.variants.map((v) =>
      [
        `${c.shape}: ${c.title}`,
        c.backend,
        v.workers > 1 ? `${v.variant} (${v.workers} workers)` : v.variant,
        fixed(v.msPerStep, 1),
        fixed(v.cpuMsPerStep, 1),
        fixed(v.samplesPerSec, 0),
        fixed(v.gflopsPerSec, 2),
        v.variant === 'naive' ? '1.00x' : `${fixed(v.speedupVsNaive, 2)}x`,
        v.kernelsPerStep === null ? '-' : String(v.kernelsPerStep),
        String(v.tensorGrowth),
      ].join(' | '),
    ),
    ...(c.peers ?? []).map((p) =>
      [`${c.shape}: ${c.title}`, 'native', `${p.name}, ${p.threads} thread${p.threads === 1 ? '' : 's'}`, fixed(p.msPerStep, 1), fixed(p.cpuMsPerStep, 1), fixed(p.samplesPerSec, 0), fixed(p.gflopsPerSec, 2), '-', '-', '-'].join(' | '),
    ),
  ]);
  const peerText = (c: CellResult) => {
    if (c.peerSkipped) return `; torch peer skipped: ${c.peerSkipped}`;
    if (!c.peers?.length) return '';
    const each = c.peers.map((p) => `${p.threads}t ${fixed(p.libraryOverPeer, 2)}x, CPU time ${fixed(p.libraryOverPeerCpu, 2)}x`).join('; ');
    return `; library step / torch's best step ${fixed(c.libraryOverBestPeer!, 2)}x (per thread count: ${each}), peer peak RSS ${c.memory.peerMaxRssMB} MB, peer's 512x512 product ${c.peerMatmulGflops} GFLOP/s on one thread`;
  };
  const summary = report.cells.map(
    (c) =>
      `- ${c.shape}/${c.backend}: ${(c.flops.step / 1e9).toFixed(2)} GFLOP per step (batch ${c.batchSize}), ${c.timedSteps} timed step(s) each; library ${fixed(c.speedup, 2)}x the naive reference; MTO overhead ${percent(c.mtoOverhead)}; ` +
      `first-step loss naive vs library differs by ${c.firstLossRelativeDifference.toExponential(1)} (relative); live tensors ${c.memory.tensorsAfterWarmup} -> ${c.memory.tensorsAfterSteps}, ` +
      `JS heap ${c.memory.heapUsedMBAfterWarmup} -> ${c.memory.heapUsedMBAfterSteps} MB; a library step's peak tensor memory +${c.variants[1].stepPeakTensorMB ?? '-'} MB, RSS ${c.memory.rssMBAfterSteps} MB after the cell` +
      peerText(c),
  );
  const m = report.machine;
  return [
    `${m.cpuModel}, nproc ${m.nproc}, node ${m.node}, tfjs ${m.tfjs}, load average ${m.loadAverage1m} at start${report.loadAverages ? ` (sampled while measuring: ${report.loadAverages.join(', ')})` : ''}`,
    `warm-up ${report.settings.warmup} step(s), then up to ${report.settings.steps} timed steps per variant within ${report.settings.budgetSeconds} s per shape and backend, variants interleaved; medians`,
    '',
    header,
    rule,
    ...rows.map((r) => `| ${r} |`),
    '',
    ...summary,
    ...workerLines(report),
    `- peak RSS ${report.peakRssMB} MB; ${report.elapsedSeconds.toFixed(0)} s in all`,
    ...(report.scaling ? ['', formatScaling(report.scaling)] : []),
  ].join('\n');
}

function cpuOf(c: CellResult, variant: string, workers: number): string {
  const v = c.variants.find((x) => x.variant === variant && x.workers === workers);
  return v ? fixed(v.cpuMsPerStep, 0) : '-';
}

/** One line per cell and worker count: the step-time ratio to 1 worker, measured in the same rounds. */
function workerLines(report: BenchReport): string[] {
  return report.cells.flatMap((c) =>
    (c.workerSpeedups ?? []).map(
      (w) =>
        `- ${c.shape}/${c.backend}: ${w.workers} workers step ${fixed(w.library, 2)}x as fast as 1 (library+mto ${fixed(w.libraryMto, 2)}x); CPU per step ${cpuOf(c, 'library', 1)} ms at 1 worker, ${cpuOf(c, 'library', w.workers)} ms at ${w.workers} (all threads); first-step loss differs from 1 worker's by ${w.firstLossRelativeDifference.toExponential(1)} (relative)`,
    ),
  );
}

/** Writes the report as JSON, atomically (a temp file renamed over the target). */
export function writeReportJson(file: string, report: BenchReport): void {
  writeFileAtomic(file, `${JSON.stringify(report, null, 2)}\n`);
}
