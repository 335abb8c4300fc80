import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closestName, didYouMean, editDistance } from '@mtojs/core';

test('edit distance counts insertions, deletions, substitutions and swapped neighbours as one edit each', () => {
  assert.equal(editDistance('width', 'width'), 0);
  assert.equal(editDistance('widht', 'width'), 1);
  assert.equal(editDistance('radom', 'random'), 1);
  assert.equal(editDistance('trian', 'train'), 1);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
});

test('the closest known name is suggested only when it is near enough to be a typo', () => {
  assert.equal(closestName('widht', ['depth', 'heads', 'width']), 'width');
  assert.equal(closestName('radom', ['block', 'grid', 'random', 'span']), 'random');
  assert.equal(closestName('trian', ['analyze', 'export', 'train']), 'train');
  assert.equal(closestName('BatchSize', ['batchSize', 'epochs']), 'batchSize');
  assert.equal(closestName('foo', ['name', 'seed', 'data', 'model']), undefined);
  assert.equal(closestName('ab', ['xy']), undefined);
  assert.equal(didYouMean('widht', ['width']), "; did you mean 'width'?");
  assert.equal(didYouMean('zzz', ['width']), '');
});
