/**
 * End to end, as a user runs examples/browser: a tiny MNIST MAE pre-trained by the real CLI,
 * `mto export`, the page built with the example's build.mjs (esbuild, browser entries), served
 * on loopback, opened in headless Chromium (Debian's `chromium`, or MTOJS_CHROMIUM). The page's
 * features must equal the ones Node computes with `loadEncoder` for the same pixels.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import type { Server } from 'node:http';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { chromium } from 'playwright-core';
import { loadEncoder } from '@mtojs/core';
import '@mtojs/transformer';
import '@mtojs/image';

const ROOT = resolve(__dirname, '../../..');
const EXAMPLE_DIR = join(ROOT, 'examples', 'browser');
const BIN = join(ROOT, 'core', 'dist', 'cli', 'bin.js');
const CHROMIUM = process.env.MTOJS_CHROMIUM || '/usr/bin/chromium';
const REQUIRE_BROWSER = process.env.MTOJS_REQUIRE_BROWSER === '1';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TOLERANCE = 1e-5;

/** examples/mnist/mae.yaml shrunk: 64 digits, 2 epochs of 4 steps, a 1-block encoder. */
const TINY = [
  'backend=cpu',
  'data.trainSize=64',
  'data.testSize=32',
  'trainer.epochs=2',
  'trainer.batchSize=16',
  'trainer.progress=none',
  'eval.enabled=false',
  'model={name: mae, width: 16, depth: 1, heads: 2, decoderWidth: 16, decoderDepth: 1, decoderHeads: 2}',
].flatMap((s) => ['--set', s]);

function mto(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

let ws = '';
let pageDir = '';
let server: Server | null = null;
let url = '';

before(async () => {
  ws = mkdtempSync(join(tmpdir(), 'mtojs-browser-example-'));
  const train = mto(['train', '--config', join(ROOT, 'examples', 'mnist', 'mae.yaml'), '--out', 'run', '--quiet', ...TINY], ws);
  assert.equal(train.code, 0, train.err);
  const exp = mto(['export', 'run', '--out', 'encoder'], ws);
  assert.equal(exp.code, 0, exp.err);
  const { buildPage } = (await import(pathToFileURL(join(EXAMPLE_DIR, 'build.mjs')).href)) as { buildPage(o: { encoder: string; out: string; digits?: number }): Promise<string> };
  pageDir = await buildPage({ encoder: join(ws, 'encoder'), out: join(ws, 'page'), digits: 4 });
  const { serve } = (await import(pathToFileURL(join(EXAMPLE_DIR, 'serve.mjs')).href)) as { serve(dir: string, port?: number): Promise<{ server: Server; url: string }> };
  ({ server, url } = await serve(pageDir, 0));
});

after(() => {
  server?.close();
  if (ws) rmSync(ws, { recursive: true, force: true });
});

test('the example page is assembled from the bundle, the page, the encoder folder and test digits, with no Node code in the bundle', () => {
  assert.deepEqual(readdirSync(pageDir).sort(), ['app.js', 'app.js.map', 'digits.json', 'encoder', 'index.html']);
  assert.deepEqual(readdirSync(join(pageDir, 'encoder')).sort(), ['model.json', 'weights.bin']);
  const map = JSON.parse(readFileSync(join(pageDir, 'app.js.map'), 'utf8')) as { sources: string[] };
  const nodeOnly = map.sources.filter((s) => /\/(cli|checkpoint|node)\/|fs-atomic|run-dir|\/data\/(mnist|idx|image-folder)\./.test(s));
  assert.deepEqual(nodeOnly, []);
  assert.ok(map.sources.some((s) => s.includes('encoder')), 'the bundle holds the encoder loader');
});

test('the example type-checks against the packages\' browser entries', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(EXAMPLE_DIR, 'tsconfig.json')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

const browserMissing = !existsSync(CHROMIUM);
test(
  'in headless Chromium the page embeds digits with features equal to Node\'s within 1e-5, without errors or outside requests',
  { skip: browserMissing && !REQUIRE_BROWSER ? `no Chromium at ${CHROMIUM} (install Debian's chromium or set MTOJS_CHROMIUM; MTOJS_REQUIRE_BROWSER=1 makes this a failure)` : false, timeout: 90_000 },
  async () => {
    assert.ok(!browserMissing, `MTOJS_REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM}`);
    const digits = JSON.parse(readFileSync(join(pageDir, 'digits.json'), 'utf8')) as number[][];
    await tf.setBackend('cpu');
    const encoder = await loadEncoder(join(ws, 'encoder'));
    const inNode = await encoder.encode(digits.map((d) => Float32Array.from(d)));
    encoder.dispose();

    const profile = mkdtempSync(join(tmpdir(), 'mtojs-chromium-'));
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1000, height: 700 } });
    const problems: string[] = [];
    try {
      const page = await context.newPage();
      page.on('console', (m) => void (m.type() === 'error' && problems.push(`console: ${m.text()}`)));
      page.on('pageerror', (e) => void problems.push(`page error: ${e.message}`));
      page.on('request', (q) => void (q.url().startsWith(url) || q.url().startsWith('data:') || problems.push(`request outside the page: ${q.url()}`)));
      await page.goto(url, { waitUntil: 'load' });
      await page.waitForFunction(() => window.mtoResult?.ready || window.mtoResult?.error, undefined, { timeout: 60_000 });
      const first = await page.evaluate(() => window.mtoResult);
      assert.equal(first.error, null);
      assert.equal(first.digit, 0);
      assert.equal(first.features.length, inNode[0]!.length);
      const diff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!)));
      assert.ok(diff(first.features, inNode[0]!) < TOLERANCE, `digit 0: page vs Node differ by ${diff(first.features, inNode[0]!)}`);
      // The page's own button shows the next test digit; its script API embeds any pixels.
      await page.click('#next');
      await page.waitForFunction(() => window.mtoResult.digit === 1);
      const second = await page.evaluate(() => window.mtoResult.features);
      assert.ok(diff(second, inNode[1]!) < TOLERANCE, `digit 1: page vs Node differ by ${diff(second, inNode[1]!)}`);
      const third = await page.evaluate((px) => window.mtoEmbed(px), digits[3]!);
      assert.ok(diff(third, inNode[3]!) < TOLERANCE, `digit 3: page vs Node differ by ${diff(third, inNode[3]!)}`);
      assert.ok(diff(first.features, second) > 1e-3, 'different digits give different features');
      assert.match((await page.textContent('#status')) ?? '', /encoder loaded: image mae with 16-wide features/);
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
    assert.deepEqual(problems, []);
  },
);

declare global {
  interface Window {
    mtoResult: { ready: boolean; error: string | null; digit: number; features: number[] };
    mtoEmbed(pixels: number[]): Promise<number[]>;
  }
  // The page's globals, read inside page.evaluate (the tests compile without the DOM library).
  var window: Window;
}
