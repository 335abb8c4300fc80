/**
 * Round-robin over classes (the first item of each class, then the second of each, ...), so
 * every prefix of the result is close to class-balanced: the fixed test split is a prefix.
 */
export function interleaveByClass<T>(perClass: T[][]): T[] {
  const out: T[] = [];
  const longest = Math.max(0, ...perClass.map((c) => c.length));
  for (let k = 0; k < longest; k++) for (const items of perClass) if (k < items.length) out.push(items[k]);
  return out;
}

/** Whether item i is picked when a fraction is spread evenly over a sequence (every 1/fraction-th item). */
export function pickedEvenly(i: number, fraction: number): boolean {
  return Math.floor((i + 1) * fraction) > Math.floor(i * fraction);
}
