import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { createTrainer, finetune, MemoryLogger, parseRunConfig, validateParts, type MaskedModel, type NamedVariable } from '@mtojs/core';
import { MaeModel } from '@mtojs/transformer';
import '@mtojs/masking';
import '@mtojs/image';
import { useCpuBackend } from './support/backend.js';

before(useCpuBackend);

function snapshot(vars: NamedVariable[]): Map<string, Float32Array> {
  return new Map(vars.map((p) => [p.name, p.variable.dataSync() as Float32Array]));
}

/** A small MAE on real digits, set up (random init). */
async function digitsRun(model: Record<string, unknown>) {
  const config = validateParts(
    parseRunConfig({
      name: 'ft',
      seed: 1,
      data: { name: 'mnist', trainSize: 200, testSize: 100 },
      adapter: { name: 'image', patchSize: 7, normPix: true },
      masking: { name: 'random', ratio: 0.75 },
      model: { name: 'mae', width: 16, depth: 2, heads: 2, decoderWidth: 8, decoderDepth: 1, decoderHeads: 2, ...model },
      eval: { enabled: false },
    }),
  );
  const t = createTrainer(config, { outDir: null, logger: new MemoryLogger() });
  await t.setup();
  return t;
}

for (const pooling of ['mean', 'cls'] as const) {
  test(`finetune through MaeModel.encode (${pooling} pooling): the encoder path learns, the decoder and reconstruction head stay (with layer decay)`, async () => {
    const t = await digitsRun(pooling === 'cls' ? { cls: true, pooling: 'cls' } : {});
    const source = snapshot(t.model.variables());
    const n0 = tf.memory().numTensors;
    let copy: MaskedModel | null = null;
    let last: Map<string, Float32Array> | null = null;
    const r = await finetune({
      model: t.model,
      adapter: t.adapter,
      data: t.data,
      config: { labels: 40, epochs: 2, batchSize: 20, lr: 0.003, layerDecay: 0.5 },
      seed: 1,
      createModel: () => (copy = new MaeModel(t.model.getConfig())),
      onEpoch: () => (last = snapshot(copy!.variables())),
    });
    assert.equal(tf.memory().numTensors, n0, 'the copy, head and optimiser slots are freed');
    assert.equal(r.trainExamples, 40);
    assert.equal(r.evalExamples, 100);
    const moved = [...source.keys()].filter((k) => source.get(k)!.some((v, i) => v !== last!.get(k)![i]));
    for (const name of ['stem/embed/kernel', 'encoder/block0/attn/qkv/kernel', 'encoder/block1/mlp/fc2/kernel', 'encoder/norm/gamma', ...(pooling === 'cls' ? ['encoder/cls_token'] : [])]) {
      assert.ok(moved.includes(name), `${name} was not trained; moved: ${moved.join(', ')}`);
    }
    assert.deepEqual(
      moved.filter((n) => n.startsWith('decoder/') || n.startsWith('stem/head/')),
      [],
      'the decoder and the reconstruction head get no gradient',
    );
    assert.deepEqual(snapshot(t.model.variables()), source, 'the run model is unchanged');
    t.dispose();
  });
}
