import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WaveFile } from 'wavefile';
import { UserError } from '@mtojs/core';
import { WavFolderData, decodeWav, readWav, resample } from '@mtojs/audio';
import { tempDir, tone, wavBytes, writeWav } from './fixtures.js';

/** Largest quantisation error of each depth, in full-scale units (plus float rounding). */
const TOLERANCE: Record<string, number> = { '8': 1 / 120, '16': 1 / 30000, '24': 1e-6, '32': 1e-6, '32f': 1e-7, '64': 1e-12 };

function maxError(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

test('decodes mono PCM 8/16/24/32-bit and float 32/64-bit WAV to [-1, 1]', () => {
  const samples = tone(440, 8000, 0.05);
  for (const depth of ['8', '16', '24', '32', '32f', '64']) {
    const clip = decodeWav(wavBytes([samples], 8000, depth), `test.wav (${depth})`);
    assert.equal(clip.sampleRate, 8000, depth);
    assert.ok(maxError(clip.samples, samples) <= TOLERANCE[depth], `${depth}-bit: error ${maxError(clip.samples, samples)}`);
  }
});

test('mixes stereo (and more channels) down to their mean', () => {
  const left = tone(440, 16000, 0.02, 0.6);
  const right = tone(660, 16000, 0.02, 0.2);
  const clip = decodeWav(wavBytes([left, right], 16000, '16'), 'stereo.wav');
  const mean = Float32Array.from(left, (v, i) => (v + right[i]) / 2);
  assert.ok(maxError(clip.samples, mean) < 1e-4);
  const three = decodeWav(wavBytes([left, right, left], 16000, '32f'), 'three.wav');
  assert.ok(maxError(three.samples, Float32Array.from(left, (v, i) => (2 * v + right[i]) / 3)) < 1e-6);
});

test('keeps the sample rate of the file; resample() moves a tone to the new rate unchanged in pitch', () => {
  const clip = decodeWav(wavBytes([tone(1000, 22050, 0.2)], 22050, '16'), 'a.wav');
  assert.equal(clip.sampleRate, 22050);
  const at8k = resample(clip.samples, 22050, 8000);
  assert.ok(Math.abs(at8k.length - 1600) <= 1, `length ${at8k.length}`);
  // Away from the edges the result is a 1 kHz sine at 8 kHz: fit one (amplitude and phase; the
  // low-pass filter may delay it slightly) and check the amplitude and the residual.
  let c = 0;
  let s = 0;
  const span = [100, 1500];
  for (let i = span[0]; i < span[1]; i++) {
    c += at8k[i] * Math.cos((2 * Math.PI * 1000 * i) / 8000);
    s += at8k[i] * Math.sin((2 * Math.PI * 1000 * i) / 8000);
  }
  const n = span[1] - span[0];
  [c, s] = [(2 * c) / n, (2 * s) / n];
  assert.ok(Math.abs(Math.hypot(c, s) - 0.5) < 0.01, `amplitude ${Math.hypot(c, s)}`);
  let residual = 0;
  for (let i = span[0]; i < span[1]; i++) residual += (at8k[i] - c * Math.cos((2 * Math.PI * 1000 * i) / 8000) - s * Math.sin((2 * Math.PI * 1000 * i) / 8000)) ** 2;
  // wavefile's short sinc kernel leaves about 5% (RMS) of the amplitude as error.
  assert.ok(Math.sqrt(residual / n) < 0.04, `rms residual ${Math.sqrt(residual / n)}`);
});

test('corrupt, empty, non-WAV and unsupported files are UserErrors naming the path and the reason', () => {
  const { dir, cleanup } = tempDir();
  try {
    const cases: [string, Uint8Array, RegExp][] = [
      ['empty.wav', new Uint8Array(0), /not a WAV file: .*an empty file/],
      ['text.wav', Buffer.from('hello, this is not audio'), /not a WAV file: expected a RIFF\/WAVE header/],
      ['truncated.wav', wavBytes([tone(440, 8000, 0.1)], 8000, '16').subarray(0, 30), /corrupt WAV file/],
    ];
    const alaw = new WaveFile();
    alaw.fromScratch(1, 8000, '16', Array.from(tone(440, 8000, 0.05), (v) => Math.round(v * 32767)));
    alaw.toALaw();
    cases.push(['alaw.wav', alaw.toBuffer(), /unsupported WAV encoding \(format tag 6/]);
    const silent = new WaveFile();
    silent.fromScratch(1, 8000, '16', []);
    cases.push(['nosamples.wav', silent.toBuffer(), /holds no samples/]);
    for (const [name, bytes, reason] of cases) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      assert.throws(
        () => readWav(path),
        (e: unknown) => e instanceof UserError && e.message.startsWith(path) && reason.test(e.message),
        name,
      );
    }
    assert.throws(() => readWav(join(dir, 'missing.wav')), (e: unknown) => e instanceof UserError && /missing\.wav: cannot read the file \(ENOENT\)/.test(e.message));
  } finally {
    cleanup();
  }
});

test('wav-folder: classes from sub-folders, resampled, fixed split; unlabelled without sub-folders', async () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const [cls, hz] of [['high', 2000], ['low', 300]] as const) {
      mkdirSync(join(dir, 'labelled', cls), { recursive: true });
      for (let i = 0; i < 5; i++) writeWav(join(dir, 'labelled', cls, `${i}.wav`), [tone(hz, 22050, 0.1 + 0.01 * i)], 22050, i % 2 ? '24' : '16');
    }
    const data = new WavFolderData({ root: join(dir, 'labelled'), sampleRate: 8000, maxSeconds: 0.12 });
    await data.load();
    assert.deepEqual(data.info.classNames, ['high', 'low']);
    assert.equal(data.info.sampleRate, 8000);
    assert.deepEqual(data.info.exampleShape, [960]);
    assert.equal(data.size('train'), 8);
    assert.equal(data.size('test'), 2);
    const batch = data.batch('test', [0, 1]);
    assert.deepEqual([...batch.labels!], [0, 1]);
    assert.deepEqual([...(batch.extra!.lengths.dataSync() as Int32Array)], [Math.round(0.14 * 8000), Math.round(0.14 * 8000)].map((n) => Math.min(n, 960)));
    batch.inputs.dispose();
    batch.extra!.lengths.dispose();

    mkdirSync(join(dir, 'flat'));
    for (let i = 0; i < 3; i++) writeWav(join(dir, 'flat', `${i}.wav`), [tone(500, 8000, 0.1)], 8000);
    const flat = new WavFolderData({ root: join(dir, 'flat'), sampleRate: 8000, split: { testFraction: 0 } });
    await flat.load();
    assert.equal(flat.info.classNames, undefined);
    const unlabelled = flat.batch('train', [0]);
    assert.equal(unlabelled.labels, undefined);
    unlabelled.inputs.dispose();
    unlabelled.extra!.lengths.dispose();

    writeFileSync(join(dir, 'labelled', 'low', 'broken.wav'), Buffer.from('RIFF....WAVEjunk'));
    await assert.rejects(new WavFolderData({ root: join(dir, 'labelled') }).load(), (e: unknown) => e instanceof UserError && e.message.includes(join('low', 'broken.wav')));
    await assert.rejects(new WavFolderData({ root: join(dir, 'nope') }).load(), (e: unknown) => e instanceof UserError && /no such folder/.test(e.message));
  } finally {
    cleanup();
  }
});
