import { existsSync, readFileSync } from 'node:fs';

/** One `type: 'epoch'` line of metrics.jsonl: `epoch` is 0-based, the rest are numbers. */
export type EpochRecord = { epoch: number } & Record<string, number>;

/** A curve: [epoch (1-based), value] pairs, in epoch order. */
export type Curve = [number, number][];

/**
 * The epoch records of a run, one per epoch. A run resumed from a checkpoint taken before its
 * epoch record reached the disk writes that epoch again; the later record wins (the trainer
 * reproduces the same epoch, so either would do, but the later one is the complete one).
 */
export function parseEpochRecords(text: string): EpochRecord[] {
  const byEpoch = new Map<number, EpochRecord>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue; // a line cut short by a killed process: the records around it are intact
    }
    if (rec.type !== 'epoch' || typeof rec.epoch !== 'number') continue;
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(rec)) if (typeof v === 'number') out[k] = v;
    byEpoch.set(rec.epoch, out as EpochRecord);
  }
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}

export function readEpochRecords(metricsFile: string): EpochRecord[] {
  return existsSync(metricsFile) ? parseEpochRecords(readFileSync(metricsFile, 'utf8')) : [];
}

/** The `type: 'baseline'` record (raw inputs, encoder at random init), if the run wrote one. */
export function readBaselineRecord(metricsFile: string): Record<string, number> | null {
  if (!existsSync(metricsFile)) return null;
  let found: Record<string, number> | null = null;
  for (const line of readFileSync(metricsFile, 'utf8').split('\n')) {
    if (!line.includes('"baseline"')) continue;
    try {
      const rec = JSON.parse(line) as Record<string, unknown>;
      if (rec.type !== 'baseline') continue;
      found = {};
      for (const [k, v] of Object.entries(rec)) if (typeof v === 'number' && k !== 'time') found[k] = v;
    } catch {
      /* a cut line */
    }
  }
  return found;
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

/** The split the run evaluated on, from the CLI's 'data: N train / M SPLIT examples' log line. */
export function evalSplitFromLog(log: string): 'val' | 'test' | null {
  const m = /data: \d+ train \/ \d+ (val|test) examples/.exec(log);
  return m ? (m[1] as 'val' | 'test') : null;
}
