import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import '@mtojs/masking';
import '@mtojs/transformer';
import '@mtojs/text';
import { finetuneTwice } from '../../core/fixtures/finetune-twice.js';

const EXAMPLE = resolve(__dirname, '../../../../examples/text/mlm.yaml');

test('finetune on text (token ids with padding, SimMIM encoder): spam vs ham from 40 labels, deterministic, no leaks', async () => {
  const r = await finetuneTwice(EXAMPLE, ['data.trainSize=200', 'data.testSize=64', 'data.seqLen=32', 'data.vocabSize=300', 'model={name: simmim, width: 32, depth: 1, heads: 2}']);
  assert.equal(r.evalExamples, 64);
});
