import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { Rng, UserError, loadEncoder, pickedEvenly, type Encoder } from '@mtojs/core';
import '@mtojs/transformer';
import '@mtojs/text';
import { TextCorpusSource } from '@mtojs/text';
import { featuresInFreshProcess, maxAbsDiff, trainAndExport, restoredTrainer, tempDir, trainerFeatures } from '../../core/fixtures/encoder-journey.js';

const WORDS = 'the meeting agenda budget Café naïve résumé cheap pills offer free winner click here report quarterly schedule project deadline team lunch friday invoice attached urgent account verify password'.split(' ');

/** Documents of 3 to 40 words (some longer than a sequence), mixed case and accents, one per line. */
function corpus(n: number): string[] {
  const rng = new Rng(7).stream('docs');
  return Array.from({ length: n }, () => {
    const len = 3 + Math.floor(rng.uniform(0, 38));
    return Array.from({ length: len }, () => WORDS[Math.floor(rng.uniform(0, WORDS.length))]).join(' ') + (rng.uniform(0, 1) < 0.5 ? '!' : '.');
  });
}

test('text: pre-train (BERT-style MLM) -> mto export -> loadEncoder embeds strings as the trained model embeds the same documents', async () => {
  const { dir, cleanup } = tempDir('mtojs-enc-text-');
  let encoder: Encoder | null = null;
  try {
    const docs = corpus(240);
    writeFileSync(join(dir, 'docs.txt'), docs.join('\n') + '\n');
    const sets = [
      'backend=wasm',
      `data={name: text-file, path: ${join(dir, 'docs.txt')}, seqLen: 24, vocabSize: 120, testFraction: 0.25}`,
      'model={name: simmim, width: 32, depth: 1, heads: 2}',
      'trainer.epochs=1',
      'trainer.batchSize=30',
      'trainer.progress=none',
      'eval.enabled=false',
      'adapter.evalExamples=0',
    ].flatMap((s) => ['--set', s]);
    const { encDir, files, json } = trainAndExport('examples/text/mlm.yaml', sets, dir);
    assert.deepEqual(files, ['model.json', 'weights.bin']);
    assert.ok(!json.includes('docs.txt') && !json.includes(dir), 'no path to the data');
    const topology = JSON.parse(json).modelTopology;
    assert.equal(topology.dataInfo.lowercase, true);
    assert.equal(topology.dataInfo.vocab[2], '[CLS]');

    await tf.setBackend('wasm');
    const trainer = await restoredTrainer(join(dir, 'run'));
    const testDocs = docs.filter((_, i) => pickedEvenly(i, 0.25));
    const idx = Array.from({ length: 16 }, (_, i) => i);
    let expected: Float32Array;
    try {
      assert.equal(trainer.data.size('test'), testDocs.length, 'one sequence per document');
      expected = trainerFeatures(trainer, 'test', idx);
      assert.deepEqual((trainer.data as TextCorpusSource).vocab.tokens, topology.dataInfo.vocab, 'the run\'s vocabulary is exported');
    } finally {
      trainer.dispose();
    }
    encoder = await loadEncoder(encDir);
    assert.equal(encoder.info.modality, 'text');
    assert.deepEqual(encoder.info.exampleShape, [24]);
    const strings = idx.map((i) => testDocs[i]);
    assert.ok(strings.some((s) => s.split(' ').length > 22), 'some documents are longer than a sequence (truncated like the data source)');
    const got = await encoder.encode(strings);
    const flat = Float32Array.from(got.flatMap((e) => Array.from(e)));
    assert.ok(maxAbsDiff(flat, expected) < 1e-5, `max |diff| ${maxAbsDiff(flat, expected)}`);

    // Tokenisation follows the vocabulary's normalisation: case and accents do not matter (lowercase: true).
    const [upper] = await encoder.encode([strings[0].toUpperCase()]);
    assert.ok(maxAbsDiff(upper, got[0]) < 1e-6);
    // An empty string is [CLS] [SEP]: a valid input.
    const [empty] = await encoder.encode(['']);
    assert.ok(empty.every(Number.isFinite));

    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await encoder.encode(strings);
    assert.equal(tf.memory().numTensors, before);

    const fresh = featuresInFreshProcess(encDir, ['@mtojs/transformer', '@mtojs/text'], strings.slice(0, 2));
    assert.ok(maxAbsDiff(fresh[0], got[0]) < 1e-5 && maxAbsDiff(fresh[1], got[1]) < 1e-5);

    await assert.rejects(encoder.encode(['fine', 42]), (e: Error) => e instanceof UserError && e.message === 'input 1: number; expected a string of text');
  } finally {
    encoder?.dispose();
    cleanup();
  }
});
