import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Encoder, MemoryLogger, UserError, createTrainer, encoderArtifacts, encoderDataInfo, encoderFromArtifacts, loadEncoder, parseRunConfig, validateParts } from '@mtojs/core';
import { tinyConfig } from './fixtures/tiny-task.js';

async function tinyTrainer() {
  await tf.setBackend('cpu');
  const trainer = createTrainer(validateParts(parseRunConfig(tinyConfig())), { outDir: null, logger: new MemoryLogger() });
  await trainer.setup();
  return trainer;
}

test('an encoder keeps the data description without anything that names a file, folder or URL', () => {
  const info = encoderDataInfo({
    modality: 'text',
    exampleShape: [8],
    dtype: 'int32',
    classNames: ['ham', 'spam'],
    vocab: ['[PAD]', '/', 'a/b'],
    lowercase: true,
    root: 'data/emails',
    sourceFile: 'x.txt',
    cacheDir: '/tmp/cache',
    origin: 'C:\\corpora\\emails',
    homepage: 'https://example.com/data',
    sampleRate: 8000,
  });
  assert.deepEqual(info, { modality: 'text', exampleShape: [8], dtype: 'int32', classNames: ['ham', 'spam'], vocab: ['[PAD]', '/', 'a/b'], lowercase: true, sampleRate: 8000 });
});

test('an encoder saved through any tf.io handler (here: memory) loads back with the same features, in code only', async () => {
  const trainer = await tinyTrainer();
  try {
    const batch = trainer.data.batch('test', [0, 1, 2]);
    const source = new Encoder(trainer.model, trainer.adapter, trainer.data.info);
    const expected = source.featuresOfBatch(batch);
    let saved: tf.io.ModelArtifacts | null = null;
    await source.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    assert.ok(saved);
    assert.deepEqual((saved as tf.io.ModelArtifacts).modelTopology, (await source.artifacts()).modelTopology);
    const before = tf.memory().numTensors;
    const loaded = await loadEncoder(tf.io.fromMemory(saved!));
    const got = loaded.featuresOfBatch(batch);
    assert.deepEqual(Array.from(got.dataSync()), Array.from(expected.dataSync()));
    assert.deepEqual(loaded.info, { ...source.info });
    // An adapter without batchFromRaw cannot take raw inputs: the error says so and what to do instead.
    assert.throws(() => loaded.features([[1, 2, 3]]), (e: Error) => e instanceof UserError && /the 'signal' adapter cannot read raw inputs \(it has no batchFromRaw\); pass data-source batches to featuresOfBatch/.test(e.message));
    assert.throws(() => loaded.features([]), /no inputs to encode/);
    tf.dispose([got]);
    loaded.dispose();
    assert.equal(tf.memory().numTensors, before, 'loading and disposing leaves no tensor');
    assert.throws(() => loaded.featuresOfBatch(batch), /it was disposed/);
    // Wrapping a trainer's model does not own it: disposing the wrapper keeps the trainer usable.
    source.dispose();
    tf.tidy(() => trainer.model.encode(trainer.adapter.prepare(batch)));
    tf.dispose([expected, batch.inputs]);
  } finally {
    trainer.dispose();
  }
});

test('artifacts with a bad format, version, topology or weights are refused with one-line errors', async () => {
  const trainer = await tinyTrainer();
  try {
    const good = await encoderArtifacts(trainer.model, trainer.adapter, trainer.data.info);
    const topo = good.modelTopology as Record<string, unknown>;
    const cases: [tf.io.ModelArtifacts, RegExp][] = [
      [{ ...good, format: undefined }, /^enc: not an mtojs encoder \(model\.json's format is undefined/],
      [{ ...good, modelTopology: { ...topo, formatVersion: '1' } }, /^enc: modelTopology\.formatVersion is "1", expected an integer$/],
      [{ ...good, modelTopology: { ...topo, formatVersion: 0 } }, /^enc: modelTopology\.formatVersion 0 is not a valid version/],
      [{ ...good, modelTopology: { ...topo, adapter: 'signal' } }, /^enc: modelTopology\.adapter must be an object with a string 'name'$/],
      [{ ...good, modelTopology: { ...topo, layout: { ...(topo.layout as object), numTokens: 99 } } }, /^enc: the 'signal' adapter lays the data out as \d+ tokens of \d+ on a 1x\d+ grid, but the encoder was saved with 99 tokens/],
      [{ ...good, modelTopology: { ...topo, model: { ...(topo.model as object), width: -3 } } }, /^enc: modelTopology\.model\.width/],
      [{ ...good, weightSpecs: [...good.weightSpecs!, { name: 'extra/kernel', shape: [0], dtype: 'float32' }] }, /^enc: weights\.bin holds 1 weight\(s\) the tiny-attention model does not have: extra\/kernel$/],
      [{ ...good, weightData: undefined }, /^enc: the encoder has no weights/],
    ];
    const before = tf.memory().numTensors;
    for (const [artifacts, message] of cases) {
      assert.throws(() => encoderFromArtifacts(artifacts, { sourceName: 'enc' }), (e: Error) => e instanceof UserError && message.test(e.message) && !e.message.includes('\n'), String(message));
    }
    assert.equal(tf.memory().numTensors, before, 'refused loads leave no tensor');
  } finally {
    trainer.dispose();
  }
});
