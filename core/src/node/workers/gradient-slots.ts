import * as tf from '@tensorflow/tfjs-core';

/**
 * The ranks' gradients in one SharedArrayBuffer: float32 [2][ranks][P], P the parameters'
 * total size, each parameter at a fixed offset. Rank r writes slot (step % 2, r); every rank
 * sums the slots of a step in rank order, so the sum is the same bits everywhere and on
 * every rerun. Two parities: a rank may start writing step t + 1 while a slower one still
 * reads step t.
 */
export class GradientSlots {
  readonly offsets: number[];
  readonly sizes: number[];
  readonly total: number;
  private readonly view: Float32Array;

  constructor(readonly params: readonly { name: string; shape: number[] }[], readonly ranks: number, buffer?: SharedArrayBuffer) {
    this.sizes = params.map((p) => p.shape.reduce((a, b) => a * b, 1));
    this.offsets = [];
    let at = 0;
    for (const n of this.sizes) {
      this.offsets.push(at);
      at += n;
    }
    this.total = at;
    this.buffer = buffer ?? new SharedArrayBuffer(2 * ranks * at * 4);
    if (this.buffer.byteLength !== 2 * ranks * at * 4) throw new Error(`gradient slots: the buffer has ${this.buffer.byteLength} bytes, expected ${2 * ranks * at * 4}`);
    this.view = new Float32Array(this.buffer);
  }

  readonly buffer: SharedArrayBuffer;

  private slot(step: number, rank: number): Float32Array {
    const base = ((step % 2) * this.ranks + rank) * this.total;
    return this.view.subarray(base, base + this.total);
  }

  /** Writes a rank's gradients for `step` (zeros where a parameter has none); returns which had one. */
  write(step: number, rank: number, grads: readonly (tf.Tensor | null)[]): Uint8Array {
    const slot = this.slot(step, rank);
    const has = new Uint8Array(grads.length);
    grads.forEach((g, i) => {
      const off = this.offsets[i];
      if (g) {
        slot.set(g.dataSync() as Float32Array, off);
        has[i] = 1;
      } else {
        slot.fill(0, off, off + this.sizes[i]);
      }
    });
    return has;
  }

  /**
   * The sum over ranks 0..R-1, in that order, of parameter i's gradients for `step` (accumulated
   * in float64, rounded once to float32), as one tensor per parameter; null where `used[i]` is 0.
   */
  sum(step: number, used: Uint8Array): (tf.Tensor | null)[] {
    const slots = Array.from({ length: this.ranks }, (_, r) => this.slot(step, r));
    const acc = new Float64Array(this.ranks > 2 ? this.sizes.reduce((a, b) => Math.max(a, b), 0) : 0);
    return this.params.map((p, i) => {
      if (!used[i]) return null;
      const off = this.offsets[i];
      const n = this.sizes[i];
      const out = new Float32Array(n);
      const [s0, s1] = slots;
      if (slots.length === 2) {
        // The common case in one pass: the same float64 sum, rounded once, as the general loop.
        for (let j = 0; j < n; j++) out[j] = s0[off + j] + s1[off + j];
      } else {
        // Slot by slot (each a contiguous run), the same additions per element in rank order.
        for (let j = 0; j < n; j++) acc[j] = s0[off + j];
        for (let r = 1; r < slots.length; r++) {
          const s = slots[r];
          for (let j = 0; j < n; j++) acc[j] += s[off + j];
        }
        for (let j = 0; j < n; j++) out[j] = acc[j];
      }
      return tf.tensor(out, p.shape, 'float32');
    });
  }
}
