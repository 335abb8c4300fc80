import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { z } from 'zod';
import { parsePartOptions, resolveDataPath, UserError, statOrNull, visibleEntries, type PartContext, type Split } from '@mtojs/core';
import { InMemoryImageSource, interleaveByClass, pickedEvenly, type ImageSplit } from './in-memory.js';
import { rgbaToChannels } from '../pixels.js';

/** Pixels an image may have (a 4096x4096 picture) unless `data.maxPixels` says more: checked in the header, before decoding. */
export const DEFAULT_MAX_IMAGE_PIXELS = 4096 * 4096;

export const imageFolderOptionsSchema = z
  .strictObject({
    /** Folder with one sub-folder of PNG files per class. */
    root: z.string().min(1),
    /** Per class, files in sorted-name order are spread evenly over the splits with these fractions. */
    split: z
      .strictObject({
        testFraction: z.number().min(0).max(0.99).default(0.2),
        valFraction: z.number().min(0).max(0.99).default(0),
      })
      .prefault({}),
    /** One luminance channel (ITU-R BT.601 weights) instead of RGB. */
    grayscale: z.boolean().default(false),
    /** Expected [height, width]; default: the size of the first image (first class, first file). */
    size: z.tuple([z.number().int().min(1), z.number().int().min(1)]).optional(),
    /** The most pixels (height x width) an image may have; checked in each file's header before decoding. */
    maxPixels: z.number().int().min(1).default(DEFAULT_MAX_IMAGE_PIXELS),
    /** Directory a relative `root` resolves against (default: the working directory). */
    baseDir: z.string().min(1).optional(),
  })
  .superRefine((o, ctx) => {
    if (o.split.testFraction + o.split.valFraction >= 1) {
      ctx.addIssue({ code: 'custom', path: ['split', 'testFraction'], message: `testFraction + valFraction must be below 1 so training keeps some files (got ${o.split.testFraction} + ${o.split.valFraction})` });
    }
  });

