import type * as tf from '@tensorflow/tfjs-core';
import type { Initializer, NamedVariable } from '@mtojs/core';
import { Linear } from './linear.js';
import { gelu } from './gelu.js';
import { scoped, type Layer } from './layer.js';

/** The transformer's feed-forward part: Linear(width -> hidden), exact GELU, Linear(hidden -> width). */
export class Mlp implements Layer {
  readonly fc1: Linear;
  readonly fc2: Linear;

  constructor(init: Initializer, width: number, hidden: number) {
    this.fc1 = new Linear(init, width, hidden);
    this.fc2 = new Linear(init, hidden, width);
  }

  apply<T extends tf.Tensor>(x: T): T {
    return this.fc2.apply(gelu(this.fc1.apply(x)));
  }

  variables(): NamedVariable[] {
    return [...scoped('fc1', this.fc1.variables()), ...scoped('fc2', this.fc2.variables())];
  }
}
