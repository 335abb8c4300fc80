import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatPercent, formatSignificant, lineChartSvg, niceTicks, tickLabels } from '@mtojs/report';
import { reportInProcess, workspace, writeSyntheticRun } from './helpers.js';

const xTicks = (svg: string) => [...svg.matchAll(/<text class="tick-x"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
const yTicks = (svg: string) => [...svg.matchAll(/<text class="tick-y"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);

/** The svg of the chart titled `title` in a page. */
function chart(html: string, title: string): string {
  const at = html.indexOf(`aria-label="${title}"`);
  assert.ok(at >= 0, `no chart '${title}'`);
  return html.slice(at, html.indexOf('</figure>', at));
}

/** The reference lines of a chart: label, value and pixel row. */
function references(svg: string): { label: string; y: number; py: number }[] {
  return [...svg.matchAll(/<line class="reference" data-label="([^"]+)" data-y="([^"]+)" x1="[^"]+" x2="[^"]+" y1="([^"]+)"/g)].map((m) => ({ label: m[1]!, y: Number(m[2]), py: Number(m[3]) }));
}

test('step and epoch axes get whole-number ticks, even with points between steps (epoch means mid-epoch)', () => {
  const steps: [number, number][] = Array.from({ length: 14 }, (_, i) => [i + 1, 1 / (i + 1)]);
  const means: [number, number][] = [[3, 0.5], [8, 0.2], [2.5, 0.4], [7.5, 0.3]].sort((a, b) => a[0]! - b[0]!) as [number, number][];
  const series = [{ name: 'steps', points: steps }, { name: 'mean', points: means, dashed: true }];
  const fixed = xTicks(lineChartSvg(series, { xInteger: true }));
  assert.ok(fixed.length >= 3 && fixed.every((t) => /^\d+$/.test(t)), JSON.stringify(fixed));
  // Without the option the half steps make it a real-valued axis: 2.5 and 7.5 were its ticks.
  assert.ok(xTicks(lineChartSvg(series)).some((t) => t.includes('.')));
  assert.match(lineChartSvg(series, { xInteger: true }), /data-x-ticks="integer"/);
  // Whole-number steps only: where the nice step would be 2.5, it is 2.
  assert.deepEqual(fixed, ['2', '4', '6', '8', '10', '12', '14']);
  assert.deepEqual(niceTicks(1, 14, 6).ticks, [0, 2.5, 5, 7.5, 10, 12.5, 15]);
  assert.deepEqual(niceTicks(1, 14, 6, true).ticks, [0, 2, 4, 6, 8, 10, 12, 14]);
  assert.deepEqual(niceTicks(0, 4, 8, true).ticks, [0, 1, 2, 3, 4]);
  assert.deepEqual(niceTicks(0, 250, 10, true).ticks.slice(0, 3), [0, 25, 50]);
});

test('numbers read evenly: tick labels share their decimals, table cells their precision, accuracies are percentages', () => {
  assert.deepEqual(tickLabels([0.001, 0.0015, 0.002]), ['0.0010', '0.0015', '0.0020']);
  assert.deepEqual(tickLabels([0.7, 0.8, 0.9, 1, 1.1]), ['0.7', '0.8', '0.9', '1.0', '1.1']);
  assert.deepEqual(tickLabels([0, 10000, 20000]), ['0', '10k', '20k']);
  assert.equal(formatSignificant(1), '1.000');
  assert.equal(formatSignificant(0.484375), '0.4844');
  assert.equal(formatSignificant(12.3456), '12.35');
  assert.equal(formatSignificant(2.5e-5), '2.500e-5');
  assert.equal(formatPercent(1), '100.0%');
  assert.equal(formatPercent(0.484375), '48.4%');
  const pct = yTicks(lineChartSvg([{ name: 'acc', points: [[0, 0.2], [1, 0.45]] }], { yPercent: true }));
  assert.ok(pct.length >= 3 && pct.every((t) => /^\d+%$/.test(t)), JSON.stringify(pct));
});

test('the runs table formats each column one way: accuracies and baselines as percentages, loss to 4 digits', async () => {
  const ws = workspace();
  try {
    writeSyntheticRun(join(ws, 'a'));
    const r = await reportInProcess(['a'], ws);
    assert.equal(r.code, 0, r.err);
    const html = readFileSync(join(ws, 'a', 'report.html'), 'utf8');
    const table = /<table class="runs">(.*?)<\/table>/s.exec(html)![1]!;
    const head = [...table.matchAll(/<th>([^<]*)<\/th>/g)].map((m) => m[1]);
    const cells = [...table.matchAll(/<td class="num">([^<]*)<\/td>/g)].map((m) => m[1]);
    assert.deepEqual(head, ['run', 'epochs', 'steps', 'time', 'last epoch loss', 'last eval/knn_acc', 'last eval/probe_acc', 'raw inputs k-NN / probe', 'random init k-NN / probe']);
    // The synthetic run: last epoch loss 1/5, k-NN 0.6, probe 0.65; baselines raw 0.8 / 0.7 (the
    // raw probe baseline was 1 / 0.4844 and 0.8711 in one table before), init 0.3 / 0.35.
    assert.deepEqual(cells, ['3', '12', '–', '0.2000', '60.0%', '65.0%', '80.0% / 70.0%', '30.0% / 35.0%']);
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test('the loss and eval charts of a report have whole-number x ticks', async () => {
  const ws = workspace();
  try {
    writeSyntheticRun(join(ws, 'a'));
    assert.equal((await reportInProcess(['a'], ws)).code, 0);
    const html = readFileSync(join(ws, 'a', 'report.html'), 'utf8');
    for (const title of ['loss', 'loss/task', 'lr', 'mto/het/L*', 'eval/knn_acc']) {
      const ticks = xTicks(chart(html, title));
      assert.ok(ticks.length >= 3 && ticks.every((t) => /^\d+$/.test(t)), `${title}: ${JSON.stringify(ticks)}`);
    }
    // The loss chart's epoch means sit mid-epoch (2.5, 6.5, 10.5) and are still drawn there.
    assert.match(chart(html, 'loss'), /data-series="epoch mean"/);
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test('baselines are labelled reference lines on the matching eval charts, any init_<x>/raw_<x> for eval/<x>', async () => {
  const ws = workspace();
  try {
    const dir = writeSyntheticRun(join(ws, 'a'));
    // A new eval metric with its own baselines, and a baseline field that matches no eval metric.
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    for (const l of lines) {
      if (l.type === 'baseline') Object.assign(l, { init_ft_acc: 0.25, raw_unmatched_acc: 0.5 });
      if (l.type === 'epoch') Object.assign(l, { 'eval/ft_acc': 0.5 + 0.1 * l.epoch, 'eval/recon_mse': 1 - 0.1 * l.epoch });
    }
    writeFileSync(join(dir, 'metrics.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    assert.equal((await reportInProcess(['a'], ws)).code, 0);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    const knn = chart(html, 'eval/knn_acc');
    const refs = references(knn);
    assert.deepEqual(refs.map((r) => [r.label, r.y]), [['raw inputs 80.0%', 0.8], ['random init 30.0%', 0.3]]);
    assert.ok(refs[0]!.py < refs[1]!.py, 'the higher baseline is drawn higher');
    assert.ok(knn.includes('>raw inputs 80.0%</text>') && knn.includes('>random init 30.0%</text>'), 'each line is labelled');
    // The plot's y range takes in the 80% line above the curve (which tops at 60%).
    assert.ok(yTicks(knn).includes('80%'));
    assert.deepEqual(references(chart(html, 'eval/probe_acc')).map((r) => [r.label, r.y]), [['raw inputs 70.0%', 0.7], ['random init 35.0%', 0.35]]);
    assert.deepEqual(references(chart(html, 'eval/ft_acc')).map((r) => [r.label, r.y]), [['random init 25.0%', 0.25]]);
    assert.deepEqual(references(chart(html, 'eval/recon_mse')), []);
    assert.ok(!html.includes('unmatched'), 'a baseline without its eval metric is drawn nowhere');
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test('in a comparison, a baseline all runs share is one grey line; different ones get a line per run in its colour', async () => {
  const ws = workspace();
  try {
    writeSyntheticRun(join(ws, 'a'), { name: 'a' });
    const b = writeSyntheticRun(join(ws, 'b'), { name: 'b' });
    const text = readFileSync(join(b, 'metrics.jsonl'), 'utf8').replace('"raw_knn_acc":0.8', '"raw_knn_acc":0.9');
    writeFileSync(join(b, 'metrics.jsonl'), text);
    assert.equal((await reportInProcess(['a', 'b', '--out', 'cmp.html'], ws)).code, 0);
    const knn = chart(readFileSync(join(ws, 'cmp.html'), 'utf8'), 'eval/knn_acc');
    assert.deepEqual(references(knn).map((r) => r.label).sort(), ['random init 30.0%', 'raw inputs, a: 80.0%', 'raw inputs, b: 90.0%']);
    assert.match(knn, /<line class="reference" data-label="raw inputs, a: 80.0%"[^>]* stroke="#0072B2"/);
    assert.match(knn, /<line class="reference" data-label="raw inputs, b: 90.0%"[^>]* stroke="#D55E00"/);
    assert.match(knn, /<line class="reference" data-label="random init 30.0%"[^>]* stroke="#888"/);
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});
