import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import type { NamedVariable, PartContext } from '../parts/part.js';
import { decays, type NamedTensor, type Optimizer } from './optimizer.js';
import { FlatSlots } from './flat-slots.js';
import { sumOfSquares } from './clip.js';

const adamSchema = z.strictObject({
  lr: z.number().positive().default(1e-3),
  // A beta of 1 never updates its moment: the bias correction divides by 0 at step 1.
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.999),
  /** Added to the denominator for stability; above 1 it would swamp the update. */
  epsilon: z.number().positive().max(1).default(1e-8),
  /** Adam: L2 penalty added to the gradient; AdamW: decoupled decay (Loshchilov & Hutter). */
  weightDecay: z.number().min(0).default(0),
});
export type AdamOptions = z.infer<typeof adamSchema>;

/**
 * Adam (Kingma & Ba) with bias correction. `weightDecay` here is the classic L2 term added to the
 * gradient, as torch.optim.Adam does.
 */
export class Adam implements Optimizer {
  static readonly className: string = 'adam';
  static readonly description: string = 'Adam with bias correction; weightDecay adds an L2 term to the gradient';
  static readonly optionsSchema = adamSchema;

  /** m and v of every parameter, in flat buffers: one for the parameters that decay, one for the rest. */
  protected readonly slots: FlatSlots;
  protected t = 0;
  protected decoupled = false;

  constructor(
    readonly options: AdamOptions,
    _ctx?: PartContext,
  ) {
    this.slots = new FlatSlots(['m', 'v'], (p) => decays(p) && options.weightDecay > 0);
  }

  get learningRate(): number {
    return this.options.lr;
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options };
  }

  /**
   * One update of every parameter. Each group of parameters (weight decay on, off) is updated
   * as one flat buffer: its gradients and weights are concatenated, the Adam arithmetic runs once
   * on the whole buffer (the same operations, in the same order, as one tensor at a time, so the
   * results are bit-identical), and the new weights are split back. A bound parameter missing
   * from `params` (no gradient this step) keeps its weights and moments, as torch skips it.
   */
  apply(params: NamedVariable[], grads: tf.Tensor[], lr: number): void {
    this.update(params, grads, lr, 0);
  }

  /**
   * Scales the gradients so their global L2 norm is at most `maxNorm` (as clipByGlobalNorm,
   * torch's clip_grad_norm_), then updates as `apply`; returns the norm before clipping (the
   * caller disposes it). The norm is taken over the flat buffers: a few kernels, not three per
   * parameter tensor.
   */
  applyClipped(params: NamedVariable[], grads: tf.Tensor[], lr: number, maxNorm: number): tf.Scalar {
    return this.update(params, grads, lr, maxNorm)!;
  }

  private update(params: NamedVariable[], grads: tf.Tensor[], lr: number, maxNorm: number): tf.Scalar | null {
    this.slots.bind(params);
    this.slots.releaseViews();
    this.t += 1;
    const { beta1: b1, beta2: b2, epsilon, weightDecay } = this.options;
    const c1 = 1 - Math.pow(b1, this.t);
    const c2 = 1 - Math.pow(b2, this.t);
    const byVariable = new Map(params.map((p, i) => [p.variable, grads[i]]));
    const preClipNorm = tf.tidy(() => {
      const gathered = this.slots.groups.map((group) => ({ group, ...this.slots.gatherGradients(group, byVariable) }));
      let norm: tf.Scalar | null = null;
      let scale: tf.Scalar | null = null;
      if (maxNorm > 0) {
        const squares = gathered.map((x) => sumOfSquares(x.flat));
        norm = tf.sqrt(squares.length === 1 ? squares[0] : tf.addN(squares)) as tf.Scalar;
        scale = tf.minimum(tf.div(maxNorm, tf.add(norm, 1e-6)), 1) as tf.Scalar;
      }
      for (const { group, flat, present, has } of gathered) {
        if (!has.some(Boolean)) continue;
        const { m: mSlot, v: vSlot } = group.slots;
        const w = this.slots.gatherWeights(group);
        const wd = group.key ? weightDecay : 0;
        let g: tf.Tensor = scale ? tf.mul(flat, scale) : flat;
        if (wd > 0 && !this.decoupled) g = tf.add(g, tf.mul(w, wd));
        let m = tf.add(tf.mul(mSlot, b1), tf.mul(g, 1 - b1));
        let v = tf.add(tf.mul(vSlot, b2), tf.mul(tf.square(g), 1 - b2));
        // Same arithmetic as torch: p -= lr * m_hat / (sqrt(v_hat) + eps).
        const update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), epsilon));
        let next = tf.sub(w, tf.mul(update, lr));
        if (wd > 0 && this.decoupled) next = tf.sub(next, tf.mul(w, lr * wd));
        if (present) {
          m = tf.where(present, m, mSlot);
          v = tf.where(present, v, vSlot);
        }
        mSlot.assign(m);
        vSlot.assign(v);
        this.slots.scatterWeights(group, next as tf.Tensor1D, present ? has : undefined);
      }
      return norm ?? undefined;
    });
    return (preClipNorm as tf.Scalar | undefined) ?? null;
  }

  /** `${param}/m` and `${param}/v` per parameter, in its shape (views valid until the next apply). */
  getWeights(): NamedTensor[] {
    return this.slots.namedSlots();
  }

  /** Restores slots by name; call after the first `bind` so variables are known (see `bind`). */
  setWeights(weights: NamedTensor[]): void {
    this.slots.restore(weights);
  }

  /** Creates the slots for these parameters now (so a checkpoint can be restored into them). */
  bind(params: NamedVariable[]): void {
    this.slots.bind(params);
  }

  getState(): Record<string, unknown> {
    return { t: this.t };
  }

  setState(state: Record<string, unknown>): void {
    const t = state.t ?? 0;
    // The step count drives bias correction: anything but a whole count would poison every update.
    if (typeof t !== 'number' || !Number.isSafeInteger(t) || t < 0) throw new TypeError(`t: expected a step count (an integer >= 0), found ${JSON.stringify(t)}`);
    this.t = t;
  }

  dispose(): void {
    this.slots.dispose();
  }
}

/** AdamW: Adam with decoupled weight decay (default 0.05, the MAE pre-training value). */
export class AdamW extends Adam {
  static override readonly className: string = 'adamw';
  static override readonly description: string = 'Adam with decoupled weight decay (Loshchilov & Hutter), as torch.optim.AdamW';
  static override readonly optionsSchema = adamSchema.extend({
    beta2: z.number().min(0).lt(1).default(0.95),
    weightDecay: z.number().min(0).default(0.05),
  });

  constructor(options: AdamOptions, ctx?: PartContext) {
    super(options, ctx);
    this.decoupled = true;
  }
}
