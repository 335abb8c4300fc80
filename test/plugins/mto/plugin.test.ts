import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { ConfigError, registry, type PartContext, type PluginHost } from '@mtojs/core';
import { DEFAULT_DELTA, DEFAULT_TARGET_E, HARD_BIAS, MtoPlugin, applyMto, entropyGap, rankLoss, spaLoss, supportEntropyGap, type MtoOptionsInput } from '@mtojs/mto';
import { assertAllFinite, assertClose, info, makeHost, makeLossContext, stepContext } from './helpers.js';

before(async () => {
  await tf.setBackend('cpu');
});

const B = 2;
const H = 2;
const T = 4;
const W = 3;
const LAYERS = 4;
const MASK = [
  [0, 1, 0, 1],
  [0, 0, 1, 1],
];

function layerLogits(module: string, layer: number): tf.Tensor4D {
  const shift = module === 'encoder' ? 0 : 100;
  return tf.tensor4d(
    Array.from({ length: B * H * T * T }, (_, i) => 2 * Math.sin(0.37 * i + 1.1 * layer + shift)),
    [B, H, T, T],
  );
}

function layerFeatures(layer: number): tf.Tensor3D {
  return tf.tensor3d(Array.from({ length: B * T * W }, (_, i) => Math.cos(0.5 * i + layer)), [B, T, W]);
}

interface SimulatedStep {
  logitsIn: Map<string, tf.Tensor4D>;
  logitsOut: Map<string, tf.Tensor4D>;
  probs: Map<string, tf.Tensor4D>;
  loss: ReturnType<typeof makeLossContext>;
}

/** Calls the hooks the way a model and the trainer would for one step, over an encoder and a decoder. */
function simulateStep(host: PluginHost, step: number, training = true, logitsOf = layerLogits): SimulatedStep {
  const hooks = host.hooks;
  const mask = tf.tensor2d(MASK);
  const ctx = stepContext(step, training, mask);
  const sim: SimulatedStep = { logitsIn: new Map(), logitsOut: new Map(), probs: new Map(), loss: makeLossContext(ctx) };
  hooks.stepStart.call(ctx);
  for (const module of ['encoder', 'decoder']) {
    for (let layer = 0; layer < LAYERS; layer++) {
      const key = `${module}/${layer}`;
      const attInfo = info(module, layer, LAYERS, mask, H);
      const logits = logitsOf(module, layer);
      const out = hooks.attentionLogits.call(logits, attInfo, ctx);
      const probs = tf.softmax(out);
      hooks.attentionProbs.call({ probs }, attInfo, ctx);
      hooks.blockOutput.call({ features: layerFeatures(layer) }, attInfo, ctx);
      sim.logitsIn.set(key, logits);
      sim.logitsOut.set(key, out);
      sim.probs.set(key, probs);
    }
  }
  hooks.loss.call(sim.loss);
  hooks.stepEnd.call(ctx);
  return sim;
}

function terms(sim: SimulatedStep) {
  return sim.loss.terms.map((t) => ({ name: t.name, weight: t.weight, value: t.value.dataSync()[0] }));
}

function assertBiased(sim: SimulatedStep, key: string, expectedBias: number): void {
  const diff = tf.sub(sim.logitsOut.get(key)!, sim.logitsIn.get(key)!).arraySync() as number[][][][];
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < T; i++)
        for (let j = 0; j < T; j++) {
          const expected = !MASK[b][i] && MASK[b][j] ? -expectedBias : 0;
          // -1e9 added to a logit of magnitude <= 2 is -1e9 in float32; compare relatively.
          assert.ok(Math.abs(diff[b][h][i][j] - expected) <= 1e-6 * Math.max(1, Math.abs(expected)), `${key} [${b},${h},${i},${j}]: ${diff[b][h][i][j]} != ${expected}`);
        }
}

function assertUntouched(sim: SimulatedStep, key: string): void {
  assert.equal(sim.logitsOut.get(key), sim.logitsIn.get(key), `${key} logits pass through unchanged`);
}

// The default measure (support-entropy-gap: docs/mto.md) and the first reading (entropy-gap).
const het = (probs: tf.Tensor4D) => tf.mean(supportEntropyGap.compute(probs, tf.tensor2d(MASK))) as tf.Scalar;
const oldHet = (probs: tf.Tensor4D) => tf.mean(entropyGap.compute(probs, tf.tensor2d(MASK))) as tf.Scalar;

