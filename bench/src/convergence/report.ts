import { join } from 'node:path';
import { writeFileAtomic } from '@mtojs/core';
import { lineChartSvg, type LineSeries } from '@mtojs/report';
import type { ArmResult, StudyResults, TargetSummary } from './analyze.js';
import { pairedDifference, spread as spreadOf, type Spread } from './stats.js';

/** Numbers in tables: 3 decimals in the usual range, 3 significant digits outside it. */
export function fmt(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  const a = Math.abs(x);
  return a === 0 || (a >= 0.01 && a < 1000) ? x.toFixed(3) : x.toPrecision(3);
}

/** 'mean ± std' (just the mean for one value, '-' for none). */
export function fmtSpread(s: Spread, digits?: (x: number | null) => string): string {
  const f = digits ?? fmt;
  if (s.n === 0) return '-';
  return s.std === null ? f(s.mean) : `${f(s.mean)} ± ${f(s.std)}`;
}

const epochsText = (t: TargetSummary) => (t.reached === 0 ? (t.n ? 'not reached' : '-') : fmtSpread(t.epochs, (x) => (x === null ? '-' : Number.isInteger(x) ? String(x) : x.toFixed(1))));

const seedEpoch = (e: number | null) => (e === null ? 'not reached' : String(e));

/** The SVG file of a metric's curves, inside the study directory. */
export const curvesFileName = (metric: string) => `curves-${metric.replace(/[^A-Za-z0-9._-]+/g, '_')}.svg`;

function armTable(r: StudyResults): string[] {
  const better = r.direction === 'max' ? 'higher is better' : 'lower is better';
  const lines = [
    `| arm | n | final ${r.metric} | AUC | RAUC (per seed) | RAUC (of means) | epochs to the baseline's final, same seed (within one schedule) | ratio to the baseline's epochs | reached | epochs to the baseline's mean final (within one schedule) | s per run |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const a of r.arms) {
    lines.push(
      `| ${a.name}${a.baseline && a.name !== 'baseline' ? ' (baseline)' : ''} | ${a.finished}/${a.planned} | ${fmtSpread(a.metric)} | ${fmtSpread(a.auc)} | ${fmtSpread(a.rauc)} | ${fmt(a.raucOfMeans)} | ${epochsText(a.toTargetSameSeed)} | ${fmtSpread(a.toTargetSameSeed.ratio)} | ${a.toTargetSameSeed.reached}/${a.toTargetSameSeed.n} | ${a.meanCurveToTarget === null ? (a.curve.length ? 'not reached' : '-') : `${a.meanCurveToTarget} (mean curve)`} | ${fmtSpread(a.seconds, (x) => (x === null ? '-' : x.toFixed(0)))} |`,
    );
  }
  lines.push('', `${r.metric}: ${better}. AUC: the area under the metric's curve over epochs (trapezoid) divided by the epochs it spans; RAUC: an arm's AUC over the baseline's. Epochs-to-target are read inside each run's own schedule, which decays to 0 at its end, so no earlier epoch is annealed: compare separate budgets (--budgets) for the paper's protocol.`);
  return lines;
}

/** Differences: always 3 decimals, so small ones stay readable beside large ones. */
const fixed3 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(3));
const interval = (i: [number, number] | null) => (i ? `[${fixed3(i[0])}, ${fixed3(i[1])}]` : '-');

/**
 * The control of fine-tuning studies: each run's final eval/ft_acc minus the fine-tune of its own
 * encoder at random initialisation (the run's baseline record, same seed, same labels).
 */
function initControlTable(r: StudyResults): string[] {
  if (r.metric !== 'eval/ft_acc') return [];
  const lines = ['| arm | runs | mean gain over fine-tuning from random init | 95% t-interval | per seed |', '|---|---:|---:|---:|---|'];
  let any = false;
  for (const a of r.arms) {
    const pairs = r.runs
      .filter((x) => x.arm === a.name && x.baselines?.init_ft_acc !== undefined && x.curve.length > 0)
      .map((x) => ({ seed: x.seed, arm: x.curve[x.curve.length - 1][1], baseline: x.baselines!.init_ft_acc }));
    if (pairs.length === 0) continue;
    any = true;
    const p = pairedDifference(pairs);
    lines.push(`| ${a.name} | ${p.n} | ${fixed3(p.mean)} | ${interval(p.t95)} | ${p.perSeed.map((x) => `${x.seed}: ${fixed3(x.diff)}`).join(', ')} |`);
  }
  return any ? lines : [];
}

