import * as tf from '@tensorflow/tfjs-core';
import type { MaskedModel } from '../parts/model.js';
import type { ModalityAdapter } from '../parts/adapter.js';
import type { DataBatch, DataSource, Split } from '../parts/data.js';
import type { NamedVariable, PartContext } from '../parts/part.js';
import { finetuneSchema, type FinetuneConfig, type FinetuneConfigInput } from '../config/schema.js';
import { Rng } from '../rng/rng.js';
import { Initializer } from '../train/initializer.js';
import { AdamW } from '../optim/adam.js';
import { WarmupCosineSchedule } from '../optim/schedule.js';
import { layerDecayScales } from '../optim/layer-decay.js';
import { ConfigError } from '../util/errors.js';
import type { Logger } from '../run/logger.js';
import { ClassifierHead } from './classifier-head.js';
import { stratifiedSample } from './few-labels.js';

export interface FinetuneOptions {
  /** The pre-trained model, built; its weights are copied, never changed. */
  model: MaskedModel;
  /** The run's adapter, set up (its layout fixed). */
  adapter: ModalityAdapter;
  /** A loaded, labelled data source: its training split gives the labelled examples. */
  data: DataSource;
  /** The `eval.finetune` fields (defaults for the rest; `enabled` is not read here). */
  config?: FinetuneConfigInput;
  /** Drives the copy's initialisation, the head, the labelled subset and the batch order. */
  seed?: number;
  /** The split scored (default: 'val' when the data has one, else 'test'). */
  split?: Split;
  /** Fine-tune the same architecture from its random initialisation instead (the control). */
  fromScratch?: boolean;
  /**
   * A new, unbuilt model of the same architecture. Default: the model's class constructed from
   * its `getConfig()`, as the registry would construct it.
   */
  createModel?: () => MaskedModel;
  logger?: Logger;
  /** Called after each epoch. */
  onEpoch?: (e: FinetuneEpoch) => void;
}

export interface FinetuneEpoch {
  epoch: number;
  /** Mean training cross-entropy of the epoch (with label smoothing when on). */
  loss: number;
  /** Accuracy on the epoch's training batches. */
  trainAcc: number;
}

export interface FinetuneResult {
  /** Accuracy on the evaluation split. */
  accuracy: number;
  /** Labelled training examples used. */
  trainExamples: number;
  evalExamples: number;
  split: Split;
  epochs: number;
  freeze: FinetuneConfig['freeze'];
  fromScratch: boolean;
  /** Wall time, seconds. */
  seconds: number;
  history: FinetuneEpoch[];
}

/**
 * Fine-tunes a copy of `model`'s encoder with a classification head on its pooled features
 * (`model.encode`: mean or CLS, as the model's pooling option says) and returns the accuracy on
 * the evaluation split. The copy has the same architecture, is built with the seed's `init`
 * stream (so a run with the same seed starts from the same random weights) and, unless
 * `fromScratch`, takes the model's weights by name; it is disposed before returning. Only the
 * variables that the encoder path reaches are trained (an MAE decoder is left out). Inputs are
 * prepared as for evaluation (no augmentation) and no trainer hooks run, so the fine-tuned
 * encoder is the plain one a user would load. Deterministic for a seed.
 */
