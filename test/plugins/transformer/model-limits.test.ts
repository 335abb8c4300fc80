import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, registry } from '@mtojs/core';
import { partContext } from '../masking/fixtures.js';
import '@mtojs/transformer';

/** The ConfigError that creating `model` throws, as one message. */
function refusal(model: { name: string; [k: string]: unknown }): string {
  try {
    registry.create('model', model, partContext());
  } catch (e) {
    assert.ok(e instanceof ConfigError, String((e as Error).stack));
    return e.message;
  }
  assert.fail(`${JSON.stringify(model)} was accepted`);
}

test('model sizes that cannot be allocated are refused by the options, before a tensor exists', () => {
  const t = performance.now();
  assert.match(refusal({ name: 'mae', mlpRatio: 1e30 }), /model\.mlpRatio: Too big: expected number to be <=64/);
  assert.match(refusal({ name: 'mae', width: 10_000_000, heads: 1 }), /model\.width: Too big: expected number to be <=16384/);
  assert.match(refusal({ name: 'simmim', depth: 100_000 }), /model\.depth: Too big: expected number to be <=256/);
  assert.match(refusal({ name: 'mae', width: 4096, depth: 12, heads: 4 }), /model\.maxParameters: the model would have about 2\.42e\+9 parameters \(36\.0 GiB to train\), more than maxParameters \(100000000\); shrink width\/depth\/mlpRatio, or raise model\.maxParameters/);
  assert.ok(performance.now() - t < 1000);
  // Raised, a large model is accepted (it is only built by setup).
  registry.create('model', { name: 'simmim', width: 4096, depth: 12, heads: 4, maxParameters: 3e9 }, partContext());
});

test('an MLP ratio that rounds to a hidden width of 0 is refused (it failed after the run directory existed)', () => {
  assert.match(refusal({ name: 'mae', width: 16, heads: 2, mlpRatio: 0.01 }), /model\.mlpRatio: mlpRatio 0\.01 x width 16 rounds to an MLP of 0 hidden units; expected at least 1/);
  assert.match(refusal({ name: 'mae', width: 64, decoderWidth: 8, decoderHeads: 2, mlpRatio: 0.05 }), /mlpRatio 0\.05 x decoderWidth 8 rounds to an MLP of 0 hidden units/);
});
