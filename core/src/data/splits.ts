/**
 * Fixed, seed-independent splits for data sources: test examples never depend on the run's
 * seed, so runs with different seeds are scored on the same examples.
 */

/**
 * Round-robin over classes (the first item of each class, then the second of each, ...), so
 * every prefix of the result is close to class-balanced: a fixed test split can be a prefix.
 */
export function interleaveByClass<T>(perClass: T[][]): T[] {
  const out: T[] = [];
  const longest = Math.max(0, ...perClass.map((c) => c.length));
  for (let k = 0; k < longest; k++) for (const items of perClass) if (k < items.length) out.push(items[k]);
  return out;
}

/**
 * Whether item i of a sequence is picked when a fraction f is spread evenly over it: exactly
 * floor(n * f) of the first n items are picked, at regular intervals (every 1/f-th item).
 */
export function pickedEvenly(i: number, fraction: number): boolean {
  return Math.floor((i + 1) * fraction) > Math.floor(i * fraction);
}