test('defaults: hard recalibration of every mixing-module layer, L_e and L_r with the right names, weights and values', () => {
  const { host } = makeHost('encoder');
  const plugin = applyMto(host);
  assert.equal(plugin.mixingModule, 'encoder');
  const sim = simulateStep(host, 0);
  for (let l = 0; l < LAYERS; l++) {
    assertBiased(sim, `encoder/${l}`, HARD_BIAS);
    assertUntouched(sim, `decoder/${l}`);
  }
  const got = terms(sim);
  assert.deepEqual(got.map((t) => [t.name, t.weight]), [
    ['mto/e', 0.1],
    ['mto/r', 0.1],
  ]);
  const hets = [0, 1, 2, 3].map((l) => het(sim.probs.get(`encoder/${l}`)!));
  // L_e is the hinge max(0, target - Het) of the first layer, L_r ranks layers 1..3 with the margin.
  assertClose(got[0].value, Math.max(0, DEFAULT_TARGET_E - hets[0].dataSync()[0]), 1e-6);
  assertClose(got[1].value, rankLoss(hets.slice(1), DEFAULT_DELTA).dataSync()[0], 1e-6);
});

test('the first reading stays available: entropy-gap with an unbounded L_e (targetE: null) and delta 0', () => {
  const { host } = makeHost('encoder');
  applyMto(host, { measure: 'entropy-gap', targetE: null, delta: 0 });
  const sim = simulateStep(host, 0);
  const got = terms(sim);
  const hets = [0, 1, 2, 3].map((l) => oldHet(sim.probs.get(`encoder/${l}`)!));
  assertClose(got[0].value, -hets[0].dataSync()[0], 1e-6);
  assertClose(got[1].value, rankLoss(hets.slice(1)).dataSync()[0], 1e-6);
});

test('only the configured layer range is recalibrated; module auto follows the model, an explicit module overrides it', () => {
  const { host } = makeHost('encoder');
  applyMto(host, { recalibration: { layers: { from: 1, to: -2 } }, lambdaE: 0, lambdaR: 0 });
  const sim = simulateStep(host, 0);
  assertUntouched(sim, 'encoder/0');
  assertBiased(sim, 'encoder/1', HARD_BIAS);
  assertBiased(sim, 'encoder/2', HARD_BIAS);
  assertUntouched(sim, 'encoder/3');

  const mae = makeHost('decoder');
  applyMto(mae.host, { recalibration: { beta: 3 }, lambdaE: 0, lambdaR: 0 });
  const maeSim = simulateStep(mae.host, 0);
  assertUntouched(maeSim, 'encoder/0');
  assertBiased(maeSim, 'decoder/0', 3);

  const explicit = makeHost('decoder');
  assert.equal(applyMto(explicit.host, { module: 'encoder' }).mixingModule, 'encoder');
});

test('warm-up scales the weights linearly; L_spa is added under soft recalibration with its hand-checked value', () => {
  const { host } = makeHost('encoder');
  applyMto(host, { recalibration: { beta: 2 }, lambdaSpa: 0.2, lambdaE: 0.1, lambdaR: 0, warmupSteps: 4 });
  const sim = simulateStep(host, 1); // factor (1 + 1) / 4 = 0.5
  const got = terms(sim);
  assert.deepEqual(got.map((t) => t.name), ['mto/spa', 'mto/e']);
  assertClose(got[0].weight, 0.1, 1e-12);
  assertClose(got[1].weight, 0.05, 1e-12);
  const tokenMask = tf.tensor2d(MASK);
  const expectedSpa = spaLoss([0, 1, 2, 3].map((l) => ({ probs: sim.probs.get(`encoder/${l}`)!, tokenMask })));
  assertClose(got[0].value, expectedSpa.dataSync()[0], 1e-6);
  assert.ok(got[0].value > 0);
  assert.equal(terms(simulateStep(host, 10)).every((t) => t.weight === (t.name === 'mto/spa' ? 0.2 : 0.1)), true);
});

test('L_spa is skipped where hard recalibration makes it 0, and counted over all layers elsewhere', () => {
  const all = makeHost('encoder');
  applyMto(all.host, { lambdaSpa: 1, lambdaE: 0, lambdaR: 0 });
  assert.deepEqual(terms(simulateStep(all.host, 0)), []);
  assert.ok(all.logger.lines.some((l) => /L_spa is identically 0/.test(l)));

  const part = makeHost('encoder');
  applyMto(part.host, { recalibration: { layers: { from: 0, to: 1 } }, lambdaSpa: 1, lambdaE: 0, lambdaR: 0 });
  const sim = simulateStep(part.host, 0);
  const tokenMask = tf.tensor2d(MASK);
  const soft = [2, 3].map((l) => ({ probs: sim.probs.get(`encoder/${l}`)!, tokenMask }));
  assertClose(terms(sim)[0].value, spaLoss(soft, 4).dataSync()[0], 1e-6);
});

