/**
 * End to end: two real tiny training runs (MAE with MTO diagnostics on MNIST digits, and the
 * core's sine task without MTO), their reports made by the real `mto report`, then the pages
 * opened in headless Chromium (Debian's `chromium`, or MTOJS_CHROMIUM).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PNG } from 'pngjs';
import { chromium, type Page } from 'playwright-core';
import { tinyConfig } from '../core/fixtures/tiny-task.js';
import { mto, workspace } from './helpers.js';

const EXAMPLE = resolve(__dirname, '../../../examples/mnist/mae-mto.yaml');
const FIXTURE = resolve(__dirname, '../core/fixtures/tiny-task.js');
const CHROMIUM = process.env.MTOJS_CHROMIUM || '/usr/bin/chromium';
const REQUIRE_BROWSER = process.env.MTOJS_REQUIRE_BROWSER === '1';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** MAE + MTO (examples/mnist/mae-mto.yaml) shrunk to 32 digits, 2 epochs of 2 steps, 3 decoder layers, diagnostics every step. */
const TINY_MTO = [
  'backend=cpu',
  'data.trainSize=32',
  'data.testSize=32',
  'trainer.epochs=2',
  'trainer.batchSize=16',
  'trainer.logEvery=1',
  'trainer.evalEvery=1',
  'trainer.progress=none',
  'eval.maxTrainExamples=32',
  'eval.maxEvalExamples=32',
  'eval.probeSteps=20',
  'eval.finetune.enabled=false', // mae-mto.yaml fine-tunes on 100 labels; this run has 32 digits
  'model={name: mae, width: 16, depth: 1, heads: 2, decoderWidth: 16, decoderDepth: 3, decoderHeads: 2}',
  'plugins.mto.diagnostics.every=1',
].flatMap((s) => ['--set', s]);

let ws = '';
let mtoRun = '';
let baseRun = '';

before(() => {
  ws = workspace();
  const a = mto(['train', '--config', EXAMPLE, '--out', 'mto-run', '--quiet', ...TINY_MTO], ws);
  assert.equal(a.code, 0, a.err);
  writeFileSync(join(ws, 'tiny.json'), JSON.stringify({ ...tinyConfig({ name: 'sines-base' }), imports: [FIXTURE] }));
  const b = mto(['train', '--config', 'tiny.json', '--out', 'base-run', '--quiet'], ws);
  assert.equal(b.code, 0, b.err);
  mtoRun = join(ws, 'mto-run');
  baseRun = join(ws, 'base-run');
});

after(() => {
  if (ws) rmSync(ws, { recursive: true, force: true });
});

/** Epoch means of a key over the step records of metrics.jsonl, computed independently. */
function epochMeans(dir: string, key: string): number[] {
  const recs = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.type === 'step' && key in r);
  const by = new Map<number, number[]>();
  for (const r of recs) by.set(r.epoch, [...(by.get(r.epoch) ?? []), r[key]]);
  return [...by.keys()].sort((x, y) => x - y).map((e) => by.get(e)!.reduce((s, v) => s + v, 0) / by.get(e)!.length);
}

test('mto report on a real run: the heatmap holds the epoch means of mto/het/L*, eval curves, every reconstruction sheet', () => {
  const r = mto(['report', 'mto-run'], ws);
  assert.equal(r.code, 0, r.err);
  const html = readFileSync(join(mtoRun, 'report.html'), 'utf8');
  const heat = html.slice(html.indexOf('class="mto-chart heatmap"'), html.indexOf('</svg>', html.indexOf('class="mto-chart heatmap"')));
  for (let l = 0; l < 3; l++) {
    const want = epochMeans(mtoRun, `mto/het/L${l}`);
    assert.equal(want.length, 2);
    want.forEach((v, e) => {
      const m = new RegExp(`data-row="${l}" data-col="${e}" data-value="([^"]+)"`).exec(heat);
      assert.ok(m, `no cell for L${l}, epoch ${e + 1}`);
      assert.ok(Math.abs(Number(m[1]) - v) < 1e-9, `L${l} epoch ${e + 1}: ${m[1]} != ${v}`);
    });
  }
  assert.ok(html.includes('aria-label="eval/knn_acc"') && html.includes('aria-label="eval/probe_acc"'));
  const sheets = readdirSync(join(mtoRun, 'artifacts')).filter((f) => f.endsWith('.png'));
  assert.ok(sheets.length >= 2);
  for (const s of sheets) assert.ok(html.includes(`alt="${s}"`), `${s} not embedded`);
  const c = mto(['report', 'mto-run', 'base-run', '--out', 'compare.html'], ws);
  assert.equal(c.code, 0, c.err);
  assert.match(c.out, /report: compare\.html/);
  assert.match(readFileSync(join(ws, 'compare.html'), 'utf8'), /No MTO diagnostics in: sines-base \(base-run\)/);
});

