import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BenchUsageError, DEFAULT_ARGS, parseBenchArgs } from '@mtojs/bench';

test('bench flags: defaults, lists, numbers, --flag=value', () => {
  assert.deepEqual(parseBenchArgs([]), { ...DEFAULT_ARGS });
  const args = parseBenchArgs(['--shapes', 'b,c', '--backends=wasm', '--steps', '3', '--budget', '0', '--warmup', '0', '--json', 'out.json']);
  assert.deepEqual(args.shapes, ['b', 'c']);
  assert.deepEqual(args.backends, ['wasm']);
  assert.equal(args.steps, 3);
  assert.equal(args.budgetSeconds, 0);
  assert.equal(args.warmup, 0);
  assert.equal(args.json, 'out.json');
  assert.equal(parseBenchArgs(['-h']).help, true);
  // Worker counts: 1 always runs (the ratios are to it), ascending, each once.
  assert.deepEqual(parseBenchArgs([]).workers, [1]);
  assert.deepEqual(parseBenchArgs(['--workers', '2']).workers, [1, 2]);
  assert.deepEqual(parseBenchArgs(['--workers=4,1,2,2']).workers, [1, 2, 4]);
});

test('bench flags: each mistake is a one-line usage error naming the flag', () => {
  for (const [argv, pattern] of [
    [['--fast'], /unknown flag '--fast'/],
    [['b'], /unknown argument 'b'/],
    [['--shapes'], /^--shapes: missing value$/],
    [['--shapes', 'a,z'], /^--shapes: unknown value 'z'/],
    [['--backends', 'webgl'], /^--backends: unknown value 'webgl'/],
    [['--steps', '0'], /^--steps: expected a whole number >= 1/],
    [['--warmup', '1.5'], /^--warmup: expected a whole number >= 0/],
    [['--json', '--steps'], /^--json: missing value$/],
    [['--workers', '0'], /^--workers: expected a whole number >= 1, got '0'$/],
    [['--workers', '2,x'], /^--workers: expected a whole number >= 1, got 'x'$/],
  ] as const) {
    assert.throws(() => parseBenchArgs(argv), (e: unknown) => e instanceof BenchUsageError && pattern.test(e.message) && !e.message.includes('\n'), argv.join(' '));
  }
});