export async function finetune(opts: FinetuneOptions): Promise<FinetuneResult> {
  const cfg = finetuneSchema.parse(opts.config ?? {});
  const { adapter, data } = opts;
  const seed = opts.seed ?? 0;
  const rng = new Rng(seed);
  const split = opts.split ?? (data.size('val') > 0 ? 'val' : 'test');
  const numClasses = data.info.classNames?.length ?? 0;
  if (numClasses < 2) throw new ConfigError(`eval.finetune: the data (modality '${data.info.modality}') has no class names; fine-tuning needs labelled data`);
  const trainSize = data.size('train');
  if (trainSize === 0) throw new ConfigError(`eval.finetune: the training split is empty; fine-tuning needs labelled training examples`);
  if (cfg.labels > trainSize) throw new ConfigError(`eval.finetune.labels: ${cfg.labels} labelled examples asked for, but the training split has ${trainSize}`);
  const evalCount = cfg.maxEvalExamples > 0 ? Math.min(cfg.maxEvalExamples, data.size(split)) : data.size(split);
  if (evalCount === 0) throw new ConfigError(`eval.finetune: the '${split}' split is empty; nothing to score`);
  const t0 = performance.now();

  const trainLabels = readLabels(data, 'train', trainSize, cfg.evalBatchSize);
  const chosen = stratifiedSample(trainLabels, cfg.labels, rng.stream('finetune/labels'));

  const copy = buildCopy(opts, seed);
  let head: ClassifierHead | null = null;
  const optimizers: AdamW[] = [];
  try {
    // The labelled examples' features before fine-tuning: the head's standardisation, and with a
    // frozen encoder the head's whole training input (computed once).
    const initial = encodeAll(copy, adapter, data, 'train', chosen, cfg.evalBatchSize);
    head = new ClassifierHead(new Initializer(rng.stream('finetune/head')), initial.features.shape[1], numClasses, cfg.headNorm);
    const h = head;
    if (cfg.standardize) h.standardize(initial.features);
    const frozen = cfg.freeze === 'encoder';
    const cached = frozen ? initial : null;
    if (!frozen) initial.features.dispose();
    const candidates: NamedVariable[] = [...(frozen ? [] : copy.variables().filter((p) => p.variable.trainable)), ...h.variables()];
    const steps = Math.ceil(chosen.length / cfg.batchSize);
    const schedule = new WarmupCosineSchedule({ warmupSteps: 0, warmupEpochs: cfg.warmupEpochs, minLrRatio: 0 });
    schedule.setup({ totalSteps: steps * cfg.epochs, stepsPerEpoch: steps });
    let groups: { params: NamedVariable[]; scale: number; opt: AdamW }[] | null = null;
    const history: FinetuneEpoch[] = [];
    let step = 0;
    try {
      for (let epoch = 0; epoch < cfg.epochs; epoch++) {
        const order = rng.stream(`finetune/epoch-${epoch}`).permutation(chosen.length);
        const losses: tf.Scalar[] = [];
        const correct: tf.Scalar[] = [];
        for (let b = 0; b < steps; b++) {
          const rows = Array.from(order.subarray(b * cfg.batchSize, (b + 1) * cfg.batchSize));
          const lr = schedule.lr(step, cfg.lr);
          const out = tf.tidy(() => {
            let features: () => tf.Tensor2D;
            let labels: Int32Array;
            if (cached) {
              const at = tf.tensor1d(rows, 'int32');
              labels = Int32Array.from(rows, (r) => cached.labels[r]);
              features = () => tf.gather(cached.features, at);
            } else {
              const batch = data.batch('train', rows.map((r) => chosen[r]));
              labels = requireLabels(batch, 'train');
              const prepared = adapter.prepare(batch);
              features = () => copy.encode(prepared);
            }
            const targets = smoothedOneHot(labels, numClasses, cfg.labelSmoothing);
            const truth = tf.tensor1d(labels, 'int32');
            let hits: tf.Scalar | null = null;
            const { value, grads } = tf.variableGrads(() => {
              const logits = h.apply(features());
              hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), truth), 'float32')) as tf.Scalar);
              return tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1))) as tf.Scalar;
            }, candidates.map((p) => p.variable));
            // The first step shows which variables the encoder path reaches (an MAE decoder and
            // the reconstruction head are not); only those get an optimiser.
            if (!groups) groups = makeGroups(candidates.filter((p) => grads[p.variable.name]), cfg);
            for (const g of groups) g.opt.apply(g.params, g.params.map((p) => grads[p.variable.name]), lr * g.scale);
            return { value, hits: hits! };
          });
          losses.push(out.value);
          correct.push(out.hits);
          step++;
        }
        const sums = tf.tidy(() => tf.stack([tf.addN(losses), tf.addN(correct)]));
        const [lossSum, hitSum] = sums.dataSync();
        sums.dispose();
        losses.forEach((t) => t.dispose());
        correct.forEach((t) => t.dispose());
        const e: FinetuneEpoch = { epoch, loss: lossSum / steps, trainAcc: hitSum / chosen.length };
        history.push(e);
        opts.onEpoch?.(e);
        // Let timers and signal handlers run between epochs of a long fine-tune.
        await new Promise<void>((resolve) => setTimeout(resolve, 0));
      }
    } finally {
      cached?.features.dispose();
    }
    const accuracy = scoreSplit(copy, h, adapter, data, split, evalCount, cfg.evalBatchSize);
    const result: FinetuneResult = {
      accuracy,
      trainExamples: chosen.length,
      evalExamples: evalCount,
      split,
      epochs: cfg.epochs,
      freeze: cfg.freeze,
      fromScratch: opts.fromScratch ?? false,
      seconds: (performance.now() - t0) / 1000,
      history,
    };
    opts.logger?.debug(`fine-tune: ${(100 * accuracy).toFixed(1)}% on ${evalCount} ${split} examples after ${cfg.epochs} epochs on ${chosen.length} labels (${result.seconds.toFixed(1)} s)`);
    return result;
  } finally {
    optimizers.forEach((o) => o.dispose());
    head?.dispose();
    disposeModel(copy);
  }

  function makeGroups(params: NamedVariable[], c: FinetuneConfig) {
    const scales = layerDecayScales(params, c.layerDecay);
    const byScale = new Map<number, NamedVariable[]>();
    params.forEach((p, i) => {
      const list = byScale.get(scales[i]) ?? [];
      list.push(p);
      byScale.set(scales[i], list);
    });
    // One AdamW per learning-rate group: each steps every time, so bias correction stays exact.
    const made = [...byScale.entries()].map(([scale, ps]) => {
      const opt = new AdamW({ lr: c.lr, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: c.weightDecay });
      optimizers.push(opt);
      return { params: ps, scale, opt };
    });
    return made;
  }
}

