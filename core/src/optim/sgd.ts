import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import type { NamedVariable, PartContext } from '../parts/part.js';
import { decays, type NamedTensor, type Optimizer } from './optimizer.js';

const sgdSchema = z.strictObject({
  lr: z.number().positive().default(0.1),
  momentum: z.number().min(0).lt(1).default(0.9),
  nesterov: z.boolean().default(false),
  weightDecay: z.number().min(0).default(0),
});
export type SgdOptions = z.infer<typeof sgdSchema>;

/** SGD with (Nesterov) momentum and L2 weight decay, as torch.optim.SGD. */
export class Sgd implements Optimizer {
  static readonly className = 'sgd';
  static readonly description = 'SGD with momentum (optionally Nesterov) and L2 weight decay';
  static readonly optionsSchema = sgdSchema;
  private readonly buf = new Map<tf.Variable, { b: tf.Variable; name: string }>();

  constructor(
    readonly options: SgdOptions,
    _ctx?: PartContext,
  ) {}

  get learningRate() {
    return this.options.lr;
  }
  getConfig() {
    return { ...this.options };
  }

  bind(params: NamedVariable[]): void {
    for (const p of params) {
      if (!this.buf.has(p.variable)) this.buf.set(p.variable, { b: tf.tidy(() => tf.variable(tf.zerosLike(p.variable), false)), name: p.name });
    }
  }

  apply(params: NamedVariable[], grads: tf.Tensor[], lr: number): void {
    this.bind(params);
    const { momentum, nesterov, weightDecay } = this.options;
    tf.tidy(() => {
      params.forEach((p, i) => {
        let g = grads[i];
        if (weightDecay > 0 && decays(p)) g = tf.add(g, tf.mul(p.variable, weightDecay));
        if (momentum > 0) {
          const s = this.buf.get(p.variable)!;
          const b = tf.add(tf.mul(s.b, momentum), g);
          s.b.assign(b);
          g = nesterov ? tf.add(g, tf.mul(b, momentum)) : b;
        }
        p.variable.assign(tf.sub(p.variable, tf.mul(g, lr)));
      });
    });
  }

  getWeights(): NamedTensor[] {
    return [...this.buf.values()].map((s) => ({ name: `${s.name}/momentum`, tensor: s.b }));
  }
  setWeights(weights: NamedTensor[]): void {
    const byName = new Map(weights.map((w) => [w.name, w.tensor]));
    for (const s of this.buf.values()) {
      const t = byName.get(`${s.name}/momentum`);
      if (t) s.b.assign(t);
    }
  }
  getState() {
    return {};
  }
  setState() {}
  dispose() {
    for (const s of this.buf.values()) s.b.dispose();
    this.buf.clear();
  }
}
