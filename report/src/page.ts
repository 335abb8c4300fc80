import { basename, relative } from 'node:path';
import { DEFAULT_EMBED_LIMITS, embedImages, type EmbedLimits } from './artifacts.js';
import { heatmapSvg } from './heatmap.js';
import { escapeHtml, htmlPage } from './html.js';
import { lineChartSvg, type LineSeries, type ReferenceLine } from './line-chart.js';
import { MAX_CHARTS, metricGroups, planCharts, type ChartPlan, type MetricChart } from './metric-groups.js';
import type { RunData } from './read-run.js';
import { baselinesOf, epochMeanSeries, epochSeries, evalSeries, isAccuracyKey, layerMatrix, stepSeries, type LayerMatrix } from './series.js';
import { viridis } from './heatmap.js';
import { formatNumber, formatPercent, formatSignificant, seriesColor } from './svg.js';

export interface ReportOptions {
  /** Page title; default "Run report: NAME" or "Comparison of N runs". */
  title?: string;
  limits?: Partial<EmbedLimits>;
  /** Shown in the header; default now. Fixed in tests for a stable page. */
  generatedAt?: Date;
}

/** The diagnostics shown as per-layer heatmaps, when a run logged them. */
export const LAYER_DIAGNOSTICS = [
  { prefix: 'mto/het/', title: 'Heterogeneity (Het) per layer', scale: 'mean Het' },
  { prefix: 'mto/vis2mask/', title: 'Visible → masked attention per layer (vis2mask)', scale: 'mean vis2mask' },
] as const;

const CHART = { width: 490, height: 290 };

/** Most accuracy columns in the runs table (all of them are charted). */
const MAX_TABLE_METRICS = 6;

/** Most rows of the table of series not charted. */
const MAX_NOT_CHARTED_ROWS = 100;

/** Points per line of a family chart (up to MAX_LINES lines share it). */
const FAMILY_POINTS = 400;

/**
 * Display names of the runs: config name and directory name, made unique with more of the
 * path when two runs share both.
 */
export function runLabels(runs: RunData[]): string[] {
  const label = (r: RunData, dirPart: string) => (r.name === dirPart ? dirPart : `${r.name} (${dirPart})`);
  const short = runs.map((r) => label(r, basename(r.dir)));
  return runs.map((r, i) => (short.filter((s) => s === short[i]).length > 1 ? label(r, relative(process.cwd(), r.dir) || r.dir) : short[i]!));
}

/** Whether a metric is shown as a percentage: an accuracy whose every value is a fraction. */
function percentMetric(runs: RunData[], key: string): boolean {
  if (!isAccuracyKey(key)) return false;
  const inRange = (v: number | undefined) => v === undefined || !Number.isFinite(v) || (v >= 0 && v <= 1);
  return runs.every((r) => [...r.steps, ...r.epochs].every((rec) => inRange(rec[key])) && baselinesOf(r, key).every((b) => inRange(b.value)));
}

/** A table cell of a metric: accuracies as percentages (as `mto train` prints them), others to 4 significant digits. */
function metricCell(v: number | undefined, percent: boolean): string {
  if (v === undefined) return '–';
  return percent ? formatPercent(v) : formatSignificant(v);
}

function runsTable(runs: RunData[], labels: string[], accKeys: string[]): string {
  const keys = accKeys.slice(0, MAX_TABLE_METRICS);
  const last = (r: RunData, k: string) => [...r.epochs].reverse().find((e) => k in e)?.[k];
  const pct = new Map(keys.map((k) => [k, percentMetric(runs, k)]));
  const baselinePct = (v: number | undefined) => (v !== undefined && v >= 0 && v <= 1 ? formatPercent(v) : metricCell(v, false));
  const rows = runs.map((r, i) => {
    const steps = r.epochs.at(-1)?.step ?? (r.steps.length ? r.steps.at(-1)!.step! + 1 : undefined);
    const secs = typeof r.summary?.seconds === 'number' ? `${Math.round(r.summary.seconds as number)} s` : '–';
    const cells = [
      `<td><span class="swatch" style="background:${seriesColor(i)}"></span>${escapeHtml(labels[i]!)}</td>`,
      `<td class="num">${r.epochs.length}</td>`,
      `<td class="num">${steps === undefined ? '–' : String(steps)}</td>`,
      `<td class="num">${secs}</td>`,
      `<td class="num">${metricCell(last(r, 'loss'), false)}</td>`,
      ...keys.map((k) => `<td class="num">${metricCell(last(r, k), pct.get(k)!)}</td>`),
      `<td class="num">${baselinePct(r.baseline?.raw_knn_acc)} / ${baselinePct(r.baseline?.raw_probe_acc)}</td>`,
      `<td class="num">${baselinePct(r.baseline?.init_knn_acc)} / ${baselinePct(r.baseline?.init_probe_acc)}</td>`,
    ];
    return `<tr>${cells.join('')}</tr>`;
  });
  const head = ['run', 'epochs', 'steps', 'time', 'last epoch loss', ...keys.map((k) => `last ${k}`), 'raw inputs k-NN / probe', 'random init k-NN / probe'];
  const more = accKeys.length > keys.length ? `<p class="note">${accKeys.length - keys.length} more accuracy metrics are charted below, not listed here.</p>` : '';
  return `<table class="runs"><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>${more}
<p class="meta">${runs.map((r, i) => `<span class="swatch" style="background:${seriesColor(i)}"></span><code>${escapeHtml(r.dir)}</code>`).join('<br>')}</p>`;
}