/** Each arm's final metric minus the baseline's, paired by seed, with 95% intervals. */
function pairedTable(r: StudyResults): string[] {
  const arms = r.arms.filter((a) => !a.baseline);
  if (arms.length === 0) return [];
  const base = r.arms[0]?.name ?? 'baseline';
  const lines = [
    `| arm | pairs | mean difference in final ${r.metric} vs ${base} | std | 95% t-interval | 95% bootstrap interval | per seed |`,
    '|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const a of arms) {
    const p = a.paired;
    lines.push(`| ${a.name} | ${p.n} | ${fixed3(p.mean)} | ${fixed3(p.std)} | ${interval(p.t95)} | ${interval(p.bootstrap95)} | ${p.perSeed.map((x) => `${x.seed}: ${fixed3(x.diff)}`).join(', ')} |`);
  }
  lines.push('', `Differences are arm - ${base} for the same seed (the same data order, initialisation and masks). The t-interval is mean ± t(0.975, n-1) · std / sqrt(n); the bootstrap resamples the pairs (10,000 times, fixed seed).`);
  return lines;
}

function seedTable(r: StudyResults): string[] {
  const lines = [`| arm | seed | final ${r.metric} | AUC | RAUC | epochs to the baseline's final (same seed) | epochs to the baseline's mean final | s |`, '|---|---:|---:|---:|---:|---:|---:|---:|'];
  const baseAuc = new Map(r.runs.filter((x) => x.arm === r.arms[0]?.name).map((x) => [x.seed, x.auc]));
  for (const a of r.arms) {
    for (const run of r.runs.filter((x) => x.arm === a.name)) {
      const same = a.toTargetSameSeed.perSeed.find((p) => p.seed === run.seed);
      const vsMean = a.toTargetBaselineMean.perSeed.find((p) => p.seed === run.seed);
      const b = baseAuc.get(run.seed);
      const final = run.curve.length ? run.curve[run.curve.length - 1][1] : null;
      lines.push(
        `| ${a.name} | ${run.seed} | ${fmt(final)} | ${fmt(run.auc)} | ${fmt(run.auc !== null && b ? run.auc / b : null)} | ${same ? `${seedEpoch(same.epoch)} (target ${fmt(same.target)})` : '-'} | ${vsMean ? seedEpoch(vsMean.epoch) : '-'} | ${run.seconds.toFixed(0)} |`,
      );
    }
  }
  return lines;
}

function finalTable(r: StudyResults): string[] {
  const keys = [...new Set(r.arms.flatMap((a) => Object.keys(a.final)))].sort((x, y) => (x.startsWith('eval/') === y.startsWith('eval/') ? x.localeCompare(y) : x.startsWith('eval/') ? -1 : 1));
  if (keys.length === 0) return [];
  const lines = [`| metric | ${r.arms.map((a) => a.name).join(' | ')} |`, `|---|${r.arms.map(() => '---:').join('|')}|`];
  for (const k of keys) lines.push(`| ${k} | ${r.arms.map((a) => (a.final[k] ? fmtSpread(a.final[k]) : '-')).join(' | ')} |`);
  return lines;
}

function curveTable(r: StudyResults): string[] {
  const epochs = [...new Set(r.arms.flatMap((a) => a.curve.map((p) => p.epoch)))].sort((x, y) => x - y);
  if (epochs.length === 0) return [];
  const lines = [`| epoch | ${r.arms.map((a) => a.name).join(' | ')} |`, `|---:|${r.arms.map(() => '---:').join('|')}|`];
  for (const e of epochs) {
    lines.push(`| ${e} | ${r.arms.map((a: ArmResult) => {
      const p = a.curve.find((c) => c.epoch === e);
      return p ? fmtSpread({ mean: p.mean, std: p.std, n: p.n, min: null, max: null }) : '-';
    }).join(' | ')} |`);
  }
  return lines;
}