async function checkPage(page: Page, file: string, shot: string, charts: { lines: number; heatmaps: number }) {
  const problems: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && problems.push(`console: ${m.text()}`)));
  page.on('pageerror', (e) => void problems.push(`page error: ${e.message}`));
  page.on('request', (q) => void (/^(file|data):/.test(q.url()) || problems.push(`network request: ${q.url()}`)));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  const boxes = await page.$$eval('svg.mto-chart', (els) => els.map((e) => ({ cls: e.getAttribute('class'), ...e.getBoundingClientRect().toJSON() })));
  assert.equal(boxes.filter((b) => b.cls!.includes('line-chart')).length, charts.lines);
  assert.equal(boxes.filter((b) => b.cls!.includes('heatmap')).length, charts.heatmaps);
  for (const b of boxes) assert.ok(b.width > 100 && b.height > 80, `${b.cls} renders at ${b.width}x${b.height}`);
  const images = await page.$$eval('img', (els) => els.map((e) => (e as unknown as { naturalWidth: number }).naturalWidth));
  assert.ok(images.length > 0 && images.every((w) => w > 0), `images decode: ${images}`);
  await page.screenshot({ path: shot, fullPage: true });
  const png = PNG.sync.read(readFileSync(shot));
  assert.equal(png.width, 1000);
  assert.ok(png.height > 1500, `page height ${png.height}`);
  let ink = 0;
  for (let i = 0; i < png.data.length; i += 4) if (png.data[i]! < 235 || png.data[i + 1]! < 235 || png.data[i + 2]! < 235) ink++;
  const share = ink / (png.width * png.height);
  assert.ok(share > 0.03 && share < 0.9, `non-white share ${share.toFixed(3)}`);
  // The first heatmap's own pixels: mostly the colour scale, not background.
  if (charts.heatmaps) {
    const hm = PNG.sync.read(await page.locator('svg.heatmap').first().screenshot());
    let coloured = 0;
    for (let i = 0; i < hm.data.length; i += 4) {
      const [r, g, b] = [hm.data[i]!, hm.data[i + 1]!, hm.data[i + 2]!];
      if (Math.max(r, g, b) - Math.min(r, g, b) > 40) coloured++;
    }
    assert.ok(coloured / (hm.width * hm.height) > 0.15, 'the heatmap cells are drawn in colour');
  }
  assert.deepEqual(problems, []);
}

const browserMissing = !existsSync(CHROMIUM);
test(
  'the reports load in headless Chromium without errors or network requests, and their charts render',
  { skip: browserMissing && !REQUIRE_BROWSER ? `no Chromium at ${CHROMIUM} (install Debian's chromium or set MTOJS_CHROMIUM; MTOJS_REQUIRE_BROWSER=1 makes this a failure)` : false, timeout: 90_000 },
  async () => {
    assert.ok(!browserMissing, `MTOJS_REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM}`);
    if (!existsSync(join(ws, 'compare.html'))) assert.equal(mto(['report', 'mto-run', 'base-run', '--out', 'compare.html'], ws).code, 0);
    if (!existsSync(join(mtoRun, 'report.html'))) assert.equal(mto(['report', 'mto-run'], ws).code, 0);
    const profile = mkdtempSync(join(tmpdir(), 'mtojs-chromium-'));
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1000, height: 800 }, offline: true });
    try {
      // Run page: loss, loss/task, loss/mto/e, loss/mto/r + 4 eval metrics; Het and vis2mask heatmaps.
      const lossAndEval = (html: string) => (html.match(/class="mto-chart line-chart"/g) ?? []).length;
      const runHtml = readFileSync(join(mtoRun, 'report.html'), 'utf8');
      await checkPage(await context.newPage(), join(mtoRun, 'report.html'), join(ws, 'run.png'), { lines: lossAndEval(runHtml), heatmaps: 2 });
      const cmpHtml = readFileSync(join(ws, 'compare.html'), 'utf8');
      assert.ok(lossAndEval(cmpHtml) >= 4);
      await checkPage(await context.newPage(), join(ws, 'compare.html'), join(ws, 'compare.png'), { lines: lossAndEval(cmpHtml), heatmaps: 2 });
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  },
);

