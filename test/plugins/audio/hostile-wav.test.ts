import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '@mtojs/core';
import { decodeWav } from '@mtojs/audio';
import { wav } from '../../fuzz/corpus.js';

function refused(bytes: Buffer, message: RegExp): void {
  assert.throws(() => decodeWav(bytes, 'x.wav'), (e: unknown) => {
    assert.ok(e instanceof UserError, String((e as Error).stack));
    assert.match(e.message, message);
    assert.equal(e.exitCode, 2, 'a mistake in what was given');
    return true;
  });
}

test('WAV headers that lie are refused naming the file: sample rate 4e9 or 0, a data chunk cut short', () => {
  refused(wav({ rate: 4e9 }), /^x\.wav: corrupt WAV file: sample rate 4000000000 Hz; expected 1 to 768000$/);
  refused(wav({ rate: 0 }), /^x\.wav: corrupt WAV file: sample rate 0 Hz/);
  refused(wav({ declared: 4800, samples: new Array(50).fill(0.1) }), /^x\.wav: WAV file cut short: the header declares 4800 bytes of samples, the file holds 100$/);
});

test('float samples that are NaN, infinite or 1e30 are refused at load, naming the file and the sample', () => {
  const floats = (v: number) => wav({ bits: 32, format: 3, samples: Float32Array.from({ length: 100 }, (_, i) => (i === 7 ? v : 0.1)) });
  refused(floats(Number.NaN), /^x\.wav: sample 7 is NaN; expected finite values of about -1\.\.1/);
  refused(floats(Infinity), /^x\.wav: sample 7 is Infinity/);
  refused(floats(1e30), /^x\.wav: sample 7 is 1\.0000000150474662e\+30/);
  // Loud but real audio (clipped at 1.5) still loads.
  assert.equal(decodeWav(floats(1.5), 'x.wav').samples[7], 1.5);
});

test('the maxSeconds cut comes before resampling: a 1 Hz file of 24000 samples costs its first quarter second', () => {
  const t = performance.now();
  const clip = decodeWav(wav({ rate: 1, samples: new Array(24000).fill(0.1) }), 'slow.wav', { maxSeconds: 0.25 });
  assert.ok(clip.samples.length <= 10, `kept ${clip.samples.length} samples`);
  assert.ok(performance.now() - t < 2000);
  // Without a cut, everything is kept.
  assert.equal(decodeWav(wav({ rate: 8000, samples: new Array(2000).fill(0.1) }), 'a.wav').samples.length, 2000);
  assert.equal(decodeWav(wav({ rate: 8000, samples: new Array(2000).fill(0.1) }), 'a.wav', { maxSeconds: 0.1 }).samples.length, 800 + 8 + 80);
});
