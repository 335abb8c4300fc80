import { readFileSync } from 'node:fs';
import { WaveFile } from 'wavefile';
import { UserError } from '@mtojs/core';

/** A decoded clip: mono samples in [-1, 1] at `sampleRate`. */
export interface MonoClip {
  sampleRate: number;
  samples: Float32Array;
}

/** Full scale of each PCM integer depth wavefile reports ('8' is unsigned, centred on 128). */
const PCM_FULL_SCALE: Record<string, { offset: number; scale: number }> = {
  '8': { offset: 128, scale: 128 },
  '16': { offset: 0, scale: 32768 },
  '24': { offset: 0, scale: 8388608 },
  '32': { offset: 0, scale: 2147483648 },
};
const FLOAT_DEPTHS = new Set(['32f', '64']);
/** The highest sample rate a WAV file may declare (8x the 96 kHz of studio audio). */
export const MAX_WAV_SAMPLE_RATE = 768_000;
/** Float samples beyond this magnitude are damage, not loud audio (full scale is 1). */
export const MAX_WAV_AMPLITUDE = 1000;
/** WAVE_FORMAT_PCM, WAVE_FORMAT_IEEE_FLOAT, WAVE_FORMAT_EXTENSIBLE (sub-format PCM or float). */
const SUPPORTED_FORMATS = new Set([1, 3, 0xfffe]);

const describe = (bytes: Uint8Array) => (bytes.length === 0 ? 'an empty file' : `${bytes.length} bytes starting ${JSON.stringify(Buffer.from(bytes.subarray(0, 4)).toString('latin1'))}`);

/**
 * Decodes a WAV file's bytes with `wavefile`: PCM 8/16/24/32-bit or IEEE float 32/64-bit, any
 * number of channels (mixed down to mono by averaging), any sample rate. Anything else is a
 * UserError that starts with `where` (the path) and says why.
 */
export function decodeWav(bytes: Uint8Array, where: string, opts: { maxSeconds?: number } = {}): MonoClip {
  if (bytes.length < 12 || Buffer.from(bytes.subarray(0, 4)).toString('latin1') !== 'RIFF' || Buffer.from(bytes.subarray(8, 12)).toString('latin1') !== 'WAVE') {
    throw new UserError(`${where}: not a WAV file: expected a RIFF/WAVE header, found ${describe(bytes)}`);
  }
  let wav: WaveFile;
  try {
    wav = new WaveFile(bytes);
  } catch (e) {
    throw new UserError(`${where}: corrupt WAV file: ${(e as Error).message}`);
  }
  const fmt = wav.fmt as { audioFormat: number; numChannels: number; sampleRate: number };
  const depth = wav.bitDepth;
  if (!SUPPORTED_FORMATS.has(fmt.audioFormat) || !(depth in PCM_FULL_SCALE || FLOAT_DEPTHS.has(depth))) {
    throw new UserError(
      `${where}: unsupported WAV encoding (format tag ${fmt.audioFormat}, bit depth '${depth}'); supported: PCM 8/16/24/32-bit and IEEE float 32/64-bit`,
    );
  }
  if (!Number.isInteger(fmt.numChannels) || fmt.numChannels < 1) throw new UserError(`${where}: corrupt WAV file: ${fmt.numChannels} channels`);
  if (!Number.isFinite(fmt.sampleRate) || fmt.sampleRate < 1 || fmt.sampleRate > MAX_WAV_SAMPLE_RATE) {
    throw new UserError(`${where}: corrupt WAV file: sample rate ${fmt.sampleRate} Hz; expected 1 to ${MAX_WAV_SAMPLE_RATE}`);
  }
  // wavefile reads what is there: a data chunk cut short would train on a fraction of the clip, silently.
  const data = wav.data as { chunkSize: number; samples: Uint8Array };
  if (data.chunkSize > data.samples.length) {
    throw new UserError(`${where}: WAV file cut short: the header declares ${data.chunkSize} bytes of samples, the file holds ${data.samples.length}`);
  }
  let channels: Float64Array[];
  try {
    const raw = wav.getSamples(false, Float64Array) as unknown as Float64Array | Float64Array[];
    channels = fmt.numChannels === 1 ? [raw as Float64Array] : (raw as Float64Array[]);
  } catch (e) {
    throw new UserError(`${where}: corrupt WAV file: cannot read the samples (${(e as Error).message})`);
  }
  const total = channels[0]?.length ?? 0;
  if (total === 0) throw new UserError(`${where}: the WAV file holds no samples`);
  // The cut comes before any work on the samples (mixing, resampling): a long file costs its
  // cut, not its length. A margin past it (10 ms) keeps the resampler's window whole at the cut.
  const keep = opts.maxSeconds === undefined ? Infinity : Math.ceil(opts.maxSeconds * fmt.sampleRate);
  const length = Math.min(total, keep + 8 + Math.ceil(fmt.sampleRate * 0.01));
  const { offset, scale } = PCM_FULL_SCALE[depth] ?? { offset: 0, scale: 1 };
  const samples = new Float32Array(length);
  for (const channel of channels) for (let i = 0; i < length; i++) samples[i] += (channel[i] - offset) / scale;
  if (channels.length > 1) for (let i = 0; i < length; i++) samples[i] /= channels.length;
  for (let i = 0; i < length; i++) {
    const x = samples[i]!;
    if (!Number.isFinite(x) || Math.abs(x) > MAX_WAV_AMPLITUDE) {
      throw new UserError(`${where}: sample ${i} is ${x}; expected finite values of about -1..1 (at most ${MAX_WAV_AMPLITUDE} in magnitude)`);
    }
  }
  return { sampleRate: fmt.sampleRate, samples };
}

/** Reads and decodes a WAV file (its first `maxSeconds`, when given); errors name the path. */
export function readWav(path: string, opts: { maxSeconds?: number } = {}): MonoClip {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UserError(`${path}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return decodeWav(bytes, path, opts);
}

/** Encodes mono samples in [-1, 1] as a 16-bit PCM WAV file (for tests, scripts and exports). */
export function encodeWav16(samples: Float32Array, sampleRate: number): Uint8Array {
  const ints = Int16Array.from(samples, (v) => Math.max(-32768, Math.min(32767, Math.round(v * 32767))));
  const wav = new WaveFile();
  wav.fromScratch(1, sampleRate, '16', ints);
  return wav.toBuffer();
}
