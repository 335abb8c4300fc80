import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import {
  MemoryLogger,
  TrainerEvents,
  TrainerHooks,
  type AttentionInfo,
  type LossContext,
  type LossTerm,
  type PluginHost,
  type StepContext,
} from '@mtojs/core';

/** Asserts |actual - expected| <= tol for a number or each element of a tensor. */
export function assertClose(actual: number | tf.Tensor, expected: number | number[], tol = 1e-5, what = 'value'): void {
  const a = typeof actual === 'number' ? [actual] : Array.from(actual.dataSync());
  const e = typeof expected === 'number' ? [expected] : expected;
  assert.equal(a.length, e.length, `${what}: length ${a.length} != ${e.length}`);
  a.forEach((v, i) => assert.ok(Math.abs(v - e[i]) <= tol, `${what}[${i}]: ${v} is not within ${tol} of ${e[i]}`));
}

export function assertAllFinite(t: tf.Tensor, what = 'tensor'): void {
  const d = t.dataSync();
  for (let i = 0; i < d.length; i++) assert.ok(Number.isFinite(d[i]), `${what}[${i}] is ${d[i]}`);
}

/** A host shaped like the trainer's, from real hooks and events, recording reports and log lines. */
export function makeHost(mixingModule = 'encoder', wantsMetrics: (step: number) => boolean = () => true) {
  const reports = new Map<string, number>();
  const logger = new MemoryLogger();
  const host = {
    hooks: new TrainerHooks(),
    events: new TrainerEvents(),
    model: { mixingModule },
    logger,
    report(name: string, value: tf.Scalar) {
      reports.set(name, value.dataSync()[0]);
      value.dispose();
    },
    wantsMetrics,
    requestStop() {},
  } as unknown as PluginHost;
  return { host, reports, logger };
}

/** A LossContext over a step context that records the terms plugins add. */
export function makeLossContext(step: StepContext, taskLoss: tf.Scalar = tf.scalar(1)): LossContext & { terms: LossTerm[] } {
  const terms: LossTerm[] = [];
  return {
    ...step,
    taskLoss,
    terms,
    add(name: string, value: tf.Scalar, weight = 1) {
      terms.push({ name, value, weight });
    },
  };
}

export function stepContext(step: number, training = true, mask: tf.Tensor2D | null = null): StepContext {
  return { step, epoch: 0, training, mask, padding: null };
}

export function info(module: string, layer: number, numLayers: number, tokenMask: tf.Tensor2D | null, numHeads = 1): AttentionInfo {
  return { module, layer, numLayers, numHeads, tokenMask, tokenPadding: null };
}
