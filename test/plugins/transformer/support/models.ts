import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { noHooks, type AttentionInfo, type ForwardContext, type MaskBatch, type MaskedModel, type NamedVariable, type PreparedBatch, type TokenLayout } from '@mtojs/core';
import { MaeModel, SimMimModel, type MaeOptionsInput, type SimMimOptionsInput } from '@mtojs/transformer';
import { ToyAdapter, gridLayout, initializer } from './toy-task.js';

/** Tiny sizes so the suite stays fast on the cpu backend. */
export const TINY_MAE: MaeOptionsInput = { width: 16, depth: 2, heads: 4, decoderWidth: 8, decoderDepth: 2, decoderHeads: 2 };
export const TINY_SIMMIM: SimMimOptionsInput = { width: 16, depth: 2, heads: 4 };

export function buildMae(options: MaeOptionsInput = {}, layout: TokenLayout = gridLayout(4, 4), seed = 0): { model: MaeModel; adapter: ToyAdapter } {
  const model = new MaeModel({ ...TINY_MAE, ...options });
  const adapter = new ToyAdapter(layout);
  model.build(layout, adapter, initializer(seed));
  return { model, adapter };
}

export function buildSimMim(options: SimMimOptionsInput = {}, layout: TokenLayout = gridLayout(4, 4), seed = 0): { model: SimMimModel; adapter: ToyAdapter } {
  const model = new SimMimModel({ ...TINY_SIMMIM, ...options });
  const adapter = new ToyAdapter(layout);
  model.build(layout, adapter, initializer(seed));
  return { model, adapter };
}

export function variableByName(model: MaskedModel, name: string): tf.Variable {
  const found = model.variables().find((v) => v.name === name);
  if (!found) throw new Error(`no variable '${name}'`);
  return found.variable;
}

/**
 * Zeroes the residual branches (attention output projection and second MLP layer) of every
 * block of `module`, so each block passes its input through unchanged: block outputs then show
 * exactly what entered the module.
 */
export function makeBlocksIdentity(model: MaskedModel, module: string): void {
  const branch = new RegExp(`^${module}/block\\d+/(attn/proj|mlp/fc2)/(kernel|bias)$`);
  for (const v of model.variables().filter((v: NamedVariable) => branch.test(v.name))) v.variable.assign(tf.zerosLike(v.variable));
}

/** One hook call as the tests record it. */
export interface HookCall {
  hook: 'attentionLogits' | 'attentionProbs' | 'blockOutput';
  info: AttentionInfo;
  /** Shape of the tensor the hook received. */
  shape: number[];
}

/** A forward context whose hooks record every call (taps named 'recorder'). */
export function recordingContext(mask: tf.Tensor2D | null = null, padding: tf.Tensor2D | null = null): { ctx: ForwardContext; calls: HookCall[] } {
  const ctx = noHooks(mask, padding);
  const calls: HookCall[] = [];
  ctx.hooks.attentionLogits.tap('recorder', (logits, info) => {
    calls.push({ hook: 'attentionLogits', info, shape: logits.shape });
    return logits;
  });
  ctx.hooks.attentionProbs.tap('recorder', ({ probs }, info) => calls.push({ hook: 'attentionProbs', info, shape: probs.shape }));
  ctx.hooks.blockOutput.tap('recorder', ({ features }, info) => calls.push({ hook: 'blockOutput', info, shape: features.shape }));
  return { ctx, calls };
}

/** Every variable gets a non-zero gradient from the sum of predictions at masked positions. */
export function assertEveryVariableReached(model: MaskedModel, batch: PreparedBatch, mask: MaskBatch): void {
  const vars = model.variables();
  const { value, grads } = tf.variableGrads(() => {
    const { pred } = model.forward(batch, mask, noHooks(mask.mask, batch.padding ?? null));
    return tf.sum(tf.mul(pred, tf.expandDims(mask.mask, -1))) as tf.Scalar;
  }, vars.map((v) => v.variable));
  try {
    for (const v of vars) {
      const g = grads[v.variable.name];
      assert.ok(g, `no gradient reached ${v.name}`);
      assert.ok(tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0]) > 0, `the gradient of ${v.name} is all zeros`);
    }
  } finally {
    value.dispose();
    Object.values(grads).forEach((g) => g.dispose());
  }
}

