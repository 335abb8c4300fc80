import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {
  Initializer,
  Rng,
  toMaskBatch,
  type ModalityAdapter,
  type PreparedBatch,
  type StepContext,
  type Stem,
  type TokenLayout,
} from '@mtojs/core';
import { SimMimModel } from '@mtojs/transformer';
import { applyMto, type MtoOptionsInput } from '@mtojs/mto';
import { assertAllFinite, makeHost, makeLossContext } from './helpers.js';

before(async () => {
  await tf.setBackend('cpu');
});

const layout: TokenLayout = { numTokens: 6, tokenDim: 4, targetDim: 4, grid: [2, 3], discrete: false };
const MASK = [
  [0, 1, 1, 0, 1, 0],
  [1, 0, 0, 1, 1, 0],
];
const PADDING = [
  [0, 0, 0, 0, 0, 0],
  [0, 0, 0, 0, 0, 1], // the last token of sample 1 is padding (and not masked)
];

/** Just enough of an adapter for build(): a linear embedding and a linear head. */
function tinyAdapter(): ModalityAdapter {
  return {
    layout,
    createStem({ inputWidth, outputWidth }: { inputWidth: number; outputWidth: number }, init: Initializer): Stem {
      const embed = init.glorotUniform([layout.tokenDim, inputWidth]);
      const head = init.glorotUniform([outputWidth, layout.targetDim]);
      return {
        embed: (tokens) => {
          const [B, N] = tokens.shape;
          return tf.reshape(tf.matMul(tf.reshape(tokens, [B * N, layout.tokenDim]), embed), [B, N, inputWidth]) as tf.Tensor3D;
        },
        head: (features) => {
          const [B, T] = features.shape;
          return tf.reshape(tf.matMul(tf.reshape(features, [B * T, outputWidth]), head), [B, T, layout.targetDim]) as tf.Tensor3D;
        },
        variables: () => [
          { name: 'embed', variable: embed },
          { name: 'head', variable: head },
        ],
      };
    },
  } as unknown as ModalityAdapter;
}

function setup(options: MtoOptionsInput) {
  const model = new SimMimModel({ width: 8, depth: 3, heads: 2, cls: true });
  model.build(layout, tinyAdapter(), new Initializer(new Rng(3).stream('init')));
  const { host, reports } = makeHost(model.mixingModule);
  (host as { model: unknown }).model = model;
  applyMto(host, options);
  const maskBatch = toMaskBatch({
    batchSize: 2,
    numTokens: 6,
    mask: Uint8Array.from(MASK.flat()),
    maskedPerRow: Int32Array.from(MASK.map((r) => r.reduce((a, b) => a + b, 0))),
  });
  const batch: PreparedBatch = {
    batchSize: 2,
    tokens: tf.randomNormal([2, 6, layout.tokenDim], 0, 1, 'float32', 5),
    targets: tf.zeros([2, 6, layout.targetDim]),
    padding: tf.tensor2d(PADDING),
  };
  const step: StepContext = { step: 0, epoch: 0, training: true, mask: maskBatch.mask, padding: batch.padding! };
  const forward = () => {
    host.hooks.stepStart.call(step);
    const { pred } = model.forward(batch, maskBatch, { hooks: host.hooks, step });
    const loss = makeLossContext(step, tf.mean(tf.square(pred)) as tf.Scalar);
    host.hooks.loss.call(loss);
    return { pred, loss };
  };
  return { model, host, reports, forward };
}

function visibleBytes(pred: tf.Tensor3D): string[] {
  const data = pred.dataSync() as Float32Array;
  const D = layout.targetDim;
  const out: string[] = [];
  MASK.forEach((row, b) =>
    row.forEach((m, i) => {
      if (!m && !PADDING[b][i]) out.push(Buffer.from(data.buffer, data.byteOffset + (b * 6 + i) * D * 4, D * 4).toString('hex'));
    }),
  );
  return out;
}

test('SimMIM with hard recalibration: visible predictions are bit-for-bit invariant to the mask token (CLS and padding included)', () => {
  const { model, forward } = setup({ lambdaE: 0, lambdaR: 0 });
  const a = visibleBytes(forward().pred);
  model.maskToken().assign(tf.randomNormal([8], 0, 5, 'float32', 11));
  const b = visibleBytes(forward().pred);
  assert.equal(a.length, 5); // 3 + 2 visible, non-padding tokens
  assert.deepEqual(a, b);

  const control = setup({ recalibration: { enabled: false }, lambdaE: 0, lambdaR: 0 });
  const c = visibleBytes(control.forward().pred);
  control.model.maskToken().assign(tf.randomNormal([8], 0, 5, 'float32', 11));
  assert.notDeepEqual(c, visibleBytes(control.forward().pred));
});

test('SimMIM with every term on: finite gradients for every variable, the mask token included, and diagnostics', () => {
  const { model, forward, reports } = setup({ recalibration: { beta: 4 }, lambdaSpa: 0.1, lambdaE: 0.1, lambdaR: 0.1, diagnostics: { enabled: true } });
  const vars = model.variables().map((v) => v.variable);
  const { value, grads } = tf.variableGrads(() => {
    const { loss } = forward();
    assert.deepEqual(loss.terms.map((t) => t.name), ['mto/spa', 'mto/e', 'mto/r']);
    return tf.addN([loss.taskLoss, ...loss.terms.map((t) => tf.mul(t.value, t.weight))]) as tf.Scalar;
  }, vars);
  assertAllFinite(value);
  for (const v of vars) assertAllFinite(grads[v.name], v.name);
  assert.ok(tf.sum(tf.abs(grads[model.maskToken().name])).dataSync()[0] > 0, 'the mask token gets a gradient');
  assert.equal(reports.size, 4 * 3);
  for (const [name, v] of reports) assert.ok(Number.isFinite(v), `${name} = ${v}`);
});