test('a lambda of 0 switches its term off; with everything off nothing is tapped', () => {
  const { host } = makeHost('encoder');
  applyMto(host, { lambdaE: 0, lambdaR: 0.5 });
  assert.deepEqual(terms(simulateStep(host, 0)).map((t) => t.name), ['mto/r']);

  const off = makeHost('encoder');
  applyMto(off.host, { recalibration: { enabled: false }, lambdaSpa: 0, lambdaE: 0, lambdaR: 0 });
  for (const hook of off.host.hooks.all()) assert.equal(hook.isUsed, false, `${hook.name} is not tapped`);
  assert.equal(off.host.events.listenerCount('batchEnd'), 0);

  const recalOnly = makeHost('encoder');
  applyMto(recalOnly.host, { lambdaE: 0, lambdaR: 0 });
  const h = recalOnly.host.hooks;
  assert.deepEqual([h.attentionLogits.isUsed, h.attentionProbs.isUsed, h.blockOutput.isUsed, h.loss.isUsed], [true, false, false, false]);
});

test('a feature measure taps block outputs instead of attention probabilities', () => {
  const { host } = makeHost('encoder');
  applyMto(host, { measure: 'feature-cosine', lambdaR: 0, targetE: null });
  assert.equal(host.hooks.blockOutput.isUsed, true);
  assert.equal(host.hooks.attentionProbs.isUsed, false);
  const got = terms(simulateStep(host, 0));
  assert.equal(got[0].name, 'mto/e');
  assert.ok(Number.isFinite(got[0].value) && got[0].value < 0, `unbounded L_e = -Het: ${got[0].value}`);
});

test('evaluation passes add no terms but keep the recalibration', () => {
  const { host } = makeHost('encoder');
  const plugin = applyMto(host);
  const sim = simulateStep(host, 5, false);
  assert.deepEqual(sim.loss.terms, []);
  assertBiased(sim, 'encoder/0', HARD_BIAS);
  assert.equal(plugin.stepsApplied, 0);
});

test('diagnostics: per-layer reports of the mixing module on metric steps that are multiples of every', () => {
  const { host, reports } = makeHost('encoder');
  const plugin = applyMto(host, { lambdaE: 0, lambdaR: 0, diagnostics: { enabled: true, every: 2 } });
  simulateStep(host, 0); // (0 + 1) % 2 != 0
  assert.equal(reports.size, 0);
  const sim = simulateStep(host, 1);
  assert.deepEqual(sim.loss.terms, []);
  const names = [...reports.keys()].sort();
  assert.equal(names.length, 4 * LAYERS);
  for (let l = 0; l < LAYERS; l++) {
    for (const kind of ['het', 'vis2mask', 'entropy_masked', 'entropy_visible']) assert.ok(reports.has(`mto/${kind}/L${l}`), `mto/${kind}/L${l}`);
    assert.equal(reports.get(`mto/vis2mask/L${l}`), 0, 'hard recalibration: no visible->masked mass');
    assertClose(reports.get(`mto/het/L${l}`)!, het(sim.probs.get(`encoder/${l}`)!).dataSync()[0], 1e-6);
  }
  // The trainer reads the reports after the step and emits them; the plugin keeps moving means.
  host.events.safeEmit('batchEnd', { step: 2, epoch: 0, loss: 1, terms: {}, lr: 0, samplesPerSec: 0, extra: { 'mto/het/L0': 0.5, other: 1 }, batchIndex: 2 });
  host.events.safeEmit('batchEnd', { step: 4, epoch: 0, loss: 1, terms: {}, lr: 0, samplesPerSec: 0, extra: { 'mto/het/L0': 1.5 }, batchIndex: 4 });
  assertClose(plugin.diagnosticMeansByName()['mto/het/L0'], 0.9 * 0.5 + 0.1 * 1.5, 1e-12);
  assert.equal(plugin.diagnosticMeansByName().other, undefined);
});

test('diagnostics are not reported on steps the trainer does not log', () => {
  const { host, reports } = makeHost('encoder', (step) => step % 10 === 0);
  applyMto(host, { diagnostics: { enabled: true } });
  simulateStep(host, 3);
  assert.equal(reports.size, 0);
  simulateStep(host, 10);
  assert.equal(reports.size, 4 * LAYERS);
});

test('the terms are differentiable inside the tape: finite, non-zero gradients to the logits', () => {
  const { host } = makeHost('encoder');
  applyMto(host, { recalibration: { beta: 1 }, lambdaSpa: 1, lambdaE: 1, lambdaR: 1 });
  const logitVars = Array.from({ length: LAYERS }, (_, l) => tf.variable(layerLogits('encoder', l)));
  const { value, grads } = tf.variableGrads(() => {
    const sim = simulateStep(host, 0, true, (module, layer) => (module === 'encoder' ? (logitVars[layer].clone() as tf.Tensor4D) : layerLogits(module, layer)));
    return tf.addN(sim.loss.terms.map((t) => tf.mul(t.value, t.weight))) as tf.Scalar;
  }, logitVars);
  assertAllFinite(value);
  for (const v of logitVars) {
    assertAllFinite(grads[v.name], v.name);
    assert.ok(tf.sum(tf.abs(grads[v.name])).dataSync()[0] > 0, `${v.name} gets a gradient`);
  }
});

