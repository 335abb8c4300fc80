#!/usr/bin/env node
import { resolve } from 'node:path';
import '@mtojs/masking';
import '@mtojs/transformer';
import '@mtojs/image';
import '@mtojs/mto';
import './register.js';
import { BenchUsageError, USAGE, parseBenchArgs } from './args.js';
import { describeMachine } from './machine.js';
import { formatTable, leakingCells, writeReportJson, type BenchReport } from './report.js';
import { runBenchmark, type RunOptions } from './runner.js';
import { shapeById } from './shapes.js';
import { findTorch } from './peer.js';
import { runScaling } from './scaling.js';
import { loadavg } from 'node:os';

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseBenchArgs(argv);
  } catch (e) {
    if (e instanceof BenchUsageError) {
      process.stderr.write(`bench: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const started = performance.now();
  const machine = describeMachine();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const loadAverages = [loadavg()[0]];
  let peer: RunOptions['peer'];
  if (args.peer === 'torch') {
    const torch = findTorch();
    log('skipped' in torch ? `bench: torch peer skipped: ${torch.skipped}` : `bench: torch peer: ${torch.python}, torch ${torch.torch}, threads ${args.peerThreads.join(', ')}`);
    peer = { torch, threads: args.peerThreads };
  }
  const cells = await runBenchmark({
    shapes: args.shapes.map((id) => shapeById(id)!),
    backends: args.backends,
    warmup: args.warmup,
    steps: args.steps,
    budgetSeconds: args.budgetSeconds,
    workers: args.workers,
    log,
    peer,
  });
  loadAverages.push(loadavg()[0]);
  const scaling = args.scaling ? await runScaling({ steps: args.scalingSteps, peer, log }) : undefined;
  if (scaling) loadAverages.push(loadavg()[0]);
  const report: BenchReport = {
    generatedAt: new Date().toISOString(),
    machine,
    settings: { shapes: args.shapes, backends: args.backends, warmup: args.warmup, steps: args.steps, budgetSeconds: args.budgetSeconds, workers: args.workers },
    cells,
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    elapsedSeconds: (performance.now() - started) / 1000,
    loadAverages: loadAverages.map((x) => Math.round(x * 100) / 100),
    ...(peer ? { peer: 'skipped' in peer.torch ? peer.torch : { ...peer.torch, threads: peer.threads } } : {}),
    ...(scaling ? { scaling } : {}),
  };
  process.stdout.write(`${formatTable(report)}\n`);
  if (args.json) {
    writeReportJson(resolve(args.json), report);
    process.stderr.write(`bench: wrote ${resolve(args.json)}\n`);
  }
  const leaks = leakingCells(report);
  for (const l of leaks) process.stderr.write(`bench: ${l.cell.shape}/${l.cell.backend} ${l.variant} left ${l.growth} tensor(s) behind over ${l.cell.timedSteps} steps\n`);
  return leaks.length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`bench: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
