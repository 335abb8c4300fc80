import type { RunData } from './read-run.js';

/** Fields of every record that place it (step, epoch) or date it (time): not metrics to chart. */
export const POSITION_FIELDS: ReadonlySet<string> = new Set(['step', 'epoch', 'time']);

/** Most line charts of metrics on one page; the series past it are listed in a table instead. */
export const MAX_CHARTS = 60;

/** Most lines in a chart of an indexed family (`mto/het/L0`, `L1`, ...); more make further charts. */
export const MAX_LINES = 8;

/** What a chart's x axis counts: logged steps (step records) or epochs (epoch records). */
export type MetricAxis = 'step' | 'epoch';

/**
 * The group of a metric: the part of its name before the first `/` (`eval/knn_acc` → `eval`,
 * `mto/het/L0` → `mto`), `loss` for the total loss too, and '' (ungrouped) for a name without
 * a `/` (`lr`, `samples_per_sec`, `step_ms`).
 */
export function groupOf(key: string): string {
  if (key === 'loss') return 'loss';
  const i = key.indexOf('/');
  return i > 0 ? key.slice(0, i) : '';
}

const FIRST_GROUPS = ['loss', 'eval', 'mto', ''];

const COLLATOR = new Intl.Collator('en', { numeric: true });

/** Orders names with their numbers compared as numbers (`L2` before `L10`). */
export function naturalCompare(a: string, b: string): number {
  return COLLATOR.compare(a, b);
}

export interface MetricGroup {
  /** `loss`, `eval`, `mto`, another prefix, or '' for the ungrouped metrics. */
  name: string;
  /** The group's metrics in display order. */
  keys: string[];
}

/** The metric names of a run's step records and of all its records (computed once per run). */
const KEYS = new WeakMap<RunData, { steps: Set<string>; all: Set<string> }>();
function keysOf(run: RunData): { steps: Set<string>; all: Set<string> } {
  let k = KEYS.get(run);
  if (!k) {
    const steps = new Set<string>();
    for (const rec of run.steps) for (const f in rec) if (!POSITION_FIELDS.has(f)) steps.add(f);
    const all = new Set(steps);
    for (const rec of run.epochs) for (const f in rec) if (!POSITION_FIELDS.has(f)) all.add(f);
    KEYS.set(run, (k = { steps, all }));
  }
  return k;
}

/**
 * Every numeric series the runs logged (step and epoch records, less the position fields),
 * grouped by prefix: `loss` (the total first), `eval` (accuracies first), `mto`, the ungrouped
 * ones (`lr`, `samples_per_sec`, ...), then the other prefixes by name.
 */
export function metricGroups(runs: RunData[], isAccuracy: (key: string) => boolean = () => false): MetricGroup[] {
  const keys = new Set<string>();
  for (const r of runs) for (const k of keysOf(r).all) keys.add(k);
  const by = new Map<string, string[]>();
  for (const k of keys) {
    const g = groupOf(k);
    if (!by.has(g)) by.set(g, []);
    by.get(g)!.push(k);
  }
  const rank = (g: string) => (FIRST_GROUPS.includes(g) ? FIRST_GROUPS.indexOf(g) : FIRST_GROUPS.length);
  const order = (g: string) => (a: string, b: string) => {
    if (g === 'loss' && (a === 'loss' || b === 'loss')) return a === 'loss' ? -1 : 1;
    if (g === 'eval') return Number(isAccuracy(b)) - Number(isAccuracy(a)) || naturalCompare(a, b);
    return naturalCompare(a, b);
  };
  return [...by.entries()]
    .sort((a, b) => rank(a[0]) - rank(b[0]) || naturalCompare(a[0], b[0]))
    .map(([name, ks]) => ({ name, keys: ks.sort(order(name)) }));
}

/** The axis a metric is charted on: steps when any run logged it in step records, else epochs. */
export function axisOf(runs: RunData[], key: string): MetricAxis {
  return runs.some((r) => keysOf(r).steps.has(key)) ? 'step' : 'epoch';
}

