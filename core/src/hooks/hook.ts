import { orderTaps, type TapOptions } from './ordering.js';

/** Receives one line per tap call when hook tracing is on (the `trainer.debugHooks` option). */
export type HookTracer = (hook: string, tap: string) => void;

interface Tap<F> extends TapOptions {
  fn: F;
}

/**
 * Base of the synchronous hooks. Hooks run inside the gradient tape, so taps must be
 * synchronous: a tap that returns a Promise is an error, caught at the call.
 */
abstract class BaseHook<F extends (...args: any[]) => any> {
  protected taps: Tap<F>[] = [];
  private ordered: Tap<F>[] | null = null;
  tracer: HookTracer | null = null;

  constructor(readonly name: string) {}

  /** Register a tap. `options` is a name or `{ name, stage, before, after }`. Returns an untap function. */
  tap(options: string | TapOptions, fn: F): () => void {
    const opts = typeof options === 'string' ? { name: options } : options;
    const tap: Tap<F> = { ...opts, fn };
    this.taps.push(tap);
    this.ordered = null;
    try {
      this.order();
    } catch (e) {
      this.taps.pop();
      this.ordered = null;
      throw e;
    }
    return () => {
      this.taps = this.taps.filter((t) => t !== tap);
      this.ordered = null;
    };
  }

  /** Names of the taps in the order they run. */
  tapNames(): string[] {
    return this.order().map((t) => t.name);
  }

  get isUsed(): boolean {
    return this.taps.length > 0;
  }

  protected order(): Tap<F>[] {
    if (this.ordered === null) this.ordered = orderTaps(this.taps, this.name);
    return this.ordered;
  }

  protected invoke(tap: Tap<F>, args: Parameters<F>): ReturnType<F> {
    this.tracer?.(this.name, tap.name);
    const r = tap.fn(...args);
    if (r && typeof (r as { then?: unknown }).then === 'function') {
      throw new Error(`hook '${this.name}': tap '${tap.name}' returned a Promise; hooks run inside the gradient tape and must be synchronous`);
    }
    return r;
  }
}

/** Calls every tap in order with the same arguments; return values are ignored. */
export class SyncHook<A extends unknown[]> extends BaseHook<(...args: A) => void> {
  call(...args: A): void {
    for (const t of this.order()) this.invoke(t, args);
  }
}

/**
 * Passes a value through the taps in order: each receives the previous tap's result (or the
 * initial value) and returns the next one. Used for the attention-logit bias.
 */
export class SyncWaterfallHook<V, A extends unknown[]> extends BaseHook<(value: V, ...args: A) => V> {
  call(value: V, ...args: A): V {
    let v = value;
    for (const t of this.order()) {
      const r = this.invoke(t, [v, ...args] as unknown as [V, ...A]);
      if (r === undefined) throw new Error(`hook '${this.name}': tap '${t.name}' returned undefined; a waterfall tap must return the (possibly changed) value`);
      v = r;
    }
    return v;
  }
}
