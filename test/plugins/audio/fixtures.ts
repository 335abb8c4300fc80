import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WaveFile } from 'wavefile';

/** A sine of `hz` at amplitude `amplitude`, `seconds` long, at `rate`. */
export function tone(hz: number, rate: number, seconds: number, amplitude = 0.5): Float32Array {
  return Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / rate));
}

/** The sample values of `samples` in [-1, 1] for a wavefile bit depth ('8' is unsigned). */
export function toDepth(samples: Float32Array, depth: string): number[] {
  const full: Record<string, number> = { '8': 127, '16': 32767, '24': 8388607, '32': 2147483647 };
  if (depth === '32f' || depth === '64') return Array.from(samples);
  return Array.from(samples, (v) => Math.round(v * full[depth]) + (depth === '8' ? 128 : 0));
}

/** A WAV file's bytes: `channels` arrays of samples in [-1, 1] at `rate`, written with wavefile. */
export function wavBytes(channels: Float32Array[], rate: number, depth: string): Uint8Array {
  const wav = new WaveFile();
  wav.fromScratch(channels.length, rate, depth, channels.length === 1 ? toDepth(channels[0], depth) : channels.map((c) => toDepth(c, depth)));
  return wav.toBuffer();
}

/** A temporary folder for a test, removed by the returned function. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'mtojs-audio-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeWav(path: string, channels: Float32Array[], rate: number, depth = '16'): void {
  writeFileSync(path, wavBytes(channels, rate, depth));
}
