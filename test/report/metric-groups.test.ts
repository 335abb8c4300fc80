import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chartsOfGroup, groupOf, isAccuracyKey, MAX_CHARTS, metricGroups, planCharts, type RunData } from '@mtojs/report';
import { reportInProcess, workspace, writeSyntheticRun } from './helpers.js';

/** A run held in memory: only the records matter to grouping and planning. */
function run(steps: Record<string, number>[], epochs: Record<string, number>[] = []): RunData {
  return { dir: '/r', name: 'r', config: null, summary: null, steps, epochs, baseline: null, images: [] };
}

/** The svg element of the chart titled `title` (its aria-label). */
function chart(html: string, title: string): string {
  const at = html.indexOf(`aria-label="${title}"`);
  assert.ok(at >= 0, `no chart '${title}'`);
  return html.slice(at, html.indexOf('</figure>', at));
}

test('metricGroups: every numeric series but step/epoch/time, grouped by prefix in the report order', () => {
  const r = run(
    [{ step: 0, epoch: 0, time: 5, loss: 1, 'loss/task': 1, lr: 0.1, samples_per_sec: 9, 'mto/het/L10': 1, 'mto/het/L2': 1, 'zz/a': 1, 'aa/b': 1 }],
    [{ epoch: 0, step: 1, loss: 1, 'eval/recon_mse': 1, 'eval/knn_acc': 0.5 }],
  );
  const groups = metricGroups([r], isAccuracyKey);
  assert.deepEqual(groups, [
    { name: 'loss', keys: ['loss', 'loss/task'] },
    { name: 'eval', keys: ['eval/knn_acc', 'eval/recon_mse'] },
    { name: 'mto', keys: ['mto/het/L2', 'mto/het/L10'] },
    { name: '', keys: ['lr', 'samples_per_sec'] },
    { name: 'aa', keys: ['aa/b'] },
    { name: 'zz', keys: ['zz/a'] },
  ]);
  assert.equal(groupOf('loss'), 'loss');
  assert.equal(groupOf('step_ms'), '');
  for (const k of ['eval/knn_acc', 'raw_probe_acc', 'eval/mlm_acc', 'eval/accuracy', 'top1_acc']) assert.ok(isAccuracyKey(k), k);
  for (const k of ['eval/recon_mse', 'eval/accept_rate', 'loss']) assert.ok(!isAccuracyKey(k), k);
});

test('chartsOfGroup: indexed families share a chart (at most N lines, one chart per run), other keys one each', () => {
  const layers = Object.fromEntries(Array.from({ length: 11 }, (_, l) => [`mto/het/L${l}`, l]));
  const a = run([{ step: 0, epoch: 0, ...layers, 'mto/other': 1 }]);
  const one = chartsOfGroup([a], ['mto/het/L0', ...Object.keys(layers).slice(1), 'mto/other'], 8);
  assert.deepEqual(one.map((c) => [c.title, c.keys.length, c.run]), [['mto/het/L0–7', 8, undefined], ['mto/het/L8–10', 3, undefined], ['mto/other', 1, undefined]]);
  // A single indexed key is not a family; in a comparison a family is drawn once per run.
  const b = run([{ step: 0, epoch: 0, 'mto/het/L0': 1, 'mto/het/L1': 2, 'x/L0': 1 }]);
  const two = chartsOfGroup([a, b], ['mto/het/L0', 'mto/het/L1', 'x/L0'], 8);
  assert.deepEqual(two.map((c) => [c.title, c.keys.length, c.run]), [['mto/het/L*', 2, 0], ['mto/het/L*', 2, 1], ['x/L0', 1, undefined]]);
});

test('planCharts shares the chart limit fairly: small groups keep all their charts, a flood of series is cut', () => {
  const flood = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`plug/k${i}x`, i]));
  const r = run([{ step: 0, epoch: 0, loss: 1, lr: 1, samples_per_sec: 1, ...flood }]);
  const plan = planCharts([r], metricGroups([r]), 20);
  const charts = (name: string) => plan.groups.find((g) => g.name === name)!.charts.length;
  assert.equal(charts('loss'), 1);
  assert.equal(charts(''), 2, 'lr and samples_per_sec are not pushed out');
  assert.equal(charts('plug'), 17);
  assert.equal(plan.notCharted.length, 500 - 17);
  assert.ok(plan.notCharted.every((k) => k.startsWith('plug/')));
});

