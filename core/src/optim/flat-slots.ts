import * as tf from '@tensorflow/tfjs-core';
import type { NamedVariable } from '../parts/part.js';
import type { NamedTensor } from './optimizer.js';

/** One parameter's place in its group's flat buffers. */
interface Member {
  param: NamedVariable;
  offset: number;
  size: number;
}

/**
 * Parameters that share an update rule (e.g. weight decay on or off), laid end to end: each
 * optimiser slot of the group is one flat variable of `size` values, so an update is one kernel
 * per arithmetic operation for the whole group instead of one per parameter tensor.
 */
export interface FlatGroup {
  /** The grouping key of every member (e.g. whether weight decay applies). */
  readonly key: boolean;
  readonly members: readonly Member[];
  readonly size: number;
  /** The group's slot variables by slot name, each [size]. */
  readonly slots: Readonly<Record<string, tf.Variable>>;
}

/** The gradients of one group, flat, and which members have one this step. */
export interface FlatGradients {
  flat: tf.Tensor1D;
  /** [size] bool, true where the member had a gradient; null when every member had one. */
  present: tf.Tensor1D | null;
  /** Per member, whether it had a gradient. */
  has: boolean[];
}

/**
 * The slots of an optimiser as flat buffers, one set per group of parameters (see FlatGroup).
 * Checkpoints still see one slot tensor per parameter and slot, named `${param}/${slot}` with
 * the parameter's shape (views the optimiser owns until its next update), so checkpoints written
 * with per-parameter slots load unchanged.
 */
export class FlatSlots {
  private groupList: FlatGroup[] = [];
  private readonly bound = new Set<tf.Variable>();
  /** The parameters in the order they were first bound (the order of getWeights). */
  private readonly order: NamedVariable[] = [];
  private views: NamedTensor[] | null = null;

  constructor(
    readonly slotNames: readonly string[],
    private readonly keyOf: (p: NamedVariable) => boolean,
  ) {}

  get groups(): readonly FlatGroup[] {
    return this.groupList;
  }

  /** Adds parameters not yet known; the slots of the known ones keep their values, new ones start at zero. */
  bind(params: readonly NamedVariable[]): void {
    const seen = new Set<tf.Variable>();
    const fresh = params.filter((p) => {
      if (this.bound.has(p.variable) || seen.has(p.variable)) return false;
      seen.add(p.variable);
      return true;
    });
    if (fresh.length === 0) return;
    const all = [...this.order, ...fresh];
    const values = this.groupList.length ? this.slotValues() : new Map<tf.Variable, Record<string, tf.Tensor>>();
    try {
      this.rebuild(all, values);
    } finally {
      for (const v of values.values()) for (const t of Object.values(v)) t.dispose();
    }
    this.order.push(...fresh);
  }

  /** Flat gradients of `group` from gradients by variable; a member without one contributes zeros. */
  gatherGradients(group: FlatGroup, grads: Map<tf.Variable, tf.Tensor>): FlatGradients {
    const has = group.members.map((m) => grads.has(m.param.variable));
    const pieces = group.members.map((m, i) => (has[i] ? flatView(grads.get(m.param.variable)!) : tf.zeros([m.size])));
    const flat = (pieces.length === 1 ? pieces[0] : tf.concat(pieces)) as tf.Tensor1D;
    if (has.every(Boolean)) return { flat, present: null, has };
    const mask = new Uint8Array(group.size);
    group.members.forEach((m, i) => {
      if (has[i]) mask.fill(1, m.offset, m.offset + m.size);
    });
    return { flat, present: tf.tensor1d(mask, 'bool'), has };
  }

  /** The current values of the group's parameters, flat. */
  gatherWeights(group: FlatGroup): tf.Tensor1D {
    const pieces = group.members.map((m) => flatView(m.param.variable));
    return (pieces.length === 1 ? pieces[0] : tf.concat(pieces)) as tf.Tensor1D;
  }

  /** Assigns the flat new values back to the group's parameters (only to those with `has[i]`, when given). */
  scatterWeights(group: FlatGroup, flat: tf.Tensor1D, has?: readonly boolean[]): void {
    const pieces = group.members.length === 1 ? [flat] : tf.split(flat, group.members.map((m) => m.size));
    group.members.forEach((m, i) => {
      if (!has || has[i]) m.param.variable.assign(m.param.variable.rank === 1 ? pieces[i] : tf.reshape(pieces[i], m.param.variable.shape));
    });
  }

