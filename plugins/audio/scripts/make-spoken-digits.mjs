#!/usr/bin/env node
// Synthesises the built-in spoken-digits set ("zero" .. "nine") with Debian's espeak-ng and packs
// it into ../data/spoken-digits.pcm (int16 little-endian samples, clips back to back) and
// ../data/spoken-digits.json (sample rate, speakers, one entry per clip). Deterministic: the same
// espeak-ng version gives the same files.
//
//   apt-get install -y espeak-ng && node plugins/audio/scripts/make-spoken-digits.mjs
//
// A "speaker" is an espeak-ng voice (an English accent) with a voice variant (timbre); each
// speaker says every digit at two (speed, pitch) settings drawn from a seeded RNG. The speakers
// in TEST_SPEAKERS are the test split, so test voices are never heard in training.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const { WaveFile } = require('wavefile');

const OUT_DIR = new URL('../data/', import.meta.url).pathname;
const SAMPLE_RATE = 8000;
const WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const VOICES = ['en-gb', 'en-us', 'en-gb-scotland', 'en-gb-x-rp', 'en-gb-x-gbclan', 'en-gb-x-gbcwmd', 'en-029', 'en-us-nyc'];
const VARIANTS = ['m1', 'm3', 'm5', 'f1', 'f3', 'f5'];
const TAKES = 2;
/** Speed range (words per minute) and pitch range (espeak-ng 0..99) of the takes. */
const SPEED = [130, 210];
const PITCH = [25, 75];
/** Held-out speakers: one variant per voice, rotating, so every accent and every variant is seen in training. */
const TEST_SPEAKERS = new Set(VOICES.map((v, i) => `${v}+${VARIANTS[i % VARIANTS.length]}`));
/** Silence trimming: keep from 20 ms before the first to 20 ms after the last sample above 2% of the peak. */
const TRIM_THRESHOLD = 0.02;
const TRIM_MARGIN_S = 0.02;
/** Longest clip kept, in seconds (slow takes of "seven" are the longest). */
const MAX_SECONDS = 1.0;

/** mulberry32: a small seeded PRNG, so the takes' speeds and pitches are reproducible. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function synthesise(dir, voice, speed, pitch, word) {
  const file = join(dir, 'clip.wav');
  execFileSync('espeak-ng', ['-v', voice, '-s', String(speed), '-p', String(pitch), '-w', file, word]);
  const wav = new WaveFile(readFileSync(file));
  wav.toBitDepth('32f');
  wav.toSampleRate(SAMPLE_RATE, { method: 'sinc', LPF: true });
  return Float32Array.from(wav.getSamples(false, Float64Array));
}

function trim(samples) {
  let peak = 0;
  for (const v of samples) peak = Math.max(peak, Math.abs(v));
  const threshold = peak * TRIM_THRESHOLD;
  let first = samples.findIndex((v) => Math.abs(v) > threshold);
  let last = samples.length - 1;
  while (last > first && Math.abs(samples[last]) <= threshold) last--;
  const margin = Math.round(TRIM_MARGIN_S * SAMPLE_RATE);
  first = Math.max(0, first - margin);
  last = Math.min(samples.length - 1, last + margin, first + Math.round(MAX_SECONDS * SAMPLE_RATE) - 1);
  return samples.subarray(first, last + 1);
}

const version = execFileSync('espeak-ng', ['--version']).toString().split(' Data at:')[0].trim();
const rng = mulberry32(2024);
const dir = mkdtempSync(join(tmpdir(), 'spoken-digits-'));
const clips = [];
const chunks = [];
let offset = 0;
try {
  for (const voice of VOICES) {
    for (const variant of VARIANTS) {
      const speaker = `${voice}+${variant}`;
      for (let take = 0; take < TAKES; take++) {
        for (let digit = 0; digit < WORDS.length; digit++) {
          const speed = Math.round(SPEED[0] + rng() * (SPEED[1] - SPEED[0]));
          const pitch = Math.round(PITCH[0] + rng() * (PITCH[1] - PITCH[0]));
          const samples = trim(synthesise(dir, speaker, speed, pitch, WORDS[digit]));
          const ints = Int16Array.from(samples, (v) => Math.max(-32768, Math.min(32767, Math.round(v * 32767))));
          chunks.push(Buffer.from(ints.buffer, ints.byteOffset, ints.byteLength));
          clips.push({ digit, speaker, speed, pitch, offset, length: ints.length, split: TEST_SPEAKERS.has(speaker) ? 'test' : 'train' });
          offset += ints.length;
        }
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const pcm = Buffer.concat(chunks);
writeFileSync(join(OUT_DIR, 'spoken-digits.pcm'), pcm);
const manifest = {
  description: 'Spoken digits "zero".."nine" synthesised with espeak-ng (plugins/audio/scripts/make-spoken-digits.mjs)',
  generator: version,
  sampleRate: SAMPLE_RATE,
  encoding: 'int16le',
  classNames: WORDS,
  voices: VOICES,
  variants: VARIANTS,
  testSpeakers: [...TEST_SPEAKERS],
  clips: clips.map((c) => [c.digit, c.speaker, c.speed, c.pitch, c.offset, c.length, c.split]),
  clipFields: ['digit', 'speaker', 'speed', 'pitch', 'offset', 'length', 'split'],
};
writeFileSync(join(OUT_DIR, 'spoken-digits.json'), JSON.stringify(manifest) + '\n');
const seconds = offset / SAMPLE_RATE;
console.log(`${clips.length} clips, ${seconds.toFixed(1)} s of audio (mean ${(seconds / clips.length).toFixed(2)} s), ${(pcm.length / 1e6).toFixed(2)} MB; ${version}`);
