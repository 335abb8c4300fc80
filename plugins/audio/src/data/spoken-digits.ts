import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { parsePartOptions, RunFailure, type PartContext } from '@mtojs/core';
import { InMemoryAudioSource, interleaveByClass, type AudioSplit } from './in-memory-audio.js';
import { resample } from '../resample.js';

/** The shipped set (plugins/audio/data), made by scripts/make-spoken-digits.mjs. */
export const SPOKEN_DIGITS_DIR = join(__dirname, '..', '..', 'data');

export const spokenDigitsOptionsSchema = z.strictObject({
  /** Clips are resampled to this rate (the set is stored at 8000 Hz). */
  sampleRate: z.number().int().min(1000).max(192000).default(8000),
  /** Clips are cut to this many seconds; shorter ones are zero-padded in batches. The longest shipped clip is 0.74 s. */
  maxSeconds: z.number().gt(0).max(600).default(0.8),
  /** Training clips (0 = all 800), the first ones of the class-interleaved training split. */
  trainSize: z.number().int().min(0).default(0),
  /** Test clips (0 = all 160), the first ones of the class-interleaved test split. */
  testSize: z.number().int().min(0).default(0),
  /**
   * Training speakers per accent moved to a validation split (0 = none; each of the 8 accents has
   * 5 training speakers): the first ones of each accent by name, so val is also by speaker.
   */
  valSpeakers: z.number().int().min(0).max(4).default(0),
});

export type SpokenDigitsOptions = z.output<typeof spokenDigitsOptionsSchema>;

interface Manifest {
  sampleRate: number;
  classNames: string[];
  clipFields: string[];
  clips: [number, string, number, number, number, number, 'train' | 'test'][];
}

/** The set as the package ships it; a missing or damaged one is a broken install (a RunFailure), not the config's fault. */
async function readShipped(): Promise<{ manifest: Manifest; pcm: Int16Array }> {
  const manifestPath = join(SPOKEN_DIGITS_DIR, 'spoken-digits.json');
  const pcmPath = join(SPOKEN_DIGITS_DIR, 'spoken-digits.pcm');
  let manifest: Manifest;
  let bytes: Buffer;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Manifest;
    bytes = await readFile(pcmPath);
  } catch (e) {
    throw new RunFailure(`${SPOKEN_DIGITS_DIR}: cannot read the spoken-digits set (${(e as Error).message}); reinstall @mtojs/audio or run its make-data script`);
  }
  const total = manifest.clips.reduce((n, c) => Math.max(n, c[4] + c[5]), 0);
  if (bytes.length !== total * 2) throw new RunFailure(`${pcmPath}: expected ${total * 2} bytes (${total} int16 samples), found ${bytes.length}; regenerate the set`);
  const pcm = new Int16Array(total);
  for (let i = 0; i < total; i++) pcm[i] = bytes.readInt16LE(2 * i);
  return { manifest, pcm };
}

/**
 * The built-in spoken digits: "zero" to "nine" synthesised with espeak-ng by 48 speakers (8
 * English accents x 6 voice variants), two takes each at random speeds and pitches: 960 clips
 * of 0.23 to 0.74 s at 8 kHz, trimmed of silence. The split is fixed and by speaker: 8 held-out
 * speakers (one per accent) are the test split (160 clips), never heard in training (800).
 * Within each split clips are interleaved by digit.
 */
export class SpokenDigitsData extends InMemoryAudioSource {
  static readonly className = 'spoken-digits';
  static readonly optionsSchema = spokenDigitsOptionsSchema;
  static readonly description = 'Built-in spoken digits (espeak-ng, 48 speakers, 960 clips at 8 kHz; test split = 8 unseen speakers)';

  readonly options: SpokenDigitsOptions;

  constructor(options: z.input<typeof spokenDigitsOptionsSchema> = {}, _ctx?: PartContext) {
    super();
    this.options = parsePartOptions(spokenDigitsOptionsSchema, options, 'data');
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options };
  }

  async load(): Promise<void> {
    const { manifest, pcm } = await readShipped();
    const o = this.options;
    const maxSamples = Math.round(o.maxSeconds * o.sampleRate);
    // Validation speakers: the first valSpeakers training speakers of each accent ('en-gb+f1' -> 'en-gb').
    const byAccent = new Map<string, Set<string>>();
    for (const [, speaker, , , , , s] of manifest.clips) {
      if (s !== 'train') continue;
      const accent = speaker.split('+')[0];
      if (!byAccent.has(accent)) byAccent.set(accent, new Set());
      byAccent.get(accent)!.add(speaker);
    }
    const valSpeakers = new Set([...byAccent.values()].flatMap((set) => [...set].sort().slice(0, o.valSpeakers)));
    const splitOf = (speaker: string, s: 'train' | 'test') => (s === 'train' && valSpeakers.has(speaker) ? 'val' : s);
    const split = (which: 'train' | 'val' | 'test', size: number): AudioSplit => {
      const perClass: { clip: Float32Array; digit: number }[][] = manifest.classNames.map(() => []);
      for (const [digit, speaker, , , offset, length, s] of manifest.clips) {
        if (splitOf(speaker, s) !== which) continue;
        const clip = Float32Array.from(pcm.subarray(offset, offset + length), (v) => v / 32768);
        perClass[digit].push({ clip: resample(clip, manifest.sampleRate, o.sampleRate), digit });
      }
      const all = interleaveByClass(perClass);
      const kept = size > 0 ? all.slice(0, size) : all;
      return { clips: kept.map((c) => c.clip), labels: Int32Array.from(kept, (c) => c.digit) };
    };
    this.setClips(o.sampleRate, maxSamples, manifest.classNames, {
      train: split('train', o.trainSize),
      test: split('test', o.testSize),
      ...(o.valSpeakers > 0 ? { val: split('val', 0) } : {}),
    });
  }
}
