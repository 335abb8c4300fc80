import { metricGroups, naturalCompare, POSITION_FIELDS } from './metric-groups.js';
import type { MetricRecord, RunData } from './read-run.js';
import { isAccuracyKey } from './series.js';

/**
 * How `mto report --csv` lays out the metrics: `wide`, one row per record and one column per
 * metric (what pandas' read_csv and spreadsheets expect, like Lightning's CSVLogger); `long`, one
 * row per value (`key`, `value` columns), for any number of metrics and for tidy-data tools.
 */
export type CsvLayout = 'wide' | 'long';

export const CSV_LAYOUTS: readonly CsvLayout[] = ['wide', 'long'];

/** One CSV field: quoted when it holds a comma, quote, line break or edge space (RFC 4180). */
export function csvField(v: string): string {
  return /[",\r\n]|^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** A number as CSV text: shortest round-trip form; NaN for a non-finite value (JSON null in metrics.jsonl). */
function csvNumber(v: number | undefined): string {
  if (v === undefined) return '';
  return Number.isFinite(v) ? String(v) : 'NaN';
}

/** A run's records in file order: the baseline, then step and epoch records by position. */
function recordsOf(run: RunData): { type: string; rec: MetricRecord }[] {
  // A step record's `step` counts from 0; an epoch record's is the steps done at its end, so
  // the epoch record of step N comes after step record N - 1.
  const placed = [
    ...run.steps.map((rec) => ({ type: 'step', rec, at: rec.step! + 0.5 })),
    ...run.epochs.map((rec) => ({ type: 'epoch', rec, at: Number.isFinite(rec.step) ? rec.step! : Infinity })),
  ].sort((a, b) => a.at - b.at);
  return [...(run.baseline ? [{ type: 'baseline', rec: run.baseline }] : []), ...placed];
}

/**
 * The runs' metrics as CSV text (LF line ends, a header row). Columns: `run` (only for several
 * runs: the report's run labels), `type` (step, epoch, baseline), `epoch` and `step` as in
 * metrics.jsonl, then in the wide layout one column per metric (grouped as in the report: loss,
 * eval, mto, ungrouped, other prefixes; then the baseline fields) and `time`; in the long layout
 * `time`, `key`, `value`. An empty cell: not logged in that record; NaN: logged as null.
 */
export function metricsCsv(runs: RunData[], opts: { layout?: CsvLayout; runLabels?: string[] } = {}): string {
  const layout = opts.layout ?? 'wide';
  const labels = runs.length > 1 ? (opts.runLabels ?? runs.map((r) => r.name)) : null;
  const lead = (i: number, type: string, rec: MetricRecord) => [...(labels ? [csvField(labels[i]!)] : []), type, csvNumber(rec.epoch), csvNumber(rec.step)];
  const head = [...(labels ? ['run'] : []), 'type', 'epoch', 'step'];
  const lines: string[] = [];
  if (layout === 'wide') {
    const metricKeys = metricGroups(runs, isAccuracyKey).flatMap((g) => g.keys);
    const known = new Set(metricKeys);
    const baselineKeys = [...new Set(runs.flatMap((r) => Object.keys(r.baseline ?? {})))].filter((k) => !known.has(k) && !POSITION_FIELDS.has(k)).sort(naturalCompare);
    const columns = [...metricKeys, ...baselineKeys, 'time'];
    lines.push([...head, ...columns.map(csvField)].join(','));
    runs.forEach((r, i) => {
      for (const { type, rec } of recordsOf(r)) lines.push([...lead(i, type, rec), ...columns.map((k) => csvNumber(rec[k]))].join(','));
    });
  } else {
    lines.push([...head, 'time', 'key', 'value'].join(','));
    runs.forEach((r, i) => {
      for (const { type, rec } of recordsOf(r)) {
        const start = [...lead(i, type, rec), csvNumber(rec.time)].join(',');
        for (const k of Object.keys(rec).filter((f) => !POSITION_FIELDS.has(f)).sort(naturalCompare)) lines.push(`${start},${csvField(k)},${csvNumber(rec[k])}`);
      }
    });
  }
  return lines.join('\n') + '\n';
}
