import { join } from 'node:path';
import { z } from 'zod';
import { parsePartOptions, resolveDataPath, UserError, pickedEvenly, statOrNull, visibleEntries, type PartContext, type Split } from '@mtojs/core';
import { InMemoryAudioSource, interleaveByClass, type AudioSplit } from './in-memory-audio.js';
import { readWav } from '../wav.js';
import { resample } from '../resample.js';

export const wavFolderOptionsSchema = z
  .strictObject({
    /** Folder with one sub-folder of WAV files per class, or WAV files directly (unlabelled). */
    root: z.string().min(1),
    /** Every clip is resampled to this rate. */
    sampleRate: z.number().int().min(1000).max(192000).default(16000),
    /** Clips are cut to this many seconds; shorter ones are zero-padded in batches. */
    maxSeconds: z.number().gt(0).max(600).default(1),
    /** Per class, files in sorted-name order are spread evenly over the splits with these fractions. */
    split: z
      .strictObject({
        testFraction: z.number().min(0).max(0.99).default(0.2),
        valFraction: z.number().min(0).max(0.99).default(0),
      })
      .prefault({}),
    /** Directory a relative `root` resolves against (default: the config file's folder). */
    baseDir: z.string().min(1).optional(),
  })
  .superRefine((o, ctx) => {
    if (o.split.testFraction + o.split.valFraction >= 1) {
      ctx.addIssue({ code: 'custom', path: ['split', 'testFraction'], message: `testFraction + valFraction must be below 1 so training keeps some files (got ${o.split.testFraction} + ${o.split.valFraction})` });
    }
  });

export type WavFolderOptions = z.output<typeof wavFolderOptionsSchema>;

/**
 * A folder of WAV files: one sub-folder per class (`root/yes/001.wav`; class names are the
 * sorted sub-folder names), or WAV files directly in `root` (one unlabelled class: probes need
 * labels, so set `eval.enabled: false`). Every file is decoded (PCM 8/16/24/32-bit or float,
 * channels mixed down) and resampled to `sampleRate`; a corrupt, empty or unsupported file is a
 * UserError naming it. The split is fixed: per class, files in sorted name order are picked
 * evenly (testFraction 0.2: every fifth file is a test file), then validation files likewise.
 */
export class WavFolderData extends InMemoryAudioSource {
  static readonly className = 'wav-folder';
  static readonly optionsSchema = wavFolderOptionsSchema;
  static readonly description = 'WAV files in one sub-folder per class (or unlabelled); resampled; fixed split by sorted file name';

  private readonly baseDir: string | undefined;
  readonly options: WavFolderOptions;

  constructor(options: z.input<typeof wavFolderOptionsSchema>, ctx?: PartContext) {
    super();
    this.baseDir = ctx?.baseDir;
    this.options = parsePartOptions(wavFolderOptionsSchema, options, 'data');
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options, split: { ...this.options.split } };
  }

  private listClasses(root: string): { labelled: boolean; classes: { name: string; files: string[] }[] } {
    const stat = statOrNull(root);
    if (!stat) throw new UserError(`${root}: no such folder; data.root should be a folder of WAV files, or of one sub-folder of WAV files per class`);
    if (!stat.isDirectory()) throw new UserError(`${root}: is a file; data.root should be a folder of WAV files, or of one sub-folder of WAV files per class`);
    const entries = visibleEntries(root);
    const dirs = entries.filter((e) => statOrNull(join(root, e))?.isDirectory());
    if (dirs.length === 0) {
      const files = entries.filter((e) => statOrNull(join(root, e))?.isFile()).map((f) => join(root, f));
      if (files.length === 0) throw new UserError(`${root}: the folder holds no files; expected WAV files or one sub-folder of WAV files per class`);
      return { labelled: false, classes: [{ name: '', files }] };
    }
    const classes = dirs.map((name) => {
      const dir = join(root, name);
      const files = visibleEntries(dir).filter((f) => statOrNull(join(dir, f))?.isFile());
      if (files.length === 0) throw new UserError(`${dir}: class folder '${name}' holds no files; expected WAV files`);
      return { name, files: files.map((f) => join(dir, f)) };
    });
    return { labelled: true, classes };
  }

  async load(): Promise<void> {
    const o = this.options;
    const root = resolveDataPath(o.root, o.baseDir ?? this.baseDir);
    const { labelled, classes } = this.listClasses(root);
    const decode = (path: string): Float32Array => {
      const clip = readWav(path, { maxSeconds: o.maxSeconds });
      return resample(clip.samples, clip.sampleRate, o.sampleRate);
    };
    type Example = { clip: Float32Array; label: number };
    const perSplit: Record<Split, Example[][]> = { train: [], val: [], test: [] };
    const valOfRest = o.split.valFraction / (1 - o.split.testFraction);
    classes.forEach(({ files }, label) => {
      const buckets: Record<Split, Example[]> = { train: [], val: [], test: [] };
      let rest = 0;
      files.forEach((file, i) => {
        const example = { clip: decode(file), label };
        if (pickedEvenly(i, o.split.testFraction)) buckets.test.push(example);
        else if (pickedEvenly(rest++, valOfRest)) buckets.val.push(example);
        else buckets.train.push(example);
      });
      for (const split of ['train', 'val', 'test'] as const) perSplit[split].push(buckets[split]);
    });
    const toSplit = (examples: Example[]): AudioSplit => ({
      clips: examples.map((e) => e.clip),
      labels: labelled ? Int32Array.from(examples, (e) => e.label) : null,
    });
    this.setClips(
      o.sampleRate,
      Math.round(o.maxSeconds * o.sampleRate),
      labelled ? classes.map((c) => c.name) : undefined,
      {
        train: toSplit(interleaveByClass(perSplit.train)),
        val: toSplit(interleaveByClass(perSplit.val)),
        test: toSplit(interleaveByClass(perSplit.test)),
      },
    );
  }
}
