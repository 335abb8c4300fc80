import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import type { NamedVariable, PartContext } from '../parts/part.js';
import { decays, type NamedTensor, type Optimizer } from './optimizer.js';

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

  protected readonly slots = new Map<tf.Variable, { m: tf.Variable; v: tf.Variable; name: string }>();
  protected t = 0;
  protected decoupled = false;

  constructor(
    readonly options: AdamOptions,
    _ctx?: PartContext,
  ) {}

  get learningRate(): number {
    return this.options.lr;
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options };
  }

  private slot(p: NamedVariable) {
    let s = this.slots.get(p.variable);
    if (!s) {
      // tidy frees the zeros the variables are copied from (tidy never disposes variables).
      s = tf.tidy(() => ({
        m: tf.variable(tf.zerosLike(p.variable), false),
        v: tf.variable(tf.zerosLike(p.variable), false),
        name: p.name,
      }));
      this.slots.set(p.variable, s);
    }
    return s;
  }

  apply(params: NamedVariable[], grads: tf.Tensor[], lr: number): void {
    this.t += 1;
    const { beta1: b1, beta2: b2, epsilon, weightDecay } = this.options;
    const c1 = 1 - Math.pow(b1, this.t);
    const c2 = 1 - Math.pow(b2, this.t);
    tf.tidy(() => {
      params.forEach((p, i) => {
        const s = this.slot(p);
        const w = p.variable;
        const wd = decays(p) ? weightDecay : 0;
        let g = grads[i];
        if (wd > 0 && !this.decoupled) g = tf.add(g, tf.mul(w, wd));
        const m = tf.add(tf.mul(s.m, b1), tf.mul(g, 1 - b1));
        const v = tf.add(tf.mul(s.v, b2), tf.mul(tf.square(g), 1 - b2));
        s.m.assign(m);
        s.v.assign(v);
        // Same arithmetic as torch: p -= lr * m_hat / (sqrt(v_hat) + eps).
        const update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), epsilon));
        let next = tf.sub(w, tf.mul(update, lr));
        if (wd > 0 && this.decoupled) next = tf.sub(next, tf.mul(w, lr * wd));
        w.assign(next);
      });
    });
  }

  getWeights(): NamedTensor[] {
    const out: NamedTensor[] = [];
    for (const s of this.slots.values()) {
      out.push({ name: `${s.name}/m`, tensor: s.m }, { name: `${s.name}/v`, tensor: s.v });
    }
    return out;
  }

  /** Restores slots by name; call after the first `bind` so variables are known (see `bind`). */
  setWeights(weights: NamedTensor[]): void {
    const byName = new Map(weights.map((w) => [w.name, w.tensor]));
    for (const s of this.slots.values()) {
      const m = byName.get(`${s.name}/m`);
      const v = byName.get(`${s.name}/v`);
      if (m) s.m.assign(m);
      if (v) s.v.assign(v);
    }
  }

  /** Creates the slots for these parameters now (so a checkpoint can be restored into them). */
  bind(params: NamedVariable[]): void {
    for (const p of params) this.slot(p);
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
    for (const s of this.slots.values()) {
      s.m.dispose();
      s.v.dispose();
    }
    this.slots.clear();
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