test('mto report charts lr, samples_per_sec and every series a plugin reports (mto/entropy_*), grouped by prefix', async () => {
  const ws = workspace();
  try {
    const dir = writeSyntheticRun(join(ws, 'a'));
    // Add what the trainer and the MTO plugin log besides: throughput, step time, entropies.
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    for (const l of lines) if (l.type === 'step') Object.assign(l, { samples_per_sec: 100 + l.step, step_ms: 10, 'mto/entropy_masked/L0': 2, 'mto/entropy_masked/L1': 2.5, 'myplugin/score': l.step / 10 });
    writeFileSync(join(dir, 'metrics.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    assert.equal((await reportInProcess(['a'], ws)).code, 0);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    const titles = [...html.matchAll(/class="mto-chart line-chart"[^>]* aria-label="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(titles, ['loss', 'loss/task', 'eval/knn_acc', 'eval/probe_acc', 'mto/entropy_masked/L*', 'mto/het/L*', 'mto/vis2mask/L*', 'lr', 'samples_per_sec', 'step_ms', 'myplugin/score']);
    // The section order: loss, evaluation, MTO (heatmaps, then the series), ungrouped, other prefixes.
    const at = (s: string) => html.indexOf(s);
    assert.ok(at('<h2 id="loss">') < at('<h2 id="eval">') && at('<h2 id="eval">') < at('<h2 id="mto">') && at('<h2 id="mto">') < at('<h2 id="other">') && at('<h2 id="other">') < at('<code>myplugin/*</code></h2>'));
    // A family chart: one line per layer, named by layer; lr's points are its logged values.
    const ent = chart(html, 'mto/entropy_masked/L*');
    assert.deepEqual([...ent.matchAll(/data-series="([^"]+)"/g)].map((m) => m[1]), ['L0', 'L1']);
    const lr = chart(html, 'lr');
    assert.equal((lr.match(/<circle /g) ?? []).length, 12, 'one dot per logged step');
    assert.ok(!html.includes('Series not charted'));
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test('a metrics line with 100k keys makes a page of bounded size that says what it left out', async () => {
  const ws = workspace();
  try {
    const dir = join(ws, 'big');
    mkdirSync(dir);
    const rec: Record<string, unknown> = { type: 'step', step: 0, epoch: 0, loss: 1, lr: 0.01, time: 1 };
    for (let i = 0; i < 40_000; i++) rec[`mto/het/L${i}`] = (i % 7) / 7;
    for (let i = 0; i < 40_000; i++) rec[`p${i}/x`] = i;
    for (let i = 0; i < 20_000; i++) rec[`u${i}`] = i;
    const epoch = { type: 'epoch', epoch: 0, step: 2, loss: 1, 'eval/knn_acc': 0.5 };
    writeFileSync(join(dir, 'metrics.jsonl'), [rec, { ...rec, step: 1 }, epoch].map((l) => JSON.stringify(l)).join('\n') + '\n');
    const t0 = Date.now();
    const r = await reportInProcess(['big'], ws);
    assert.equal(r.code, 0, r.err);
    const seconds = (Date.now() - t0) / 1000;
    assert.ok(seconds < 30, `took ${seconds} s`);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    assert.ok(html.length < 1_000_000, `page of ${html.length} bytes`);
    assert.equal((html.match(/class="mto-chart line-chart"/g) ?? []).length, MAX_CHARTS);
    for (const t of ['loss', 'eval/knn_acc', 'lr', 'mto/het/L0–7']) assert.ok(html.includes(`aria-label="${t}"`), `${t} is still charted`);
    // 100 003 series; more groups (40 004) than charts, so the first 60 groups get one chart
    // each: loss, eval/knn_acc, mto/het/L0–7 (8 series), lr, p0/x .. p55/x: 67 series charted.
    const left = Number(/(\d+) series are not charted: a page holds at most 60 charts/.exec(html)?.[1]);
    assert.equal(left, 100_003 - 67);
    assert.match(html, /The first 100 are listed with their last value; \d+ more are not listed/);
    assert.equal((html.match(/<tr><td><code>/g) ?? []).length, 100);
    // The heatmap keeps its first 48 layers and says so.
    assert.match(html, /the first 48 layers of 40000 are shown/);
    assert.equal((html.match(/<rect class="cell" data-row="\d+" data-col="0"/g) ?? []).length, 48);
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});
