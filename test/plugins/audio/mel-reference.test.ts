import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { LogMelTransform, hzToMel, melFilterbank, melToHz, readWav, type LogMelConfig } from '@mtojs/audio';
import { tempDir, tone } from './fixtures.js';

/**
 * The reference: a 1000 Hz sine of amplitude 0.5 at 8 kHz, 256-sample frames. 1000 Hz is
 * exactly DFT bin 32 (8000 / 256 = 31.25 Hz per bin) and a frame holds 32 whole periods, so
 * with a periodic Hann window the spectrum is known in closed form: |X[32]| = A N / 4 = 32,
 * |X[31]| = |X[33]| = A N / 8 = 16, every other bin 0. The mel energies follow from the HTK
 * triangle formula. Tolerance: 1e-3 relative on powers and 1e-4 on log-mels (float32 matMuls
 * over 256 samples), far below the 0.4 log difference between adjacent filters here.
 */
const CONFIG: LogMelConfig = {
  sampleRate: 8000,
  fftSize: 256,
  frameLength: 256,
  hopLength: 128,
  numFrames: 4,
  numMels: 16,
  fMin: 0,
  fMax: 4000,
  scale: 'htk',
  norm: 'none',
  logFloor: 1e-10,
};
const SAMPLES = (CONFIG.numFrames - 1) * CONFIG.hopLength + CONFIG.frameLength;

function expectedPower(bin: number): number {
  if (bin === 32) return 32 ** 2;
  if (bin === 31 || bin === 33) return 16 ** 2;
  return 0;
}

/** HTK triangle weight of filter m at frequency f, written from the definition (not the library's code). */
function htkWeight(m: number, f: number): number {
  const top = 2595 * Math.log10(1 + 4000 / 700);
  const edge = (i: number) => 700 * (Math.pow(10, (top * i) / (CONFIG.numMels + 1) / 2595) - 1);
  const [lo, mid, hi] = [edge(m), edge(m + 1), edge(m + 2)];
  if (f <= lo || f >= hi) return 0;
  return f <= mid ? (f - lo) / (mid - lo) : (hi - f) / (hi - mid);
}

test('mel scales: HTK and Slaney formulas and their inverses', () => {
  assert.ok(Math.abs(hzToMel(700, 'htk') - 2595 * Math.log10(2)) < 1e-9);
  assert.ok(Math.abs(hzToMel(1000, 'slaney') - 15) < 1e-12);
  assert.ok(Math.abs(hzToMel(6400, 'slaney') - 42) < 1e-9);
  assert.ok(Math.abs(hzToMel(500, 'slaney') - 7.5) < 1e-12);
  for (const scale of ['htk', 'slaney'] as const) for (const hz of [0, 123, 999, 1000, 3210, 8000]) assert.ok(Math.abs(melToHz(hzToMel(hz, scale), scale) - hz) < 1e-6);
});

test('slaney-normalised filters have equal area (2 / width in Hz, integrated over Hz)', () => {
  const fftSize = 4096;
  const w = melFilterbank({ sampleRate: 16000, fftSize, numMels: 20, fMin: 100, fMax: 8000, scale: 'slaney', norm: 'slaney' });
  const binHz = 16000 / fftSize;
  for (let m = 2; m < 20; m++) {
    let area = 0;
    for (let k = 0; k <= fftSize / 2; k++) area += w[k * 20 + m] * binHz;
    assert.ok(Math.abs(area - 1) < 0.02, `filter ${m}: area ${area}`);
  }
});

test('log-mel of a 1 kHz tone matches the closed-form spectrum and hand-computed HTK filters', async () => {
  await tf.setBackend('cpu');
  const transform = new LogMelTransform(CONFIG);
  const before = tf.memory().numTensors;
  const wave = tf.tensor2d(tone(1000, 8000, SAMPLES / 8000), [1, SAMPLES]);
  const power = transform.powerSpectrum(wave);
  const logMel = transform.apply(wave);
  const p = power.dataSync();
  const got = logMel.dataSync();
  tf.dispose([wave, power, logMel]);
  assert.equal(tf.memory().numTensors, before);
  transform.dispose();

  const bins = CONFIG.fftSize / 2 + 1;
  for (let t = 0; t < CONFIG.numFrames; t++) {
    for (let k = 0; k < bins; k++) assert.ok(Math.abs(p[t * bins + k] - expectedPower(k)) <= 1e-3 * 1024, `frame ${t} bin ${k}: ${p[t * bins + k]} vs ${expectedPower(k)}`);
  }
  let loudest = -1;
  for (let m = 0; m < CONFIG.numMels; m++) {
    let energy = 0;
    for (const k of [31, 32, 33]) energy += htkWeight(m, (k * 8000) / 256) * expectedPower(k);
    if (energy < 1) continue; // filters away from the tone hold only float32 round-off
    for (let t = 0; t < CONFIG.numFrames; t++) {
      const value = got[t * CONFIG.numMels + m];
      assert.ok(Math.abs(value - Math.log(energy)) < 1e-4, `frame ${t} mel ${m}: ${value} vs ${Math.log(energy)}`);
    }
    if (loudest < 0 || energy > 0) loudest = m;
  }
  assert.ok(loudest >= 0, 'some filter covers 1 kHz');
});

test('a sox-made tone decodes and matches the same closed form (skipped without sox)', async (t) => {
  try {
    execFileSync('sox', ['--version'], { stdio: 'ignore' });
  } catch {
    t.skip('sox is not installed');
    return;
  }
  await tf.setBackend('cpu');
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'tone.wav');
    execFileSync('sox', ['-n', '-r', '8000', '-b', '16', '-c', '1', file, 'synth', '0.1', 'sine', '1000', 'vol', '0.5']);
    const clip = readWav(file);
    assert.equal(clip.sampleRate, 8000);
    const transform = new LogMelTransform(CONFIG);
    const wave = tf.tensor2d(clip.samples.subarray(0, SAMPLES), [1, SAMPLES]);
    const power = transform.powerSpectrum(wave);
    const p = power.dataSync();
    tf.dispose([wave, power]);
    transform.dispose();
    // sox's sine starts at phase 0 too; 16-bit quantisation allows 1% here.
    for (const k of [31, 32, 33]) assert.ok(Math.abs(p[k] - expectedPower(k)) < 0.01 * expectedPower(k), `bin ${k}: ${p[k]}`);
  } finally {
    cleanup();
  }
});