export type ImageFolderOptions = z.output<typeof imageFolderOptionsSchema>;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function hexBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** Decodes a PNG to its width, height and RGBA bytes; anything else is a UserError naming the file. */
export function readPng(path: string, maxPixels = DEFAULT_MAX_IMAGE_PIXELS): { width: number; height: number; rgba: Uint8Array } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UserError(`${path}: cannot read the image (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (bytes.length < PNG_SIGNATURE.length || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) {
    throw new UserError(
      `${path}: not a PNG file: expected the PNG signature ${hexBytes(Uint8Array.from(PNG_SIGNATURE))}, found ${bytes.length ? hexBytes(bytes.subarray(0, 8)) : 'an empty file'}; image folders hold PNG files only`,
    );
  }
  // The header's size, before a byte is inflated: 50 bytes may declare 30000x30000 pixels.
  if (bytes.length >= 24 && bytes.toString('latin1', 12, 16) === 'IHDR') {
    const width = bytes.readUInt32BE(16);
    const height = bytes.readUInt32BE(20);
    if (width === 0 || height === 0) throw new UserError(`${path}: corrupt PNG file: the header gives ${width}x${height} pixels`);
    if (width * height > maxPixels) {
      throw new UserError(`${path}: the header gives ${height}x${width} (height x width) = ${width * height} pixels, more than data.maxPixels (${maxPixels}); raise it for larger images`);
    }
  }
  try {
    const png = PNG.sync.read(bytes);
    return { width: png.width, height: png.height, rgba: png.data };
  } catch (e) {
    throw new UserError(`${path}: corrupt PNG file: ${(e as Error).message}`);
  }
}

interface ClassFiles {
  name: string;
  files: string[];
}

/**
 * A folder of PNG images, one sub-folder per class (`root/cat/001.png`, `root/dog/a.png`).
 * Class names are the sorted sub-folder names. All images must have one size; RGB is kept
 * (alpha dropped) unless `grayscale`. The split is fixed: within each class, files in sorted
 * name order are picked evenly — with testFraction 0.2, every fifth file (the 5th, 10th, ...)
 * is a test file — then validation files likewise from the rest; each split interleaves the
 * classes round-robin.
 */
export class ImageFolderData extends InMemoryImageSource {
  static readonly className = 'image-folder';
  static readonly optionsSchema = imageFolderOptionsSchema;
  static readonly description = 'PNG images in one sub-folder per class; fixed split by sorted file name';

  /** The config file's folder, from the run (used when options.baseDir is absent). */
  private readonly baseDir: string | undefined;
  readonly options: ImageFolderOptions;

  constructor(options: z.input<typeof imageFolderOptionsSchema>, ctx?: PartContext) {
    super();
    this.baseDir = ctx?.baseDir;
    this.options = parsePartOptions(imageFolderOptionsSchema, options, 'data');
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options, split: { ...this.options.split } };
  }

  private listClasses(root: string): ClassFiles[] {
    const stat = statOrNull(root);
    if (!stat) throw new UserError(`${root}: no such folder; data.root should be a folder with one sub-folder of PNG files per class`);
    if (!stat.isDirectory()) throw new UserError(`${root}: is a file; data.root should be a folder with one sub-folder of PNG files per class`);
    const classes: ClassFiles[] = [];
    for (const name of visibleEntries(root)) {
      const dir = join(root, name);
      if (!statOrNull(dir)?.isDirectory()) continue;
      // Nested folders inside a class folder are not examples; they are skipped.
      const files = visibleEntries(dir).filter((f) => statOrNull(join(dir, f))?.isFile());
      if (files.length === 0) throw new UserError(`${dir}: class folder '${name}' holds no files; expected PNG images`);
      classes.push({ name, files: files.map((f) => join(dir, f)) });
    }
    if (classes.length === 0) throw new UserError(`${root}: expected one sub-folder of PNG files per class, found no sub-folders`);
    return classes;
  }

  async load(): Promise<void> {
    const o = this.options;
    const root = resolveDataPath(o.root, o.baseDir ?? this.baseDir);
    const classes = this.listClasses(root);
    const C = o.grayscale ? 1 : 3;
    let expected: { H: number; W: number; source: string } | null = o.size ? { H: o.size[0], W: o.size[1], source: 'the data.size option' } : null;

    const decode = (path: string): Float32Array => {
      const { width, height, rgba } = readPng(path, o.maxPixels);
      if (!expected) expected = { H: height, W: width, source: `the size of the first image, ${path}` };
      if (height !== expected.H || width !== expected.W) {
        throw new UserError(
          `${path}: image is ${height}x${width} (height x width), expected ${expected.H}x${expected.W} (${expected.source}); all images must have the same size`,
        );
      }
      return rgbaToChannels(rgba, height * width, C);
    };

    type Example = { pixels: Float32Array; label: number };
    const perSplit: Record<Split, Example[][]> = { train: [], val: [], test: [] };
    const valOfRest = o.split.valFraction / (1 - o.split.testFraction);
    classes.forEach(({ files }, label) => {
      const buckets: Record<Split, Example[]> = { train: [], val: [], test: [] };
      let rest = 0;
      files.forEach((file, i) => {
        const example = { pixels: decode(file), label };
        if (pickedEvenly(i, o.split.testFraction)) buckets.test.push(example);
        else if (pickedEvenly(rest++, valOfRest)) buckets.val.push(example);
        else buckets.train.push(example);
      });
      for (const split of ['train', 'val', 'test'] as const) perSplit[split].push(buckets[split]);
    });

    const { H, W } = expected!;
    const toSplit = (examples: Example[]): ImageSplit => {
      const size = H * W * C;
      const images = new Float32Array(examples.length * size);
      examples.forEach((e, i) => images.set(e.pixels, i * size));
      return { images, labels: Int32Array.from(examples, (e) => e.label), count: examples.length };
    };
    this.setExamples(
      [H, W, C],
      classes.map((c) => c.name),
      {
        train: toSplit(interleaveByClass(perSplit.train)),
        val: toSplit(interleaveByClass(perSplit.val)),
        test: toSplit(interleaveByClass(perSplit.test)),
      },
    );
  }
}