/** The probes on raw inputs and on the encoder at random init (the runs' `baseline` records), mean over runs. */
function referenceLine(r: StudyResults): string | null {
  const recs = r.runs.map((x) => x.baselines).filter((b): b is Record<string, number> => b !== null);
  if (recs.length === 0) return null;
  const m = (k: string) => fmtSpread(spreadOf(recs.map((b) => b[k]).filter((v) => v !== undefined)));
  const ft = recs.some((b) => b.init_ft_acc !== undefined) ? `, fine-tune ${m('init_ft_acc')}` : '';
  return `For reference (before training, mean over ${recs.length} run(s)): encoder at random init k-NN ${m('init_knn_acc')}, probe ${m('init_probe_acc')}${ft}; raw inputs k-NN ${m('raw_knn_acc')}, probe ${m('raw_probe_acc')}.`;
}

/** One study's results as Markdown. */
export function formatStudyMarkdown(r: StudyResults): string {
  const m = r.modality;
  const done = r.runs.length;
  const planned = done + r.missing.length;
  const out = [
    `## ${r.study}: ${r.title}`,
    '',
    `${m ? `data ${m.data}, adapter ${m.adapter}, model ${m.model}; ` : ''}${r.metric} on the ${r.split} split; seeds ${r.seeds.join(', ')}; ${done} of ${planned} runs finished` +
      `${r.sets.length ? `; overrides: ${r.sets.map((s) => `\`${s}\``).join(' ')}` : ''}`,
    '',
    ...armTable(r),
  ];
  const paired = pairedTable(r);
  if (paired.length) out.push('', '### Paired differences (by seed)', '', ...paired);
  const control = initControlTable(r);
  if (control.length) out.push('', '### Pre-training vs random init (the control, same seed)', '', ...control);
  const refs = referenceLine(r);
  if (refs) out.push('', refs);
  if (r.warnings.length) out.push('', ...r.warnings.map((w) => `- warning: ${w}`));
  if (r.missing.length) out.push('', `- not finished: ${r.missing.map((x) => `${x.arm}/seed-${x.seed}`).join(', ')}`);
  const per = seedTable(r);
  if (r.runs.length) out.push('', '### Per seed', '', ...per);
  const fin = finalTable(r);
  if (fin.length) out.push('', '### Final metrics (mean ± std over seeds)', '', ...fin);
  const cur = curveTable(r);
  if (cur.length) out.push('', `### ${r.metric} per epoch (mean ± std over seeds)`, '', ...cur, '', `Plot: ${curvesFileName(r.metric)}`);
  return out.join('\n');
}

/** The mean curve of every arm with a ±1 std band, as an SVG line chart. */
export function curvesSvg(r: StudyResults): string {
  const series: LineSeries[] = r.arms
    .filter((a) => a.curve.length > 0)
    .map((a) => ({
      name: `${a.name} (n=${a.finished})`,
      points: a.curve.map((p) => [p.epoch, p.mean] as [number, number]),
      band: a.curve.every((p) => p.std !== null) ? a.curve.map((p) => [p.epoch, p.mean - p.std!, p.mean + p.std!] as [number, number, number]) : undefined,
      dashed: a.baseline,
    }));
  return lineChartSvg(series, { title: `${r.study}: ${r.metric} on ${r.split} (mean ± std over seeds)`, xLabel: 'epoch', yLabel: r.metric });
}

/** Writes results.json, results.md and the curves' SVG into the study directory (each atomically). */
export function writeStudyReport(studyDir: string, r: StudyResults): { json: string; md: string; svg: string } {
  const files = { json: join(studyDir, 'results.json'), md: join(studyDir, 'results.md'), svg: join(studyDir, curvesFileName(r.metric)) };
  writeFileAtomic(files.json, `${JSON.stringify(r, null, 2)}\n`);
  writeFileAtomic(files.md, `${formatStudyMarkdown(r)}\n`);
  writeFileAtomic(files.svg, curvesSvg(r));
  return files;
}
