import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchUsageError, DEFAULT_ARGS, findTorch, formatScaling, logLogSlope, parseBenchArgs, scalingGrid, type ScalingResult } from '@mtojs/bench';

test('bench flags: --peer torch, --peer-threads, --scaling, --scaling-steps', () => {
  assert.equal(DEFAULT_ARGS.peer, null);
  assert.equal(DEFAULT_ARGS.scaling, false);
  const args = parseBenchArgs(['--peer', 'torch', '--peer-threads=2,1,2', '--scaling', '--scaling-steps', '3']);
  assert.equal(args.peer, 'torch');
  assert.deepEqual(args.peerThreads, [2, 1]);
  assert.equal(args.scaling, true);
  assert.equal(args.scalingSteps, 3);
  for (const [argv, pattern] of [
    [['--peer', 'jax'], /^--peer: unknown peer 'jax' \(known: torch\)$/],
    [['--peer-threads', '0'], /^--peer-threads: expected a whole number >= 1, got '0'$/],
    [['--peer-threads', ','], /^--peer-threads: expected a comma-separated list/],
    [['--scaling-steps', 'x'], /^--scaling-steps: expected a whole number >= 1/],
  ] as const) {
    assert.throws(() => parseBenchArgs(argv), (e: unknown) => e instanceof BenchUsageError && pattern.test(e.message), argv.join(' '));
  }
});

test('the torch peer is skipped with the reason when no candidate Python has torch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mtojs-peer-'));
  const fake = join(dir, 'python3');
  writeFileSync(fake, '#!/bin/sh\necho "ModuleNotFoundError: No module named \'torch\'" >&2\nexit 1\n', { mode: 0o755 });
  const found = findTorch([join(dir, 'missing-python'), fake]);
  assert.ok('skipped' in found);
  assert.match(found.skipped, /missing-python: not found/);
  assert.match(found.skipped, /python3: no torch \(ModuleNotFoundError: No module named 'torch'\)/);
});

test('scaling: the sweep grid and its log-log slopes', () => {
  assert.deepEqual(scalingGrid().map((g) => `${g.tokens}x${g.width}:${g.axes.join('+')}`), ['16x128:tokens', '64x64:width', '64x128:tokens+width', '196x128:tokens', '64x256:width']);
  assert.ok(Math.abs(logLogSlope([16, 64, 196], [16 * 3, 64 * 3, 196 * 3]) - 1) < 1e-12);
  assert.ok(Math.abs(logLogSlope([64, 128, 256], [64 ** 2, 128 ** 2, 256 ** 2]) - 2) < 1e-12);
  const point = (tokens: number, width: number, axes: ('tokens' | 'width')[], ms: number) => ({
    axes, tokens, width, batchSize: 32, msPerStep: ms, stepMs: [ms], cpuMsPerStep: ms, gflopsPerSec: 1, kernelsPerStep: 1200, stepPeakTensorMB: 10, tensorMBBetweenSteps: 5, rssMB: 300,
  });
  const result: ScalingResult = {
    backend: 'wasm',
    steps: 1,
    points: [point(16, 128, ['tokens'], 100), point(64, 128, ['tokens', 'width'], 400), point(196, 128, ['tokens'], 1225)],
    library: { tokens: 1, width: 2 },
    libraryCpu: { tokens: 1, width: 2 },
  };
  const table = formatScaling(result);
  assert.match(table, /\| 64 \| 128 \| 400\.0 \| 400\.0 \| 1\.00 \| 1200 \| 10\.0 \| 5\.0 \| 300\.0 \|/);
  assert.match(table, /- library: step time ~ tokens\^1\.00 \(width 128\), ~ width\^2\.00 \(64 tokens\)/);
});
