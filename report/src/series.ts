import type { MetricRecord, RunData } from './read-run.js';

/** Most points one line gets; longer series are averaged in buckets (keeps the page small). */
export const MAX_POINTS = 800;

/** Averages consecutive points in equal buckets down to at most `max` points (non-finite y kept as gaps). */
export function downsample(points: [number, number][], max = MAX_POINTS): [number, number][] {
  if (points.length <= max) return points;
  const out: [number, number][] = [];
  const size = points.length / max;
  for (let b = 0; b < max; b++) {
    const chunk = points.slice(Math.floor(b * size), Math.floor((b + 1) * size));
    const ok = chunk.filter((p) => Number.isFinite(p[1]));
    const x = chunk.reduce((a, p) => a + p[0], 0) / chunk.length;
    out.push([x, ok.length ? ok.reduce((a, p) => a + p[1], 0) / ok.length : NaN]);
  }
  return out;
}

function keysOf(records: MetricRecord[], test: (k: string) => boolean): string[] {
  const keys = new Set<string>();
  for (const r of records) for (const k of Object.keys(r)) if (test(k)) keys.add(k);
  return [...keys];
}

/** The loss keys of any of the runs (`loss` first, then `loss/...` by name). */
export function lossKeys(runs: RunData[]): string[] {
  const isLoss = (k: string) => k === 'loss' || k.startsWith('loss/');
  const keys = new Set(runs.flatMap((r) => [...keysOf(r.steps, isLoss), ...keysOf(r.epochs, isLoss)]));
  return [...keys].sort((a, b) => (a === 'loss' ? -1 : b === 'loss' ? 1 : a.localeCompare(b)));
}

/** The evaluation metrics (`eval/...`) of any of the runs' epoch records, accuracies first. */
export function evalKeys(runs: RunData[]): string[] {
  const keys = new Set(runs.flatMap((r) => keysOf(r.epochs, (k) => k.startsWith('eval/'))));
  const acc = (k: string) => (isAccuracyKey(k) ? 0 : 1);
  return [...keys].sort((a, b) => acc(a) - acc(b) || a.localeCompare(b));
}

/** [steps done, value] of a key over the logged steps (records count steps from 0, so +1). */
export function stepSeries(run: RunData, key: string, maxPoints = MAX_POINTS): [number, number][] {
  return downsample(run.steps.filter((r) => key in r).map((r) => [r.step! + 1, r[key]!]), maxPoints);
}

/**
 * [steps done, epoch mean] of a key, each mean placed at the middle of its epoch's steps
 * (an epoch record holds the number of steps done at the epoch's end).
 */
export function epochMeanSeries(run: RunData, key: string): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  for (const r of run.epochs) {
    const end = r.step;
    if (key in r && Number.isFinite(end)) out.push([(start + 1 + end!) / 2, r[key]!]);
    if (Number.isFinite(end)) start = end!;
  }
  return out;
}

/**
 * The baselines of the record `type: 'baseline'` that an eval metric is compared with:
 * `eval/<x>` is matched by `raw_<x>` (the same evaluation on the raw inputs) and `init_<x>`
 * (the encoder at random initialisation, before any training). Any `<x>`, so that a new eval
 * metric with its baselines (`eval/ft_acc`, `init_ft_acc`) gets them without a change here.
 */
export function baselinesOf(run: RunData, key: string): { kind: 'raw' | 'init'; field: string; value: number }[] {
  if (!key.startsWith('eval/') || !run.baseline) return [];
  const x = key.slice('eval/'.length);
  return (['raw', 'init'] as const).flatMap((kind) => {
    const field = `${kind}_${x}`;
    const v = run.baseline![field];
    return v !== undefined && Number.isFinite(v) ? [{ kind, field, value: v }] : [];
  });
}

/**
 * [epochs completed, value] of an eval metric. The random-init baseline (`init_<x>` for
 * `eval/<x>`) is the same evaluation before any training, so it is the point at epoch 0.
 */
export function evalSeries(run: RunData, key: string): [number, number][] {
  const out: [number, number][] = [];
  const init = baselinesOf(run, key).find((b) => b.kind === 'init');
  if (init) out.push([0, init.value]);
  for (const r of run.epochs) if (key in r) out.push([r.epoch! + 1, r[key]!]);
  return out;
}