/** A copy of the model's architecture, built from the seed's `init` stream, with the model's weights unless from scratch. */
function buildCopy(opts: FinetuneOptions, seed: number): MaskedModel {
  const source = opts.model;
  const copy = opts.createModel
    ? opts.createModel()
    : new (source.constructor as new (options: Record<string, unknown>, ctx?: PartContext) => MaskedModel)(source.getConfig());
  try {
    copy.build(opts.adapter.layout, opts.adapter, new Initializer(new Rng(seed).stream('init')));
    if (!opts.fromScratch) {
      const byName = new Map(source.variables().map((p) => [p.name, p.variable]));
      for (const p of copy.variables()) {
        const src = byName.get(p.name);
        if (!src) throw new Error(`fine-tune: the model has no variable '${p.name}' that its copy has; createModel must build the same architecture`);
        if (src.shape.join(',') !== p.variable.shape.join(',')) {
          throw new Error(`fine-tune: variable '${p.name}' is [${src.shape}] in the model but [${p.variable.shape}] in its copy`);
        }
        p.variable.assign(src);
      }
    }
    return copy;
  } catch (e) {
    disposeModel(copy);
    throw e;
  }
}

function disposeModel(m: MaskedModel): void {
  const d = (m as { dispose?: () => void }).dispose;
  if (d) d.call(m);
  else {
    try {
      for (const p of m.variables()) if (!p.variable.isDisposed) p.variable.dispose();
    } catch {
      // not built: nothing to free
    }
  }
}

function requireLabels(batch: DataBatch, split: Split): Int32Array {
  if (!batch.labels) throw new ConfigError(`eval.finetune: split '${split}' has no labels; fine-tuning needs labelled data`);
  return batch.labels;
}

/** Every label of a split, read in batches (the inputs are freed at once). */
function readLabels(data: DataSource, split: Split, count: number, batchSize: number): Int32Array {
  const out = new Int32Array(count);
  for (let s = 0; s < count; s += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, count - s) }, (_, i) => s + i);
    out.set(tf.tidy(() => requireLabels(data.batch(split, idx), split)), s);
  }
  return out;
}

function smoothedOneHot(labels: Int32Array, numClasses: number, smoothing: number): tf.Tensor2D {
  const hot = tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses), 'float32') as tf.Tensor2D;
  return smoothing > 0 ? (tf.add(tf.mul(hot, 1 - smoothing), smoothing / numClasses) as tf.Tensor2D) : hot;
}

/** Pooled features of the examples at `rows` of a split, [rows, W], with their labels. */
function encodeAll(model: MaskedModel, adapter: ModalityAdapter, data: DataSource, split: Split, rows: Int32Array, batchSize: number): { features: tf.Tensor2D; labels: Int32Array } {
  const labels = new Int32Array(rows.length);
  const parts: tf.Tensor2D[] = [];
  for (let s = 0; s < rows.length; s += batchSize) {
    parts.push(
      tf.tidy(() => {
        const batch = data.batch(split, rows.subarray(s, s + batchSize));
        labels.set(requireLabels(batch, split), s);
        return model.encode(adapter.prepare(batch));
      }),
    );
  }
  const features = parts.length === 1 ? parts[0] : (tf.concat(parts, 0) as tf.Tensor2D);
  if (parts.length > 1) parts.forEach((p) => p.dispose());
  return { features, labels };
}

/** Accuracy of encoder + head on the first `count` examples of a split. */
function scoreSplit(model: MaskedModel, head: ClassifierHead, adapter: ModalityAdapter, data: DataSource, split: Split, count: number, batchSize: number): number {
  let correct = 0;
  for (let s = 0; s < count; s += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, count - s) }, (_, i) => s + i);
    let labels: Int32Array = new Int32Array(0);
    const pred = tf.tidy(() => {
      const batch = data.batch(split, idx);
      labels = requireLabels(batch, split);
      return tf.argMax(head.apply(model.encode(adapter.prepare(batch))), 1);
    });
    const p = pred.dataSync();
    pred.dispose();
    for (let i = 0; i < p.length; i++) if (p[i] === labels[i]) correct++;
  }
  return correct / count;
}
