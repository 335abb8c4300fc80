/**
 * Orders named taps the way tapable does: by `stage` (lower first, default 0), then by
 * registration order, with `before` / `after` constraints on other taps' names applied on top.
 * A constraint naming a tap that is not registered is ignored (the other plugin may be off);
 * a cycle is an error that names the taps involved.
 */
export interface TapOptions {
  /** Unique name of the tap, usually the plugin's name. */
  name: string;
  /** Coarse ordering: lower stages run first. Default 0. */
  stage?: number;
  /** Run before these taps. */
  before?: string | string[];
  /** Run after these taps. */
  after?: string | string[];
}

export function toList(x: string | string[] | undefined): string[] {
  return x === undefined ? [] : Array.isArray(x) ? x : [x];
}

export function orderTaps<T extends TapOptions>(taps: readonly T[], hookName = 'hook'): T[] {
  const byName = new Map<string, number>();
  taps.forEach((t, i) => {
    if (byName.has(t.name)) throw new Error(`${hookName}: two taps are named '${t.name}'`);
    byName.set(t.name, i);
  });
  // Base order: stage, then registration index (stable).
  const base = taps.map((t, i) => i).sort((i, j) => (taps[i].stage ?? 0) - (taps[j].stage ?? 0) || i - j);
  const rank = new Map<number, number>();
  base.forEach((idx, r) => rank.set(idx, r));
  // Edges u -> v mean u runs before v.
  const out = taps.map(() => new Set<number>());
  const indeg = taps.map(() => 0);
  const addEdge = (u: number, v: number) => {
    if (u === v || out[u].has(v)) return;
    out[u].add(v);
    indeg[v]++;
  };
  taps.forEach((t, i) => {
    for (const n of toList(t.before)) if (byName.has(n)) addEdge(i, byName.get(n)!);
    for (const n of toList(t.after)) if (byName.has(n)) addEdge(byName.get(n)!, i);
  });
  // Kahn's algorithm, always picking the ready tap of lowest base rank.
  const ready = taps.map((_, i) => i).filter((i) => indeg[i] === 0);
  const result: T[] = [];
  while (ready.length > 0) {
    ready.sort((i, j) => rank.get(i)! - rank.get(j)!);
    const u = ready.shift()!;
    result.push(taps[u]);
    for (const v of out[u]) if (--indeg[v] === 0) ready.push(v);
  }
  if (result.length !== taps.length) {
    const stuck = taps.filter((_, i) => indeg[i] > 0).map((t) => t.name);
    throw new Error(`${hookName}: the before/after constraints form a cycle among taps: ${stuck.join(', ')}`);
  }
  return result;
}