/** [epochs completed, value] of a key of the epoch records (no baseline point). */
export function epochSeries(run: RunData, key: string): [number, number][] {
  return run.epochs.filter((r) => key in r).map((r) => [r.epoch! + 1, r[key]!]);
}

/** Whether a metric is an accuracy (`knn_acc`, `eval/acc`, `top1_accuracy`): shown as a percentage. */
export function isAccuracyKey(key: string): boolean {
  return /(^|[/_])acc(uracy)?($|[/_])/.test(key);
}

export interface LayerMatrix {
  /** e.g. ['L0', 'L1']: one row per layer, in layer order. */
  rowLabels: string[];
  /** Layers left out past the row limit (the first `maxRows` are kept). */
  omittedRows: number;
  colLabels: string[];
  /** What the columns are: 'epoch' or 'step'. */
  xLabel: string;
  /** values[layer][column]: the mean over the step records in that column; null where none. */
  values: (number | null)[][];
}

/** Most columns of a heatmap: more epochs than this are merged into equal groups. */
export const MAX_COLUMNS = 40;

/** Most rows (layers) of a heatmap; past it the first ones are shown and the page says so. */
export const MAX_ROWS = 48;

/**
 * The per-layer profile of a diagnostic over training: rows = keys `PREFIX` + `L<n>` (e.g.
 * `mto/het/L0`), columns = epochs (merged into at most MAX_COLUMNS groups), or step bins when
 * the diagnostics span a single epoch. Null when the run logged no such key.
 */
export function layerMatrix(run: RunData, prefix: string, maxStepBins = 12, maxRows = MAX_ROWS): LayerMatrix | null {
  const re = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(.*?)L(\\d+)$`);
  const layers = new Map<string, { group: string; n: number }>();
  for (const r of run.steps) for (const k of Object.keys(r)) {
    const m = re.exec(k);
    if (m) layers.set(k, { group: m[1]!, n: Number(m[2]) });
  }
  if (!layers.size) return null;
  const allKeys = [...layers.keys()].sort((a, b) => layers.get(a)!.group.localeCompare(layers.get(b)!.group) || layers.get(a)!.n - layers.get(b)!.n);
  const keys = allKeys.slice(0, maxRows);
  const recs = run.steps.filter((r) => keys.some((k) => k in r));
  const epochs = [...new Set(recs.map((r) => r.epoch!))].filter(Number.isFinite).sort((a, b) => a - b);

  let columns: { label: string; of: (r: MetricRecord) => boolean }[];
  let xLabel: string;
  if (epochs.length >= 2) {
    xLabel = 'epoch';
    const per = Math.ceil(epochs.length / MAX_COLUMNS);
    columns = [];
    for (let i = 0; i < epochs.length; i += per) {
      const group = new Set(epochs.slice(i, i + per));
      const a = epochs[i]! + 1;
      const b = epochs[Math.min(i + per, epochs.length) - 1]! + 1;
      columns.push({ label: a === b ? String(a) : `${a}–${b}`, of: (r) => group.has(r.epoch!) });
    }
  } else {
    xLabel = 'step';
    const steps = recs.map((r) => r.step!);
    const lo = Math.min(...steps);
    const hi = Math.max(...steps) + 1;
    const bins = Math.min(maxStepBins, steps.length);
    const width = Math.max(1, Math.ceil((hi - lo) / bins));
    columns = [];
    for (let s = lo; s < hi; s += width) {
      const e = Math.min(hi, s + width);
      columns.push({ label: e - s === 1 ? String(s + 1) : `${s + 1}–${e}`, of: (r) => r.step! >= s && r.step! < e });
    }
  }
  const values = keys.map((k) =>
    columns.map((c) => {
      const vs = recs.filter((r) => c.of(r) && Number.isFinite(r[k])).map((r) => r[k]!);
      return vs.length ? vs.reduce((a, v) => a + v, 0) / vs.length : null;
    }),
  );
  const rowLabels = keys.map((k) => `${layers.get(k)!.group}L${layers.get(k)!.n}`);
  return { rowLabels, omittedRows: allKeys.length - keys.length, colLabels: columns.map((c) => c.label), xLabel, values };
}