/** One planned line chart. */
export interface MetricChart {
  title: string;
  axis: MetricAxis;
  /**
   * One key: a chart of that metric with the runs overlaid. Several: the members of an indexed
   * family (`mto/het/L0`..), one line each, for the single run `run`.
   */
  keys: string[];
  /** For a family chart, the index of its run. */
  run?: number;
}

/** The stem of an indexed name (`mto/het/L12` → `mto/het/L`), or null. */
function stemOf(key: string): string | null {
  const m = /^(.*\D)\d+$/.exec(key);
  return m ? m[1]! : null;
}

/**
 * The charts of a group's metrics, in order: keys that share a stem and differ by a trailing
 * number (`mto/het/L0`, `mto/het/L1`, ...; the same quantity per layer, so on one scale) form a
 * family, drawn as one chart per run with at most MAX_LINES lines each (further charts for the
 * rest); every other key gets a chart of its own with the runs overlaid.
 */
export function chartsOfGroup(runs: RunData[], keys: string[], maxLines = MAX_LINES): MetricChart[] {
  const axis = new Map(keys.map((k) => [k, axisOf(runs, k)]));
  const famKey = (k: string) => {
    const s = stemOf(k);
    return s === null ? null : `${axis.get(k)} ${s}`;
  };
  const members = new Map<string, string[]>();
  for (const k of keys) {
    const f = famKey(k);
    if (f === null) continue;
    const m = members.get(f);
    if (m) m.push(k);
    else members.set(f, [k]);
  }
  const out: MetricChart[] = [];
  const done = new Set<string>();
  for (const k of keys) {
    const f = famKey(k);
    const fam = f === null ? undefined : members.get(f);
    if (!fam || fam.length < 2) {
      out.push({ title: k, axis: axis.get(k)!, keys: [k] });
      continue;
    }
    if (done.has(f!)) continue;
    done.add(f!);
    const sorted = [...fam].sort(naturalCompare);
    const stem = stemOf(sorted[0]!)!;
    runs.forEach((r, i) => {
      const has = keysOf(r).all;
      const own = sorted.filter((key) => has.has(key));
      for (let c = 0; c < own.length; c += maxLines) {
        const part = own.slice(c, c + maxLines);
        const range = own.length <= maxLines ? `${stem}*` : `${part[0]}–${part[part.length - 1]!.slice(stem.length)}`;
        out.push({ title: range, axis: axis.get(part[0]!)!, keys: part, run: runs.length > 1 ? i : undefined });
      }
    });
  }
  return out;
}

/** Charts per group within the page's limit, and the metrics left out of them. */
export interface ChartPlan {
  groups: { name: string; charts: MetricChart[] }[];
  /** Metrics in no chart (over MAX_CHARTS), in group order. */
  notCharted: string[];
}

/**
 * Plans the charts of every group within `maxCharts`, shared out fairly (water-filling): the
 * groups that need few charts get all of theirs, the others split what is left evenly, so that
 * a plugin logging thousands of series cannot push `lr` or the loss off the page. With more
 * groups than charts, the first groups (in the order above) get one each.
 */
export function planCharts(runs: RunData[], groups: MetricGroup[], maxCharts = MAX_CHARTS, maxLines = MAX_LINES): ChartPlan {
  const wanted = groups.map((g) => chartsOfGroup(runs, g.keys, maxLines));
  const share = new Array<number>(groups.length).fill(0);
  let left = maxCharts;
  let active = [...wanted.keys()].filter((g) => wanted[g]!.length > 0);
  while (left > 0 && active.length) {
    const each = Math.floor(left / active.length);
    if (each === 0) {
      for (const g of active.slice(0, left)) share[g]!++;
      break;
    }
    for (const g of active) {
      const give = Math.min(wanted[g]!.length - share[g]!, each);
      share[g] += give;
      left -= give;
    }
    active = active.filter((g) => share[g]! < wanted[g]!.length);
  }
  const notCharted: string[] = [];
  const planned = groups.map((g, i) => {
    const charts = wanted[i]!.slice(0, share[i]);
    const shown = new Set(charts.flatMap((c) => c.keys));
    for (const k of g.keys) if (!shown.has(k)) notCharted.push(k);
    return { name: g.name, charts };
  });
  return { groups: planned, notCharted };
}
