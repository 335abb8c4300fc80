import type { Rng } from '../rng/rng.js';

/**
 * `count` example indices stratified over the classes: each class's examples are shuffled by
 * `rng`, then classes (in a shuffled order) take turns giving their next example until `count`
 * are chosen, so class counts differ by at most one (a class with too few examples gives all it
 * has and the others make up the rest). Returns the indices sorted; `count` 0 means all.
 */
export function stratifiedSample(labels: Int32Array, count: number, rng: Rng): Int32Array {
  const n = labels.length;
  if (count === 0 || count >= n) {
    if (count > n) throw new RangeError(`cannot pick ${count} labelled examples from ${n}`);
    return Int32Array.from({ length: n }, (_, i) => i);
  }
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const c = labels[i];
    let list = byClass.get(c);
    if (!list) byClass.set(c, (list = []));
    list.push(i);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  rng.shuffle(classes);
  const pools = classes.map((c) => rng.shuffle(byClass.get(c)!) as number[]);
  const chosen: number[] = [];
  for (let round = 0; chosen.length < count; round++) {
    for (const pool of pools) {
      if (round < pool.length) chosen.push(pool[round]);
      if (chosen.length === count) break;
    }
  }
  return Int32Array.from(chosen).sort();
}