test(
  'in Chromium: every logged series has a drawn chart, step and epoch axes read in whole numbers, baselines are visible lines, the table reads in percentages',
  { skip: browserMissing && !REQUIRE_BROWSER ? `no Chromium at ${CHROMIUM}` : false, timeout: 90_000 },
  async () => {
    assert.ok(!browserMissing, `MTOJS_REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM}`);
    if (!existsSync(join(mtoRun, 'report.html'))) assert.equal(mto(['report', 'mto-run'], ws).code, 0);
    const profile = mkdtempSync(join(tmpdir(), 'mtojs-chromium-'));
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1000, height: 800 }, offline: true });
    try {
      const page = await context.newPage();
      await page.goto(pathToFileURL(join(mtoRun, 'report.html')).href, { waitUntil: 'load' });
      // Every numeric series of the step and epoch records is in some chart whose line is drawn.
      const recs = readFileSync(join(mtoRun, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      const logged = new Set(recs.filter((r) => r.type !== 'baseline').flatMap((r) => Object.keys(r)).filter((k) => !['type', 'step', 'epoch', 'time'].includes(k)));
      for (const k of ['lr', 'samples_per_sec', 'mto/entropy_masked/L0', 'mto/entropy_visible/L2']) assert.ok(logged.has(k), `the run logs ${k}`);
      const charts = await page.$$eval('svg.line-chart', (els) =>
        els.map((e) => ({
          title: e.getAttribute('aria-label')!,
          xTicks: e.getAttribute('data-x-ticks'),
          ticks: [...e.querySelectorAll('text.tick-x')].map((t) => t.textContent!),
          xLabel: [...e.querySelectorAll('text')].map((t) => t.textContent!).find((t) => t === 'step' || t === 'epochs trained'),
          width: e.getBoundingClientRect().width,
          lines: [...e.querySelectorAll('path.series')].map((p) => ({ name: p.getAttribute('data-series')!, w: p.getBoundingClientRect().width })),
        })),
      );
      const covered = (k: string) => charts.some((c) => c.title === k || (c.title.endsWith('*') && k.startsWith(c.title.slice(0, -1)) && c.lines.some((l) => k.endsWith(`/${l.name}`))));
      for (const k of logged) assert.ok(covered(k), `no chart for ${k}`);
      for (const c of charts) {
        if (!c.xLabel) continue; // the per-layer profile of a comparison counts layers, not steps
        assert.equal(c.xTicks, 'integer', c.title);
        assert.ok(c.ticks.length >= 2 && c.ticks.every((t) => /^\d+$/.test(t)), `${c.title}: x ticks ${JSON.stringify(c.ticks)}`);
        assert.ok(c.lines.length && c.lines.every((l) => l.w > c.width * 0.5), `${c.title}: lines drawn across the plot`);
      }
      // Baselines: two labelled lines across the k-NN and probe charts, visible in the pixels.
      for (const title of ['eval/knn_acc', 'eval/probe_acc']) {
        const chart = page.locator(`svg.line-chart[aria-label="${title}"]`);
        const geo = await chart.evaluate((svg) => {
          const box = svg.getBoundingClientRect();
          // The plot frame (the nested svg's own box is that of its content).
          const plot = svg.querySelector('rect[fill="none"][stroke="#999"]')!.getBoundingClientRect();
          return {
            plot: { x: plot.x - box.x, w: plot.width },
            refs: [...svg.querySelectorAll('line.reference')].map((l) => ({ label: l.getAttribute('data-label')!, y: l.getBoundingClientRect().y - box.y, x: l.getBoundingClientRect().x - box.x, w: l.getBoundingClientRect().width })),
            labels: [...svg.querySelectorAll('text.reference-label')].map((t) => t.textContent!),
          };
        });
        assert.deepEqual(geo.refs.map((r) => r.label.replace(/ [\d.]+%$/, '')), ['raw inputs', 'random init'], title);
        assert.deepEqual(geo.labels, geo.refs.map((r) => r.label));
        const shot = PNG.sync.read(await chart.screenshot());
        for (const r of geo.refs) {
          assert.ok(Math.abs(r.x - geo.plot.x) < 2 && Math.abs(r.w - geo.plot.w) < 2, `${title} ${r.label}: spans the plot`);
          // Grey dashes along the line's row: at least a third of the plot width is ink.
          const row = Math.round(r.y);
          let ink = 0;
          for (let x = Math.ceil(r.x); x < r.x + r.w; x++) {
            const dy = [row - 1, row, row + 1].some((y) => {
              const i = (y * shot.width + x) * 4;
              return shot.data[i]! < 200 && Math.abs(shot.data[i]! - shot.data[i + 2]!) < 30;
            });
            if (dy) ink++;
          }
          assert.ok(ink > r.w / 3, `${title} ${r.label}: ${ink} of ${Math.round(r.w)} px drawn`);
        }
      }
      // The runs table: accuracy and baseline columns as percentages, loss to 4 digits.
      const cells = await page.$$eval('table.runs tbody td.num', (tds) => tds.map((t) => t.textContent!));
      assert.equal(cells[3]!.replace('.', '').replace(/^0+/, '').length, 4, `loss ${cells[3]} to 4 significant digits`);
      for (const c of cells.slice(4)) assert.match(c, /^\d+\.\d%( \/ \d+\.\d%)?$/);
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  },
);
