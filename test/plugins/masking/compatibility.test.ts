import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, registry, type MaskingStrategy, type TokenLayout } from '@mtojs/core';
import { partContext } from './fixtures.js';
import '@mtojs/masking';

const continuous: TokenLayout = { numTokens: 16, tokenDim: 49, targetDim: 49, grid: [4, 4], discrete: false };
const ids: TokenLayout = { numTokens: 16, tokenDim: 1000, targetDim: 1000, grid: [1, 16], discrete: true };

test('BERT-style masking with an adapter of continuous tokens (images) is a config error at check, not a failure at step 0', () => {
  for (const name of ['bert', 'whole-word']) {
    const masking = registry.create<MaskingStrategy>('masking', { name }, partContext());
    assert.throws(() => masking.check!(continuous), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.message, `masking.name: '${name}' replaces token ids, so it needs an adapter with discrete tokens (text); this adapter gives continuous tokens of 49 values (use random, block or grid masking)`);
      return true;
    });
    masking.check!(ids);
  }
});