test('getState/setState round-trip through JSON; invalid state is rejected', () => {
  const { host } = makeHost('encoder');
  const plugin = applyMto(host, { diagnostics: { enabled: true } });
  simulateStep(host, 0);
  simulateStep(host, 1);
  simulateStep(host, 2, false);
  simulateStep(host, 2);
  host.events.safeEmit('batchEnd', { step: 2, epoch: 0, loss: 1, terms: {}, lr: 0, samplesPerSec: 0, extra: { 'mto/het/L1': 0.25 }, batchIndex: 2 });
  const state = plugin.getState();
  assert.deepEqual(state, { appliedSteps: 3, diagnostics: { 'mto/het/L1': { mean: 0.25, count: 1 } } });
  const restored = new MtoPlugin({});
  restored.setState(JSON.parse(JSON.stringify(state)));
  assert.deepEqual(restored.getState(), state);
  assert.equal(restored.stepsApplied, 3);
  assert.throws(() => restored.setState({ appliedSteps: -1 }), /invalid plugin state/);
});

test('registration, options validation, getConfig and dispose', () => {
  assert.equal(registry.has('plugin', 'mto'), true);
  const { options } = registry.parseOptions('plugin', { name: 'mto', lambdaE: 0.2 });
  assert.equal(options.lambdaE, 0.2);
  assert.equal(options.recalibration.beta, 'inf');
  assert.deepEqual(options.recalibration.layers, { from: 0, to: -1 });
  const plugin = registry.create<MtoPlugin>('plugin', { name: 'mto', lambdaE: 0.2 }, {} as PartContext);
  assert.equal(plugin.name, 'mto');
  assert.deepEqual(plugin.getConfig(), options);
  assert.equal(registry.parseOptions('plugin', { name: 'mto', recalibration: { beta: Infinity } }).options.recalibration.beta, 'inf');
  assert.throws(() => registry.parseOptions('plugin', { name: 'mto', lambdaE: -1 }), ConfigError);
  assert.throws(() => registry.parseOptions('plugin', { name: 'mto', lamdaE: 1 }), ConfigError);
  assert.throws(() => registry.parseOptions('plugin', { name: 'mto', measure: 'nope' }), /unknown heterogeneity measure 'nope'/);
  assert.throws(() => applyMto(makeHost().host, { recalibration: { beta: 'infinite' } } as unknown as MtoOptionsInput), ConfigError);

  const { host } = makeHost('encoder');
  const applied = applyMto(host, { diagnostics: { enabled: true } });
  applied.dispose();
  for (const hook of host.hooks.all()) assert.equal(hook.isUsed, false, `${hook.name} untapped after dispose`);
  assert.equal(host.events.listenerCount('batchEnd'), 0);
});

test('the log says the recalibrated layers in words, and an L_r without later pairs once, as information', () => {
  const { host, logger } = makeHost('encoder');
  // 4 layers, 3 of them early: one later layer, no pair for L_r to rank.
  applyMto(host, { earlyLayers: 3, lambdaE: 0.1, lambdaR: 0.1 });
  assert.ok(logger.lines.some((l) => /^mto: module 'encoder', hard recalibration \(visible tokens ignore masked ones\) in every layer, L_e x 0.1 \(target 0.2\), L_r x 0.1 \(margin 0.05\)/.test(l)), logger.lines.join('\n'));
  assert.ok(!logger.lines.some((l) => /beta=inf|0\.\.-1/.test(l)));
  simulateStep(host, 0);
  simulateStep(host, 1);
  const rank = logger.lines.filter((l) => /L_r is off/.test(l));
  assert.deepEqual(rank, ["mto: L_r is off: it ranks pairs of later layers, and module 'encoder' has 4 layers of which 3 are early (earlyLayers), leaving 1 later layer"]);
  assert.ok(!logger.lines.some((l) => l.startsWith('warn:')), logger.lines.join('\n'));

  const soft = makeHost('encoder');
  applyMto(soft.host, { recalibration: { beta: 2, layers: { from: 1, to: -1 } } });
  assert.ok(soft.logger.lines.some((l) => /soft recalibration \(attention logits of visible tokens on masked ones lowered by 2\) in layers 1 to the last \(0-based\)/.test(l)), soft.logger.lines.join('\n'));
  const last = makeHost('encoder');
  applyMto(last.host, { recalibration: { layers: { from: -2, to: -1 } } });
  assert.ok(last.logger.lines.some((l) => /in the last 2 layers,/.test(l)), last.logger.lines.join('\n'));
});