  /** Per-parameter views of the slots, `${param}/${slot}`, valid until the next update, restore or dispose. */
  namedSlots(): NamedTensor[] {
    this.releaseViews();
    const out: NamedTensor[] = [];
    const values = this.slotValues();
    for (const p of this.order) {
      const v = values.get(p.variable)!;
      for (const s of this.slotNames) out.push({ name: `${p.name}/${s}`, tensor: v[s] });
    }
    this.views = out;
    return out;
  }

  /**
   * Copies slot values in by name (`${param}/${slot}`, the parameter's shape); slots not named
   * keep their values. A named slot of another shape is an error naming it.
   */
  restore(weights: readonly NamedTensor[]): void {
    this.releaseViews();
    const byName = new Map(weights.map((w) => [w.name, w.tensor]));
    const values = this.slotValues();
    try {
      for (const p of this.order) {
        const v = values.get(p.variable)!;
        for (const s of this.slotNames) {
          const t = byName.get(`${p.name}/${s}`);
          if (!t) continue;
          if (t.shape.join(',') !== p.variable.shape.join(',')) {
            throw new Error(`optimizer slot '${p.name}/${s}' has shape [${t.shape}], the parameter is [${p.variable.shape}]`);
          }
          v[s].dispose();
          v[s] = tf.clone(t);
        }
      }
      this.rebuild(this.order, values);
    } finally {
      for (const v of values.values()) for (const t of Object.values(v)) t.dispose();
    }
  }

  /** Frees the views namedSlots() handed out (the next update changes the flat buffers anyway). */
  releaseViews(): void {
    if (this.views) for (const w of this.views) w.tensor.dispose();
    this.views = null;
  }

  dispose(): void {
    this.releaseViews();
    for (const g of this.groupList) for (const v of Object.values(g.slots)) v.dispose();
    this.groupList = [];
    this.bound.clear();
    this.order.length = 0;
  }

  /** Each known parameter's slot values in its own shape (new tensors; the caller disposes them). */
  private slotValues(): Map<tf.Variable, Record<string, tf.Tensor>> {
    const out = new Map<tf.Variable, Record<string, tf.Tensor>>();
    for (const g of this.groupList) {
      const split = Object.fromEntries(
        this.slotNames.map((s) => [s, g.members.length === 1 ? [tf.clone(g.slots[s])] : tf.split(g.slots[s], g.members.map((m) => m.size))]),
      );
      g.members.forEach((m, i) => {
        out.set(
          m.param.variable,
          Object.fromEntries(this.slotNames.map((s) => {
            const piece = split[s][i];
            const shaped = tf.reshape(piece, m.param.variable.shape);
            piece.dispose();
            return [s, shaped];
          })),
        );
      });
    }
    return out;
  }

  /** New groups for `params` (grouped by key, in order), slots from `values` or zeros. */
  private rebuild(params: readonly NamedVariable[], values: Map<tf.Variable, Record<string, tf.Tensor>>): void {
    const byKey = new Map<boolean, Member[]>();
    for (const p of params) {
      const key = this.keyOf(p);
      const members = byKey.get(key) ?? [];
      const offset = members.length ? members[members.length - 1].offset + members[members.length - 1].size : 0;
      members.push({ param: p, offset, size: p.variable.size });
      byKey.set(key, members);
    }
    const groups: FlatGroup[] = [...byKey.entries()].map(([key, members]) => {
      const size = members.reduce((n, m) => n + m.size, 0);
      // tidy frees the pieces the variables are copied from (tidy never disposes variables).
      const slots = tf.tidy(() =>
        Object.fromEntries(
          this.slotNames.map((s) => {
            const pieces = members.map((m) => {
              const v = values.get(m.param.variable)?.[s];
              return v ? tf.reshape(v, [m.size]) : tf.zeros([m.size]);
            });
            return [s, tf.variable(pieces.length === 1 ? pieces[0] : tf.concat(pieces), false)];
          }),
        ),
      );
      return { key, members, size, slots };
    });
    for (const g of this.groupList) for (const v of Object.values(g.slots)) v.dispose();
    this.groupList = groups;
    this.bound.clear();
    for (const p of params) this.bound.add(p.variable);
  }
}

/** x as one axis: itself when it has one already (a reshape is a kernel call too). */
function flatView(x: tf.Tensor): tf.Tensor1D {
  return (x.rank === 1 ? x : tf.reshape(x, [x.size])) as tf.Tensor1D;
}
