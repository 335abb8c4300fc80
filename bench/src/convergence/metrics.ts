import { existsSync, readFileSync } from 'node:fs';
import { parseMetrics } from '@mtojs/report';

/** One `type: 'epoch'` line of metrics.jsonl: `epoch` is 0-based, the rest are numbers. */
export type EpochRecord = { epoch: number } & Record<string, number>;

/** A curve: [epoch (1-based), value] pairs, in epoch order. */
export type Curve = [number, number][];

/** A record's finite numbers only: the statistics never see the NaN of a JSON null. */
function finiteFields(rec: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(rec)) if (Number.isFinite(v)) out[k] = v;
  return out;
}

/** The epoch records and the baseline record of a run, from the core's metrics.jsonl parser. */
export interface RunRecords {
  /** One per epoch, in order (a resumed run repeats an epoch; the later record wins). */
  epochs: EpochRecord[];
  /** The `type: 'baseline'` record (raw inputs, encoder at random init) without its time, if any. */
  baseline: Record<string, number> | null;
}

/**
 * Parses metrics.jsonl text. Lines cut short by a killed process are skipped: the records
 * around them are intact, and a study must read runs that stopped anywhere.
 */
export function parseRunRecords(text: string): RunRecords {
  const m = parseMetrics(text, 'metrics.jsonl', { skipBadLines: true });
  const baseline = m.baseline ? finiteFields(m.baseline) : null;
  if (baseline) delete baseline.time;
  return { epochs: m.epochs.map((r) => finiteFields(r) as EpochRecord), baseline };
}

export function readRunRecords(metricsFile: string): RunRecords {
  return existsSync(metricsFile) ? parseRunRecords(readFileSync(metricsFile, 'utf8')) : { epochs: [], baseline: null };
}

/** The epoch records of a run, one per epoch, in order. */
export function parseEpochRecords(text: string): EpochRecord[] {
  return parseRunRecords(text).epochs;
}

export function readEpochRecords(metricsFile: string): EpochRecord[] {
  return readRunRecords(metricsFile).epochs;
}

/** The metric at each epoch that reports it, as [epoch + 1, value]. */
export function metricCurve(records: readonly EpochRecord[], metric: string): Curve {
  return records.filter((r) => Number.isFinite(r[metric])).map((r) => [r.epoch + 1, r[metric]]);
}

/** Keys worth reporting at the end of a run: the evaluation metrics and the epoch's loss means. */
export function isReportedKey(key: string): boolean {
  return key.startsWith('eval/') || key === 'loss' || key.startsWith('loss/');
}

/** The reported values of the last epoch record. */
export function finalMetrics(records: readonly EpochRecord[]): Record<string, number> {
  const last = records[records.length - 1];
  if (!last) return {};
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(last)) if (isReportedKey(k)) out[k] = v;
  return out;
}

/** The split a finished run evaluated on, from the `evalSplit` of its summary.json (null if absent). */
export function readEvalSplit(summaryFile: string): 'val' | 'test' | null {
  if (!existsSync(summaryFile)) return null;
  try {
    const split = (JSON.parse(readFileSync(summaryFile, 'utf8')) as { evalSplit?: unknown }).evalSplit;
    return split === 'val' || split === 'test' ? split : null;
  } catch {
    return null; // summary.json is written atomically; an unreadable one says nothing about the split
  }
}
