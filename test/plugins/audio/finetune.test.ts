import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import '@mtojs/masking';
import '@mtojs/transformer';
import '@mtojs/audio';
import { finetuneTwice } from '../../core/fixtures/finetune-twice.js';

const EXAMPLE = resolve(__dirname, '../../../../examples/audio/audiomae.yaml');

test('finetune on audio (log-mel patches, MAE encoder): spoken digits from 40 labels, deterministic, no leaks', async () => {
  const r = await finetuneTwice(EXAMPLE, [
    'data.trainSize=100',
    'data.testSize=50',
    'adapter.statsClips=100',
    'model={name: mae, width: 32, depth: 2, heads: 2, decoderWidth: 32, decoderDepth: 1, decoderHeads: 2}',
  ]);
  assert.equal(r.evalExamples, 50);
  assert.ok(r.history[2].loss < r.history[0].loss, `loss ${r.history[0].loss} -> ${r.history[2].loss}`);
});
