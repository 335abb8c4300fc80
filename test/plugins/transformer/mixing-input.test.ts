import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Initializer, Rng, noHooks, toMaskBatch, type ModalityAdapter, type PreparedBatch, type Stem, type TokenLayout } from '@mtojs/core';
import { MaeModel, SimMimModel } from '@mtojs/transformer';

before(async () => {
  await tf.setBackend('cpu');
});

const layout: TokenLayout = { numTokens: 6, tokenDim: 4, targetDim: 4, grid: [2, 3], discrete: false };
const MASK = [
  [0, 1, 1, 0, 1, 0],
  [1, 0, 0, 1, 1, 0],
];

/** A linear stem; `embed` is kept so the test can compute real embeddings itself. */
function linearAdapter(): ModalityAdapter & { embed?: (t: tf.Tensor) => tf.Tensor3D } {
  const adapter = {
    layout,
    createStem({ inputWidth, outputWidth }: { inputWidth: number; outputWidth: number }, init: Initializer): Stem {
      const embedKernel = init.glorotUniform([layout.tokenDim, inputWidth]);
      const head = init.glorotUniform([outputWidth, layout.targetDim]);
      const linear = (x: tf.Tensor, k: tf.Tensor) => {
        const [B, N, D] = x.shape;
        return tf.reshape(tf.matMul(tf.reshape(x, [B * N, D]), k as tf.Tensor2D), [B, N, k.shape[1]!]) as tf.Tensor3D;
      };
      const stem: Stem = {
        embed: (tokens) => linear(tokens, embedKernel),
        head: (features) => linear(features, head),
        variables: () => [
          { name: 'embed', variable: embedKernel },
          { name: 'head', variable: head },
        ],
      };
      adapter.embed = stem.embed;
      return stem;
    },
  } as unknown as ModalityAdapter & { embed?: (t: tf.Tensor) => tf.Tensor3D };
  return adapter;
}

function inputs() {
  const mask = toMaskBatch({ batchSize: 2, numTokens: 6, mask: Uint8Array.from(MASK.flat()), maskedPerRow: Int32Array.from([3, 3]) });
  const batch: PreparedBatch = { batchSize: 2, tokens: tf.randomNormal([2, 6, 4], 0, 1, 'float32', 7), targets: tf.zeros([2, 6, 4]) };
  return { mask, batch };
}

/** Rows of a [B, N, W] tensor as arrays. */
const rows = (t: tf.Tensor3D) => (t.arraySync() as number[][][]).flat();

test('simmim.mixingInput: the stem embedding at visible positions, exactly the mask token at masked ones', () => {
  const adapter = linearAdapter();
  const model = new SimMimModel({ width: 8, depth: 1, heads: 2 });
  model.build(layout, adapter, new Initializer(new Rng(1).stream('init')));
  const { mask, batch } = inputs();
  const got = rows(model.mixingInput(batch, mask));
  const embedded = rows(adapter.embed!(batch.tokens));
  const token = Array.from(model.maskToken().dataSync());
  MASK.flat().forEach((m, r) => assert.deepEqual(got[r], m ? token : embedded[r], `row ${r}`));
  model.dispose();
});

test('mae.mixingInput: the decoder input before positions (mask token at masked positions), and forward is unchanged by it', () => {
  const model = new MaeModel({ width: 8, depth: 1, heads: 2, decoderWidth: 4, decoderDepth: 1, decoderHeads: 2, cls: true });
  model.build(layout, linearAdapter(), new Initializer(new Rng(2).stream('init')));
  const { mask, batch } = inputs();
  const input = model.mixingInput(batch, mask);
  assert.deepEqual(input.shape, [2, 6, 4]);
  const got = rows(input);
  const token = Array.from(model.maskToken().dataSync());
  MASK.flat().forEach((m, r) => {
    if (m) assert.deepEqual(got[r], token, `masked row ${r}`);
    else assert.notDeepEqual(got[r], token, `visible row ${r}`);
  });
  // The decoder's first block sees this input plus positions (checked by value in mae.test.ts);
  // here: calling mixingInput does not disturb forward.
  const a = model.forward(batch, mask, noHooks(mask.mask)).pred.dataSync();
  model.mixingInput(batch, mask);
  assert.deepEqual(model.forward(batch, mask, noHooks(mask.mask)).pred.dataSync(), a);
  model.dispose();
});
