// Loads an exported encoder from ./encoder/ and embeds 28x28 digits with it, in the browser.
// Bundled by build.mjs (esbuild picks the packages' browser entries: no Node code is included).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadEncoder, type Encoder } from '@mtojs/core';
// Importing the part packages registers the 'mae'/'simmim' models and the 'image' adapter that
// the exported model.json names.
import '@mtojs/transformer';
import '@mtojs/image';

/** What the page exposes for scripts and tests: the features of the digit shown last. */
interface PageResult {
  ready: boolean;
  error: string | null;
  width: number;
  /** Index into digits.json of the digit embedded last, or -1 for a drawing. */
  digit: number;
  features: number[];
}

declare global {
  interface Window {
    mtoResult: PageResult;
    /** Embeds any 28x28 digit given as 784 values in [0, 1]; resolves to its features. */
    mtoEmbed(pixels: number[]): Promise<number[]>;
  }
}

const SIDE = 28;
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const pad = $<HTMLCanvasElement>('pad');
const bars = $<HTMLCanvasElement>('features');
const status = $<HTMLParagraphElement>('status');
const summary = $<HTMLParagraphElement>('summary');
const padCtx = pad.getContext('2d')!;
window.mtoResult = { ready: false, error: null, width: 0, digit: -1, features: [] };

function drawDigit(pixels: ArrayLike<number>): void {
  const img = padCtx.createImageData(SIDE, SIDE);
  for (let i = 0; i < SIDE * SIDE; i++) {
    const v = Math.round(Math.min(1, Math.max(0, pixels[i]!)) * 255);
    img.data.set([v, v, v, 255], i * 4);
  }
  padCtx.putImageData(img, 0, 0);
}

/** The drawing pad as 784 gray values in [0, 1]. */
function padPixels(): number[] {
  const { data } = padCtx.getImageData(0, 0, SIDE, SIDE);
  return Array.from({ length: SIDE * SIDE }, (_, i) => data[i * 4]! / 255);
}

function drawFeatures(f: number[]): void {
  const ctx = bars.getContext('2d')!;
  ctx.clearRect(0, 0, bars.width, bars.height);
  const max = Math.max(1e-6, ...f.map(Math.abs));
  const w = bars.width / f.length;
  const mid = bars.height / 2;
  f.forEach((v, i) => {
    ctx.fillStyle = v >= 0 ? '#2b6cb0' : '#c05621';
    const h = (Math.abs(v) / max) * (mid - 2);
    ctx.fillRect(i * w + 1, v >= 0 ? mid - h : mid, Math.max(1, w - 2), h);
  });
  const norm = Math.sqrt(f.reduce((s, v) => s + v * v, 0));
  summary.textContent = `${f.length} features, L2 norm ${norm.toFixed(3)}`;
}

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  const encoder: Encoder = await loadEncoder(new URL('encoder/model.json', location.href).href);
  const digits = (await (await fetch('digits.json')).json()) as number[][];
  let shown = 0;

  async function embed(pixels: number[], digit: number): Promise<number[]> {
    drawDigit(pixels);
    const [features] = await encoder.encode([Float32Array.from(pixels)]);
    const f = Array.from(features!);
    drawFeatures(f);
    window.mtoResult = { ...window.mtoResult, digit, features: f, width: f.length };
    return f;
  }
  window.mtoEmbed = (pixels) => embed(pixels, -1);

  $('clear').addEventListener('click', () => {
    padCtx.fillStyle = '#000';
    padCtx.fillRect(0, 0, SIDE, SIDE);
  });
  $('next').addEventListener('click', () => {
    shown = (shown + 1) % digits.length;
    void embed(digits[shown]!, shown);
  });
  let drawing = false;
  const stroke = (e: PointerEvent) => {
    if (!drawing) return;
    const r = pad.getBoundingClientRect();
    const x = ((e.clientX - r.left) / r.width) * SIDE;
    const y = ((e.clientY - r.top) / r.height) * SIDE;
    padCtx.fillStyle = '#fff';
    padCtx.beginPath();
    padCtx.arc(x, y, 1.3, 0, 2 * Math.PI);
    padCtx.fill();
  };
  pad.addEventListener('pointerdown', (e) => {
    drawing = true;
    stroke(e);
  });
  pad.addEventListener('pointermove', stroke);
  window.addEventListener('pointerup', () => {
    if (!drawing) return;
    drawing = false;
    void embed(padPixels(), -1);
  });

  await embed(digits[0]!, 0);
  status.textContent = `encoder loaded: ${encoder.info.modality} ${encoder.info.model} with ${encoder.info.width}-wide features, backend ${tf.getBackend()}`;
  window.mtoResult.ready = true;
}

main().catch((e: unknown) => {
  const message = e instanceof Error ? e.message : String(e);
  status.textContent = `error: ${message}`;
  status.className = 'error';
  window.mtoResult = { ...window.mtoResult, error: message };
});
