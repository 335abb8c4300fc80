import * as tf from '@tensorflow/tfjs-core';

/**
 * The role of every token for MTO's measures and losses. Padding tokens are neither visible
 * nor masked, so they never enter a mean.
 */
export interface TokenRoles {
  /** [B, T] 1 where the token is a mask token (and not padding). */
  masked: tf.Tensor2D;
  /** [B, T] 1 where the token is a real, visible token (not masked, not padding). */
  visible: tf.Tensor2D;
  /** [B] number of masked tokens per sample. */
  maskedCount: tf.Tensor1D;
  /** [B] number of visible tokens per sample. */
  visibleCount: tf.Tensor1D;
  /** [B] 1 where a sample has at least one masked and one visible token, else 0. */
  hasBoth: tf.Tensor1D;
}

/** Splits tokens into masked and visible from a [B, T] mask (1 = masked) and optional padding (1 = padding). */
export function tokenRoles(tokenMask: tf.Tensor2D, padding?: tf.Tensor2D | null): TokenRoles {
  const mask = tf.cast(tokenMask, 'float32');
  const real = padding ? tf.sub(1, tf.cast(padding, 'float32')) : tf.onesLike(mask);
  const masked = tf.mul(mask, real) as tf.Tensor2D;
  const visible = tf.mul(tf.sub(1, mask), real) as tf.Tensor2D;
  const maskedCount = tf.sum(masked, 1) as tf.Tensor1D;
  const visibleCount = tf.sum(visible, 1) as tf.Tensor1D;
  // Counts are sums of 0/1 indicators, so min(count, 1) is exactly "at least one".
  const hasBoth = tf.mul(tf.minimum(maskedCount, 1), tf.minimum(visibleCount, 1)) as tf.Tensor1D;
  return { masked, visible, maskedCount, visibleCount, hasBoth };
}

/**
 * Per-sample averaging weights: indicator / max(count, 1), [B, T]. Summing a quantity against
 * them gives its mean over the selected tokens, and 0 (not 0/0) when none is selected.
 */
export function meanWeights(indicator: tf.Tensor2D): tf.Tensor2D {
  const count = tf.sum(indicator, 1, true);
  return tf.div(indicator, tf.maximum(count, 1)) as tf.Tensor2D;
}

/**
 * Mean over the batch of per-sample values, counting only samples where `present` is 1 (0 when
 * none is). Used for diagnostics, where a sample without masked tokens has no value to average.
 */
export function presentMean(values: tf.Tensor1D, present: tf.Tensor1D): tf.Scalar {
  return tf.div(tf.sum(tf.mul(values, present)), tf.maximum(tf.sum(present), 1)) as tf.Scalar;
}

/**
 * Token roles and recalibration biases computed once per mask and reused by every layer of a
 * forward pass: every layer of the mixing module sees the same mask, and recomputing them per
 * layer costs a dozen small kernels each. Entries are tied to the mask tensor they came from and
 * dropped when it changes or they were disposed (their tf.tidy scope ended), so the cache never
 * hands out a tensor of an earlier step.
 */
export class TokenRolesCache {
  private mask: tf.Tensor2D | null = null;
  private padding: tf.Tensor2D | null = null;
  private roles: TokenRoles | null = null;
  private readonly derived = new Map<string, { value: unknown; tensors: tf.Tensor[] }>();

  /** The roles of this mask (and padding), computed on first use. */
  get(tokenMask: tf.Tensor2D, padding?: tf.Tensor2D | null): TokenRoles {
    this.check(tokenMask, padding ?? null);
    if (!this.roles) this.roles = tokenRoles(tokenMask, padding);
    return this.roles;
  }

  /**
   * A value derived from this mask under `key` (a recalibration bias, tiled roles), made once.
   * `tensorsOf` names the tensors it holds, so that a value whose scope has ended is made anew.
   */
  derive<T>(tokenMask: tf.Tensor2D, padding: tf.Tensor2D | null | undefined, key: string, make: (roles: TokenRoles) => T, tensorsOf: (value: T) => tf.Tensor[] = (v) => [v as unknown as tf.Tensor]): T {
    const roles = this.get(tokenMask, padding);
    const entry = this.derived.get(key);
    if (entry && !entry.tensors.some((t) => t.isDisposed)) return entry.value as T;
    const value = make(roles);
    this.derived.set(key, { value, tensors: tensorsOf(value) });
    return value;
  }

  /** Forgets everything (the tensors belong to their scopes, which free them). */
  clear(): void {
    this.mask = null;
    this.padding = null;
    this.roles = null;
    this.derived.clear();
  }

  private check(tokenMask: tf.Tensor2D, padding: tf.Tensor2D | null): void {
    const stale = this.roles !== null && Object.values(this.roles).some((t) => t.isDisposed);
    if (tokenMask !== this.mask || padding !== this.padding || stale) {
      this.clear();
      this.mask = tokenMask;
      this.padding = padding;
    }
  }
}