const BASELINE_KINDS = { raw: { label: 'raw inputs', dash: '2 3', grey: '#444' }, init: { label: 'random init', dash: '7 3', grey: '#888' } } as const;

/**
 * The baselines of an eval metric as reference lines: one grey line per kind when every run
 * measured the same value (the same data), else one per run in the run's colour.
 */
function baselineLines(runs: RunData[], labels: string[], key: string, percent: boolean): ReferenceLine[] {
  const fmt = (v: number) => (percent ? formatPercent(v) : formatNumber(v));
  return (['raw', 'init'] as const).flatMap((kind) => {
    const k = BASELINE_KINDS[kind];
    const per = runs.map((r, i) => ({ i, b: baselinesOf(r, key).find((b) => b.kind === kind) })).filter((x) => x.b);
    if (!per.length) return [];
    if (new Set(per.map((x) => x.b!.value)).size === 1) {
      const v = per[0]!.b!.value;
      return [{ label: `${k.label} ${fmt(v)}`, y: v, color: k.grey, dash: k.dash }];
    }
    return per.map(({ i, b }) => ({ label: `${k.label}, ${labels[i]}: ${fmt(b!.value)}`, y: b!.value, color: seriesColor(i), dash: k.dash }));
  });
}

/** One planned chart as SVG: a metric with the runs overlaid, or an indexed family of one run. */
function metricChartSvg(c: MetricChart, runs: RunData[], labels: string[]): string {
  const xLabel = c.axis === 'step' ? 'step' : 'epochs trained';
  if (c.keys.length === 1) {
    const key = c.keys[0]!;
    const percent = percentMetric(runs, key);
    const series: LineSeries[] = [];
    runs.forEach((r, i) => {
      if (c.axis === 'step') {
        const steps = stepSeries(r, key);
        const means = epochMeanSeries(r, key);
        const name = runs.length > 1 ? labels[i]! : 'logged steps';
        if (steps.length) series.push({ name, points: steps, color: seriesColor(i) });
        // In a comparison the legend names the runs; the section's note says what dashed means.
        if (means.length) series.push({ name: runs.length > 1 ? `${labels[i]} epoch mean` : 'epoch mean', points: means, color: seriesColor(i), dashed: true, legend: runs.length === 1 || !steps.length });
      } else {
        const points = key.startsWith('eval/') ? evalSeries(r, key) : epochSeries(r, key);
        if (points.length) series.push({ name: labels[i]!, points, color: seriesColor(i) });
      }
    });
    const references = baselineLines(runs, labels, key, percent);
    return `<figure class="chart">${lineChartSvg(series, { ...CHART, title: key, xLabel, yLabel: key, xInteger: true, yPercent: percent, references })}</figure>`;
  }
  const run = runs[c.run ?? 0]!;
  const n = c.keys.length;
  const stem = c.title.endsWith('*') ? c.title.slice(0, -1) : c.keys[0]!.replace(/\d+$/, '');
  const series: LineSeries[] = c.keys.map((key, j) => ({
    name: key.startsWith(stem) ? key.slice(stem.length - stem.replace(/^.*\//, '').length) : key,
    points: c.axis === 'step' ? stepSeries(run, key, FAMILY_POINTS) : epochSeries(run, key),
    // Layers in order from dark to light (viridis, short of its palest yellow).
    color: viridis(n > 1 ? (0.85 * j) / (n - 1) : 0),
  }));
  const title = c.run === undefined ? c.title : `${c.title}: ${labels[c.run]}`;
  const percent = c.keys.every((k) => percentMetric([run], k));
  return `<figure class="chart">${lineChartSvg(series, { ...CHART, title, xLabel, yLabel: stem.replace(/\/[^/]*$/, '') || stem, xInteger: true, yPercent: percent })}</figure>`;
}

function chartsOf(plan: ChartPlan, group: string, runs: RunData[], labels: string[]): string[] {
  return (plan.groups.find((g) => g.name === group)?.charts ?? []).map((c) => metricChartSvg(c, runs, labels));
}

function lossSection(plan: ChartPlan, runs: RunData[], labels: string[]): string {
  const charts = chartsOf(plan, 'loss', runs, labels);
  if (!charts.length) return `<p class="note">No loss values: metrics.jsonl has no step or epoch records yet.</p>`;
  return `<p class="note">Solid: the loss at each logged step (every <code>trainer.logEvery</code> steps); dashed: the epoch's mean over all its steps, placed mid-epoch.</p>
<div class="charts">${charts.join('\n')}</div>`;
}

function evalSection(plan: ChartPlan, runs: RunData[], labels: string[]): string {
  const charts = chartsOf(plan, 'eval', runs, labels);
  if (!charts.length) return `<p class="note">No evaluation results: no epoch was evaluated (see <code>eval.enabled</code> and <code>trainer.evalEvery</code>).</p>`;
  const hasBaseline = runs.some((r) => r.baseline);
  return `<p class="note">Each evaluation after an epoch${hasBaseline ? '. The baselines <code>mto train</code> measures before training are the horizontal lines: dotted, the raw inputs; dashed, the encoder at random initialisation (also the point at epoch 0)' : ''}.</p>
<div class="charts">${charts.join('\n')}</div>`;
}

/** The ungrouped metrics and each further prefix: one section each (h2), in plan order. */
function otherSections(plan: ChartPlan, runs: RunData[], labels: string[]): string {
  const parts: string[] = [];
  plan.groups.forEach((g, i) => {
    if (['loss', 'eval', 'mto'].includes(g.name) || !g.charts.length) return;
    const charts = g.charts.map((c) => metricChartSvg(c, runs, labels));
    if (g.name === '') {
      parts.push(`<h2 id="other">Other metrics</h2>
<p class="note">Series logged without a prefix: the trainer's <code>lr</code> (learning rate), <code>samples_per_sec</code> and <code>step_ms</code> (time of one step), and any a plugin reports.</p>`);
    } else parts.push(`<h2 id="group-${i}"><code>${escapeHtml(g.name)}/*</code></h2>`);
    parts.push(`<div class="charts">${charts.join('\n')}</div>`);
  });
  if (plan.notCharted.length) parts.push(notChartedSection(plan.notCharted, runs, labels));
  return parts.join('\n');
}

/** The series past the page's chart limit: listed with their last value instead of drawn. */
function notChartedSection(keys: string[], runs: RunData[], labels: string[]): string {
  const lastOf = (r: RunData, k: string) => {
    for (const recs of [r.epochs, r.steps]) for (let j = recs.length - 1; j >= 0; j--) if (k in recs[j]!) return recs[j]![k];
    return undefined;
  };
  const shown = keys.slice(0, MAX_NOT_CHARTED_ROWS);
  const head = `<tr><th>series</th>${labels.map((l, i) => `<th><span class="swatch" style="background:${seriesColor(i)}"></span>last value${runs.length > 1 ? `, ${escapeHtml(l)}` : ''}</th>`).join('')}</tr>`;
  const rows = shown.map((k) => `<tr><td><code>${escapeHtml(k)}</code></td>${runs.map((r) => `<td class="num">${metricCell(lastOf(r, k), false)}</td>`).join('')}</tr>`);
  const rest = keys.length - shown.length;
  return `<h2 id="not-charted">Series not charted</h2>
<p class="note">${keys.length} series are not charted: a page holds at most ${MAX_CHARTS} charts of metrics, shared among the groups above.${rest > 0 ? ` The first ${shown.length} are listed with their last value; ${rest} more are not listed.` : ''} Every value is in <code>metrics.jsonl</code>, and <code>mto report --csv FILE</code> exports them all.</p>
<table class="not-charted"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
}

function diagnosticsSection(plan: ChartPlan, runs: RunData[], labels: string[]): string {
  const parts: string[] = [];
  const missing = runs.map((r, i) => (layerMatrix(r, LAYER_DIAGNOSTICS[0].prefix) ? null : labels[i]!)).filter((l): l is string => l !== null);
  const series = chartsOf(plan, 'mto', runs, labels);
  const seriesPart = series.length ? `<h3>Every MTO series</h3>\n<p class="note">What the plugin reports at each logged step; in a chart per layer family, one line per layer (dark: first layer, light: last).</p>\n<div class="charts">${series.join('\n')}</div>` : '';
  if (missing.length === runs.length) {
    return seriesPart + `<p class="note">${runs.length > 1 ? 'None of these runs logged' : 'This run logged no'} MTO diagnostics (<code>mto/het/L*</code>). Add the MTO plugin with <code>diagnostics: { enabled: true }</code> to see the per-layer heterogeneity profile.</p>`;
  }
  if (missing.length) parts.push(`<p class="note">No MTO diagnostics in: ${missing.map((l) => escapeHtml(l)).join(', ')}.</p>`);
  for (const d of LAYER_DIAGNOSTICS) {
    const mats = runs.map((r) => layerMatrix(r, d.prefix));
    if (!mats.some(Boolean)) continue;
    // One colour range for all runs, so that their heatmaps compare.
    const all = mats.flatMap((m) => (m ? m.values.flat() : [])).filter((v): v is number => v !== null && Number.isFinite(v));
    const min = Math.min(...all);
    const max = Math.max(...all);
    if (runs.length > 1) parts.push(`<h3>${escapeHtml(d.title)}</h3>`);
    mats.forEach((m, i) => {
      if (!m) return;
      const title = runs.length > 1 ? labels[i]! : d.title;
      if (m.omittedRows) parts.push(`<p class="note">${escapeHtml(runs.length > 1 ? `${labels[i]}: ` : '')}the first ${m.rowLabels.length} layers of ${m.rowLabels.length + m.omittedRows} are shown (at most ${m.rowLabels.length} rows per heatmap).</p>`);
      parts.push(`<figure class="chart">${heatmapSvg(m.values, { rowLabels: m.rowLabels, colLabels: m.colLabels, title, xLabel: m.xLabel, yLabel: 'layer', scaleLabel: d.scale, min, max, width: 720 })}</figure>`);
    });
    const profile = profileChart(mats, labels, d.prefix);
    if (profile) parts.push(profile);
  }
  if (seriesPart) parts.push(seriesPart);
  return `<p class="note">Per-layer means over the logged steps of each ${runs.some((r) => (layerMatrix(r, 'mto/het/')?.xLabel ?? 'epoch') === 'step') ? 'column' : 'epoch'}; rows are the layers of the module MTO acts on, first layer on top.</p>\n${parts.join('\n')}`;
}

/** The last column of each run's heatmap as a line over the layers: the end-of-training profile. */
function profileChart(mats: (LayerMatrix | null)[], labels: string[], prefix: string): string | null {
  const series: LineSeries[] = [];
  mats.forEach((m, i) => {
    if (!m || m.rowLabels.some((l) => !/^L\d+$/.test(l))) return;
    const pts: [number, number][] = m.rowLabels.map((l, r) => [Number(l.slice(1)), m.values[r]!.at(-1) ?? NaN]);
    series.push({ name: labels[i]!, points: pts, color: seriesColor(i) });
  });
  // Only a comparison gains from it: for one run the heatmap's last column shows the same.
  if (series.length < 2 || series.every((s) => s.points.length < 2)) return null;
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  if (ys.every((y) => y === ys[0])) return null;
  return `<figure class="chart">${lineChartSvg(series, { ...CHART, title: `${prefix}L* in the last ${mats.find(Boolean)!.xLabel === 'epoch' ? 'epoch' : 'step bin'}`, xLabel: 'layer', yLabel: prefix.replace(/\/$/, ''), markers: true })}</figure>`;
}

function imagesSection(runs: RunData[], labels: string[], limits: EmbedLimits): string {
  const budget = { bytes: limits.maxTotalBytes };
  const parts: string[] = [];
  runs.forEach((r, i) => {
    if (!r.images.length) return;
    const sel = embedImages(r, limits, budget);
    if (runs.length > 1) parts.push(`<h3><span class="swatch" style="background:${seriesColor(i)}"></span>${escapeHtml(labels[i]!)}</h3>`);
    if (sel.embedded.length) {
      parts.push(`<div class="images">${sel.embedded.map((im) => `<figure><img src="${im.dataUri}" alt="${escapeHtml(im.name)}"><figcaption>${escapeHtml(im.name)}</figcaption></figure>`).join('\n')}</div>`);
    }
    if (sel.skipped.length) {
      parts.push(`<p class="skipped">Left out (${sel.skipped.length}): ${sel.skipped.map((s) => `${escapeHtml(s.name)} (${escapeHtml(s.reason)})`).join(', ')}.</p>`);
    }
  });
  if (!parts.length) return `<p class="note">No images under <code>artifacts/</code>.</p>`;
  return `<p class="note">Images from each run's <code>artifacts/</code> (reconstruction sheets: rows original / masked input / reconstruction).</p>\n${parts.join('\n')}`;
}

/** Flattens a JSON value to dotted paths → JSON text of the leaves. */
function flattenJson(v: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length) {
    for (const [k, x] of Object.entries(v)) flattenJson(x, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, JSON.stringify(v));
  return out;
}

function configSection(runs: RunData[], labels: string[]): string {
  const parts: string[] = [];
  if (runs.length > 1) {
    const flats = runs.map((r) => flattenJson(r.config ?? {}));
    const keys = [...new Set(flats.flatMap((f) => [...f.keys()]))].sort();
    const diff = keys.filter((k) => new Set(flats.map((f) => f.get(k) ?? '∅')).size > 1);
    parts.push(`<h3>Differences</h3>`);
    if (!diff.length) parts.push(`<p class="note">The configs are identical.</p>`);
    else {
      const head = `<tr><th>field</th>${labels.map((l, i) => `<th><span class="swatch" style="background:${seriesColor(i)}"></span>${escapeHtml(l)}</th>`).join('')}</tr>`;
      const rows = diff.map((k) => `<tr><td><code>${escapeHtml(k)}</code></td>${flats.map((f) => `<td><code>${escapeHtml(f.get(k) ?? '(absent)')}</code></td>`).join('')}</tr>`);
      parts.push(`<table class="config-diff"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`);
    }
  }
  runs.forEach((r, i) => {
    const text = r.config ? JSON.stringify(r.config, null, 2) : null;
    const body = text === null ? `<p class="note">No config.json in this run directory.</p>` : `<pre class="config">${escapeHtml(text)}</pre>`;
    if (runs.length === 1) parts.push(body);
    else parts.push(`<details><summary><span class="swatch" style="background:${seriesColor(i)}"></span>${escapeHtml(labels[i]!)}</summary>${body}</details>`);
  });
  return parts.join('\n');
}

/** The whole report page for one run, or a comparison of several (overlaid curves). */
export function renderReport(runs: RunData[], options: ReportOptions = {}): string {
  if (!runs.length) throw new Error('renderReport: no runs');
  const labels = runLabels(runs);
  const limits = { ...DEFAULT_EMBED_LIMITS, ...options.limits };
  const title = options.title ?? (runs.length === 1 ? `Run report: ${labels[0]}` : `Comparison of ${runs.length} runs`);
  const groups = metricGroups(runs, isAccuracyKey);
  const plan = planCharts(runs, groups);
  const accKeys = (groups.find((g) => g.name === 'eval')?.keys ?? []).filter(isAccuracyKey);
  const when = (options.generatedAt ?? new Date()).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  const body = [
    `<h1>${escapeHtml(title)}</h1>`,
    `<p class="meta">Generated by <code>mto report</code> on ${escapeHtml(when)}. Self-contained: charts are inline SVG and images are embedded, so the page needs no network.</p>`,
    `<h2 id="runs">${runs.length === 1 ? 'Run' : 'Runs'}</h2>`,
    runsTable(runs, labels, accKeys),
    `<h2 id="loss">Loss</h2>`,
    lossSection(plan, runs, labels),
    `<h2 id="eval">Evaluation</h2>`,
    evalSection(plan, runs, labels),
    `<h2 id="mto">MTO diagnostics</h2>`,
    diagnosticsSection(plan, runs, labels),
    otherSections(plan, runs, labels),
    `<h2 id="images">Reconstructions and other images</h2>`,
    imagesSection(runs, labels, limits),
    `<h2 id="config">Config</h2>`,
    configSection(runs, labels),
  ].join('\n');
  return htmlPage(title, body);
}
