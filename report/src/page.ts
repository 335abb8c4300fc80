import { basename, relative } from 'node:path';
import { DEFAULT_EMBED_LIMITS, embedImages, type EmbedLimits } from './artifacts.js';
import { heatmapSvg } from './heatmap.js';
import { escapeHtml, htmlPage } from './html.js';
import { lineChartSvg, type LineSeries } from './line-chart.js';
import type { RunData } from './read-run.js';
import { epochMeanSeries, evalKeys, evalSeries, layerMatrix, lossKeys, stepSeries, type LayerMatrix } from './series.js';
import { formatNumber, seriesColor } from './svg.js';

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

/**
 * Display names of the runs: config name and directory name, made unique with more of the
 * path when two runs share both.
 */
export function runLabels(runs: RunData[]): string[] {
  const label = (r: RunData, dirPart: string) => (r.name === dirPart ? dirPart : `${r.name} (${dirPart})`);
  const short = runs.map((r) => label(r, basename(r.dir)));
  return runs.map((r, i) => (short.filter((s) => s === short[i]).length > 1 ? label(r, relative(process.cwd(), r.dir) || r.dir) : short[i]!));
}

function num(v: unknown): string {
  return typeof v === 'number' ? formatNumber(v) : '–';
}

function runsTable(runs: RunData[], labels: string[], keys: string[]): string {
  const last = (r: RunData, k: string) => [...r.epochs].reverse().find((e) => k in e)?.[k];
  const rows = runs.map((r, i) => {
    const steps = r.epochs.at(-1)?.step ?? (r.steps.length ? r.steps.at(-1)!.step! + 1 : undefined);
    const secs = typeof r.summary?.seconds === 'number' ? `${formatNumber(Math.round(r.summary.seconds as number))} s` : '–';
    const cells = [
      `<td><span class="swatch" style="background:${seriesColor(i)}"></span>${escapeHtml(labels[i]!)}</td>`,
      `<td class="num">${r.epochs.length}</td>`,
      `<td class="num">${num(steps)}</td>`,
      `<td class="num">${secs}</td>`,
      `<td class="num">${num(last(r, 'loss'))}</td>`,
      ...keys.map((k) => `<td class="num">${num(last(r, k))}</td>`),
      `<td class="num">${num(r.baseline?.raw_knn_acc)} / ${num(r.baseline?.raw_probe_acc)}</td>`,
      `<td class="num">${num(r.baseline?.init_knn_acc)} / ${num(r.baseline?.init_probe_acc)}</td>`,
    ];
    return `<tr>${cells.join('')}</tr>`;
  });
  const head = ['run', 'epochs', 'steps', 'time', 'last epoch loss', ...keys.map((k) => `last ${k}`), 'raw inputs k-NN / probe', 'random init k-NN / probe'];
  return `<table class="runs"><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>
<p class="meta">${runs.map((r, i) => `<span class="swatch" style="background:${seriesColor(i)}"></span><code>${escapeHtml(r.dir)}</code>`).join('<br>')}</p>`;
}

function lossSection(runs: RunData[], labels: string[]): string {
  const keys = lossKeys(runs);
  if (!keys.length) return `<p class="note">No loss values: metrics.jsonl has no step or epoch records yet.</p>`;
  const charts = keys.map((key) => {
    const series: LineSeries[] = [];
    runs.forEach((r, i) => {
      const steps = stepSeries(r, key);
      const means = epochMeanSeries(r, key);
      const name = runs.length > 1 ? labels[i]! : 'logged steps';
      if (steps.length) series.push({ name, points: steps, color: seriesColor(i) });
      // In a comparison the legend names the runs; the note above says what dashed means.
      if (means.length) series.push({ name: runs.length > 1 ? `${labels[i]} epoch mean` : 'epoch mean', points: means, color: seriesColor(i), dashed: true, legend: runs.length === 1 || !steps.length });
    });
    return `<figure class="chart">${lineChartSvg(series, { ...CHART, title: key, xLabel: 'step', yLabel: key })}</figure>`;
  });
  return `<p class="note">Solid: the loss at each logged step (every <code>trainer.logEvery</code> steps); dashed: the epoch's mean over all its steps, placed mid-epoch.</p>
<div class="charts">${charts.join('\n')}</div>`;
}

function evalSection(runs: RunData[], labels: string[]): string {
  const keys = evalKeys(runs);
  if (!keys.length) return `<p class="note">No evaluation results: no epoch was evaluated (see <code>eval.enabled</code> and <code>trainer.evalEvery</code>).</p>`;
  const charts = keys.map((key) => {
    const series = runs.map((r, i) => ({ name: labels[i]!, points: evalSeries(r, key), color: seriesColor(i) })).filter((s) => s.points.length);
    return `<figure class="chart">${lineChartSvg(series, { ...CHART, title: key, xLabel: 'epochs trained', yLabel: key })}</figure>`;
  });
  const hasBaseline = runs.some((r) => r.baseline);
  return `<p class="note">Each evaluation after an epoch${hasBaseline ? '; k-NN and linear-probe accuracy at epoch 0 are the encoder at random initialisation' : ''}.</p>
<div class="charts">${charts.join('\n')}</div>`;
}

function diagnosticsSection(runs: RunData[], labels: string[]): string {
  const parts: string[] = [];
  const missing = runs.map((r, i) => (layerMatrix(r, LAYER_DIAGNOSTICS[0].prefix) ? null : labels[i]!)).filter((l): l is string => l !== null);
  if (missing.length === runs.length) {
    return `<p class="note">${runs.length > 1 ? 'None of these runs logged' : 'This run logged no'} MTO diagnostics (<code>mto/het/L*</code>). Add the MTO plugin with <code>diagnostics: { enabled: true }</code> to see the per-layer heterogeneity profile.</p>`;
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
      parts.push(`<figure class="chart">${heatmapSvg(m.values, { rowLabels: m.rowLabels, colLabels: m.colLabels, title, xLabel: m.xLabel, yLabel: 'layer', scaleLabel: d.scale, min, max, width: 720 })}</figure>`);
    });
    const profile = profileChart(mats, labels, d.prefix);
    if (profile) parts.push(profile);
  }
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
  const accKeys = evalKeys(runs).filter((k) => /acc/.test(k));
  const when = (options.generatedAt ?? new Date()).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  const body = [
    `<h1>${escapeHtml(title)}</h1>`,
    `<p class="meta">Generated by <code>mto report</code> on ${escapeHtml(when)}. Self-contained: charts are inline SVG and images are embedded, so the page needs no network.</p>`,
    `<h2 id="runs">${runs.length === 1 ? 'Run' : 'Runs'}</h2>`,
    runsTable(runs, labels, accKeys),
    `<h2 id="loss">Loss</h2>`,
    lossSection(runs, labels),
    `<h2 id="eval">Evaluation</h2>`,
    evalSection(runs, labels),
    `<h2 id="mto">MTO diagnostics</h2>`,
    diagnosticsSection(runs, labels),
    `<h2 id="images">Reconstructions and other images</h2>`,
    imagesSection(runs, labels, limits),
    `<h2 id="config">Config</h2>`,
    configSection(runs, labels),
  ].join('\n');
  return htmlPage(title, body);
}
