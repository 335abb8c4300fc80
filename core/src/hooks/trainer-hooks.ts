import type * as tf from '@tensorflow/tfjs-core';
import { SyncHook, SyncWaterfallHook, type HookTracer } from './hook.js';

/** What every hook receives about the step being computed. */
export interface StepContext {
  /** Global optimiser step (0-based) of the step being computed. */
  step: number;
  epoch: number;
  /** True for training steps; false for evaluation/analysis forward passes. */
  training: boolean;
  /** The batch's mask, [B, N] float32, 1 = masked token (in the adapter's token order, no CLS). */
  mask: tf.Tensor2D | null;
  /** Padding of the batch, [B, N] float32, 1 = padding; null when the modality has none. */
  padding: tf.Tensor2D | null;
}

/** Where an attention layer sits and what its tokens are. */
export interface AttentionInfo {
  /** The module the layer belongs to, e.g. 'encoder' or 'decoder'. */
  module: string;
  /** 0-based index of the layer within its module. */
  layer: number;
  /** Number of attention layers in the module. */
  numLayers: number;
  numHeads: number;
  /**
   * [B, T] float32 aligned with this layer's token axis: 1 where the token is a mask token.
   * Extra tokens such as CLS count as visible (0). Null where no mask token enters the module
   * (an MAE encoder, or a forward pass without masking).
   */
  tokenMask: tf.Tensor2D | null;
  /** [B, T] float32, 1 = padding key (never attended). Null where there is none. */
  tokenPadding: tf.Tensor2D | null;
}

/** What an attention layer shows its observers after the softmax. */
export interface AttentionObservation {
  /** Softmax attention probabilities, [B, H, T, T] (rows = queries, columns = keys). */
  probs: tf.Tensor4D;
}

/** What a transformer block shows its observers after it ran. */
export interface BlockObservation {
  /** Token features after the block (h^l), [B, T, W]. */
  features: tf.Tensor3D;
}

/** A named loss term added by a plugin. */
export interface LossTerm {
  name: string;
  /** The unweighted scalar. */
  value: tf.Scalar;
  /** Multiplier applied in the total. */
  weight: number;
}

/** Passed to `loss` taps: the task loss, and a way to add named terms to the total. */
export interface LossContext extends StepContext {
  readonly taskLoss: tf.Scalar;
  readonly terms: readonly LossTerm[];
  /** Adds `weight * value` to the total loss, logged under `name`. A weight of 0 adds nothing to the total but still logs. */
  add(name: string, value: tf.Scalar, weight?: number): void;
}

/**
 * The hooks through which plugins change a training step. They run synchronously inside the
 * gradient tape, in the order given by each tap's `stage` and `before`/`after`.
 *
 * | hook              | fires                                                        | may change |
 * |-------------------|--------------------------------------------------------------|------------|
 * | stepStart         | before the forward pass of every step (training or eval)     | plugin state |
 * | attentionLogits   | in each attention layer, on the logits before the softmax    | the logits (return them) |
 * | attentionProbs    | in each attention layer, after the softmax                   | nothing (observe) |
 * | blockOutput       | after each transformer block                                 | nothing (observe) |
 * | loss              | after the task loss, before the total is formed              | adds named terms |
 * | stepEnd           | after the loss (still inside the tape)                       | plugin state |
 */
export class TrainerHooks {
  readonly stepStart = new SyncHook<[StepContext]>('stepStart');
  readonly attentionLogits = new SyncWaterfallHook<tf.Tensor4D, [AttentionInfo, StepContext]>('attentionLogits');
  readonly attentionProbs = new SyncHook<[AttentionObservation, AttentionInfo, StepContext]>('attentionProbs');
  readonly blockOutput = new SyncHook<[BlockObservation, AttentionInfo, StepContext]>('blockOutput');
  readonly loss = new SyncHook<[LossContext]>('loss');
  readonly stepEnd = new SyncHook<[StepContext]>('stepEnd');

  all() {
    return [this.stepStart, this.attentionLogits, this.attentionProbs, this.blockOutput, this.loss, this.stepEnd] as const;
  }

  /** Turns tracing on (a tracer) or off (null) for every hook. */
  setTracer(tracer: HookTracer | null): void {
    for (const h of this.all()) h.tracer = tracer;
  }
}

/**
 * What a model needs in order to run its layers through the hooks. Models receive it in every
 * forward pass; outside a trainer (inference, tests) use `noHooks(...)`.
 */
export interface ForwardContext {
  hooks: TrainerHooks;
  step: StepContext;
}

/** A forward context with no taps, for plain inference. */
export function noHooks(mask: tf.Tensor2D | null = null, padding: tf.Tensor2D | null = null): ForwardContext {
  return { hooks: new TrainerHooks(), step: { step: 0, epoch: 0, training: false, mask, padding } };
}
