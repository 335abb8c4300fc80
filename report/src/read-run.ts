import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { UserError } from '@mtojs/core';

/** One metrics.jsonl record reduced to its numeric fields (JSON null, i.e. NaN, kept as NaN). */
export type MetricRecord = Record<string, number>;

/** A run directory as the report reads it. */
export interface RunData {
  /** Absolute path of the run directory. */
  dir: string;
  /** config.json's `name`, or the directory's name when there is no config. */
  name: string;
  /** The parsed config.json, or null when the run has none. */
  config: Record<string, unknown> | null;
  /** The parsed summary.json (written when a run finishes), or null. */
  summary: Record<string, unknown> | null;
  /** `type: 'step'` records, one per step (the last one wins: a resumed run repeats steps). */
  steps: MetricRecord[];
  /** `type: 'epoch'` records, one per epoch, same rule. */
  epochs: MetricRecord[];
  /** The `type: 'baseline'` record (raw inputs and random-init encoder), if any. */
  baseline: MetricRecord | null;
  /** Image files under artifacts/, sorted by name. */
  images: { name: string; path: string; bytes: number }[];
}

/** Bad report input: the CLI prints the message on one line and exits with 2. */
export class ReportInputError extends UserError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'ReportInputError';
  }
}

export const IMAGE_TYPES: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp' };

function numericFields(o: Record<string, unknown>): MetricRecord {
  const out: MetricRecord = {};
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === 'number') out[k] = v;
    else if (v === null) out[k] = NaN; // JSON.stringify writes NaN and ±Infinity as null
  }
  return out;
}

/**
 * The largest run file the report reads (a page of bounded size is made of whatever it holds:
 * series past the page's limits are listed, not charted).
 */
export const REPORT_LIMITS = { fileBytes: 256 * 1024 * 1024 };

/** A run file's text: a regular file within the size limit, else ReportInputError naming it. */
function readRunFile(path: string, shown = path): string {
  const st = statSync(path);
  if (!st.isFile()) throw new ReportInputError(`${shown}: not a file (a ${st.isDirectory() ? 'folder' : 'device or pipe'}); expected the file mto train writes`);
  if (st.size > REPORT_LIMITS.fileBytes) throw new ReportInputError(`${shown}: ${st.size} bytes, more than the ${REPORT_LIMITS.fileBytes} the report reads`);
  return readFileSync(path, 'utf8');
}

function readJsonObject(path: string): Record<string, unknown> {
  let v: unknown;
  const text = readRunFile(path);
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ReportInputError(`${path}: not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ReportInputError(`${path}: expected a JSON object`);
  return v as Record<string, unknown>;
}

/** The records of a metrics.jsonl, by type. */
export interface ParsedMetrics {
  steps: MetricRecord[];
  epochs: MetricRecord[];
  baseline: MetricRecord | null;
}

/**
 * Parses metrics.jsonl text; `path` only names the file in errors. Blank lines are skipped. A
 * bad line throws ReportInputError naming file and line, or with `skipBadLines` is passed over
 * (for readers of runs that may still be writing or were killed: the other lines are intact).
 */
export function parseMetrics(text: string, path: string, opts: { skipBadLines?: boolean } = {}): ParsedMetrics {
  const steps = new Map<number, MetricRecord>();
  const epochs = new Map<number, MetricRecord>();
  let baseline: MetricRecord | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    const bad = (why: string) => {
      if (!opts.skipBadLines) throw new ReportInputError(`${path}:${i + 1}: ${why}`);
    };
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      bad(`not valid JSON (${(e as Error).message.split('\n')[0]})`);
      continue;
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) {
      bad(`expected a JSON object, got ${JSON.stringify(v).slice(0, 40)}`);
      continue;
    }
    const o = v as Record<string, unknown>;
    const rec = numericFields(o);
    if (o.type === 'step') {
      if (Number.isFinite(rec.step)) steps.set(rec.step!, rec);
      else bad(`a 'step' record without a numeric 'step' field`);
    } else if (o.type === 'epoch') {
      if (Number.isFinite(rec.epoch)) epochs.set(rec.epoch!, rec);
      else bad(`an 'epoch' record without a numeric 'epoch' field`);
    } else if (o.type === 'baseline') {
      baseline = rec;
    }
    // Other record types (written by plugins) are not charted.
  }
  const byKey = (m: Map<number, MetricRecord>) => [...m.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
  return { steps: byKey(steps), epochs: byKey(epochs), baseline };
}

/** Reads a run directory; throws ReportInputError naming the file (and line) that is wrong. */
export function readRun(dirArg: string): RunData {
  const dir = resolve(dirArg);
  if (!existsSync(dir)) throw new ReportInputError(`${dirArg}: no such directory`);
  if (!statSync(dir).isDirectory()) throw new ReportInputError(`${dirArg}: not a directory (expected a run directory holding metrics.jsonl)`);
  const metricsPath = join(dir, 'metrics.jsonl');
  if (!existsSync(metricsPath)) throw new ReportInputError(`${join(dirArg, 'metrics.jsonl')}: not found; is ${dirArg} a run directory (written by mto train)?`);
  const parsed = parseMetrics(readRunFile(metricsPath, join(dirArg, 'metrics.jsonl')), join(dirArg, 'metrics.jsonl'));
  const configPath = join(dir, 'config.json');
  const config = existsSync(configPath) ? readJsonObject(configPath) : null;
  const summaryPath = join(dir, 'summary.json');
  const summary = existsSync(summaryPath) ? readJsonObject(summaryPath) : null;
  const artifacts = join(dir, 'artifacts');
  const images: RunData['images'] = [];
  if (existsSync(artifacts) && statSync(artifacts).isDirectory()) {
    for (const name of readdirSync(artifacts).sort()) {
      const ext = name.slice(name.lastIndexOf('.')).toLowerCase();
      const path = join(artifacts, name);
      if (!IMAGE_TYPES[ext] || name.startsWith('.')) continue; // dot files: temp files of an atomic write
      const st = statSync(path);
      if (st.isFile()) images.push({ name, path, bytes: st.size });
    }
  }
  const name = typeof config?.name === 'string' && config.name ? config.name : basename(dir);
  return { dir, name, config, summary, ...parsed, images };
}
