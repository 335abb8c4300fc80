import { readFile, stat } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { parsePartOptions, resolveDataPath, UserError, type PartContext } from '@mtojs/core';
import { InMemoryImageSource, type ImageSplit } from './in-memory.js';

/** IDX magic numbers: two zero bytes, the type (0x08 = unsigned byte), the number of dimensions. */
export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

/** Bytes an IDX file may hold (after gunzip) unless `data.maxBytes` says more: the full MNIST training images are 47 MB (4 times that as float32 pixels). */
export const DEFAULT_IDX_MAX_BYTES = 128 * 1024 * 1024;

export const idxOptionsSchema = z
  .strictObject({
    /** IDX images file of the training split (e.g. train-images-idx3-ubyte, optionally .gz). */
    trainImages: z.string().min(1),
    trainLabels: z.string().min(1),
    /** Test split files; give both or neither. */
    testImages: z.string().min(1).optional(),
    testLabels: z.string().min(1).optional(),
    /** Fraction of the training examples (the last ones) held out as the validation split. */
    valFraction: z.number().min(0).max(0.99).default(0),
    /** Read at most this many examples from each file (0 = all). */
    limit: z.number().int().min(0).default(0),
    /** Names of the label values 0, 1, ... (default: '0', '1', ... up to the largest label). */
    classNames: z.array(z.string().min(1)).min(1).optional(),
    /** The most bytes one file may hold after gunzip (checked while inflating, before parsing). */
    maxBytes: z.number().int().min(1).default(DEFAULT_IDX_MAX_BYTES),
    /** Directory relative paths resolve against (default: the working directory). */
    baseDir: z.string().min(1).optional(),
  })
  .superRefine((o, ctx) => {
    if ((o.testImages === undefined) !== (o.testLabels === undefined)) {
      const missing = o.testImages === undefined ? 'testImages' : 'testLabels';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'testImages and testLabels go together: give both or neither' });
    }
  });

export type IdxOptions = z.output<typeof idxOptionsSchema>;

type IdxKind = 'images' | 'labels';

interface IdxFile {
  path: string;
  /** Examples in the file, as the header says. */
  total: number;
  /** Examples read (at most `limit`). */
  count: number;
  rows: number;
  cols: number;
  /** The values after the header, one byte per pixel or label. */
  values: Uint8Array;
}

const GZIP_MAGIC = [0x1f, 0x8b];

function hex32(v: number): string {
  return '0x' + (v >>> 0).toString(16).padStart(8, '0');
}

async function readBytes(path: string, what: string, maxBytes: number): Promise<{ bytes: Uint8Array; gzipped: boolean }> {
  let bytes: Uint8Array;
  try {
    const size = (await stat(path)).size;
    if (size > maxBytes) throw new UserError(`${path}: the ${what} has ${size} bytes, more than data.maxBytes (${maxBytes}); raise it to read a larger file`);
    bytes = await readFile(path);
  } catch (e) {
    if (e instanceof UserError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`${path}: cannot read the ${what} (${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory, expected a file' : code ?? String(e)})`);
  }
  if (bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1]) {
    try {
      // Inflated with a cap: a small gzip file may hold gigabytes of zeros.
      return { bytes: gunzipSync(bytes, { maxOutputLength: maxBytes }), gzipped: true };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new UserError(`${path}: the ${what} decompresses to more than data.maxBytes (${maxBytes}) bytes; raise it to read a larger file`);
      }
      throw new UserError(`${path}: starts like a gzip file (1f 8b) but does not decompress: ${(e as Error).message}`);
    }
  }
  return { bytes, gzipped: false };
}

/**
 * Reads and checks one IDX file (images: magic 0x00000803, count, rows, cols; labels: magic
 * 0x00000801, count). The length must match the header exactly. Gzip is detected by its magic bytes.
 */
export async function readIdxFile(path: string, kind: IdxKind, limit = 0, maxBytes = DEFAULT_IDX_MAX_BYTES): Promise<IdxFile> {
  const what = `IDX ${kind} file`;
  const { bytes, gzipped } = await readBytes(path, what, maxBytes);
  const note = gzipped ? ' (after gunzip)' : '';
  const headerSize = kind === 'images' ? 16 : 8;
  const expectedMagic = kind === 'images' ? IDX_IMAGES_MAGIC : IDX_LABELS_MAGIC;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The magic number first: a wrong kind of file is a clearer message than "truncated".
  const magic = bytes.length >= 4 ? view.getUint32(0) : null;
  if (magic !== null && magic !== expectedMagic) {
    const hint =
      magic === IDX_LABELS_MAGIC ? ' (that is an IDX labels file)' : magic === IDX_IMAGES_MAGIC ? ' (that is an IDX images file)' : '';
    throw new UserError(
      `${path}: not an ${what}: expected magic number ${hex32(expectedMagic)} (unsigned bytes, ${kind === 'images' ? 3 : 1} dimension${kind === 'images' ? 's' : ''}), found ${hex32(magic)}${hint}`,
    );
  }
  if (bytes.length < headerSize) {
    throw new UserError(`${path}: truncated ${what}: expected at least a ${headerSize}-byte header, found ${bytes.length} bytes${note}`);
  }
  const count = view.getUint32(4);
  const rows = kind === 'images' ? view.getUint32(8) : 1;
  const cols = kind === 'images' ? view.getUint32(12) : 1;
  if (count === 0 || rows === 0 || cols === 0) {
    throw new UserError(`${path}: the header gives ${count} ${kind}${kind === 'images' ? ` of ${rows}x${cols} pixels` : ''}; expected at least one${kind === 'images' ? ' non-empty image' : ''}`);
  }
  const expectedLength = headerSize + count * rows * cols;
  if (bytes.length !== expectedLength) {
    const layout = kind === 'images' ? `${headerSize}-byte header + ${count} images x ${rows}x${cols} bytes` : `${headerSize}-byte header + ${count} labels`;
    throw new UserError(
      `${path}: ${bytes.length < expectedLength ? 'truncated' : 'unexpected trailing bytes in'} ${what}: expected ${expectedLength} bytes (${layout}), found ${bytes.length}${note}`,
    );
  }
  const kept = limit > 0 ? Math.min(limit, count) : count;
  return { path, total: count, count: kept, rows, cols, values: bytes.subarray(headerSize, headerSize + kept * rows * cols) };
}

async function readPair(imagesPath: string, labelsPath: string, limit: number, maxBytes: number): Promise<{ images: IdxFile; labels: IdxFile }> {
  // Both are read at once, but a failure is reported for the images file first, so the same
  // mistake always gives the same message.
  const [imagesRead, labelsRead] = await Promise.allSettled([readIdxFile(imagesPath, 'images', limit, maxBytes), readIdxFile(labelsPath, 'labels', limit, maxBytes)]);
  if (imagesRead.status === 'rejected') throw imagesRead.reason;
  if (labelsRead.status === 'rejected') throw labelsRead.reason;
  const [images, labels] = [imagesRead.value, labelsRead.value];
  if (images.total !== labels.total) {
    throw new UserError(`${labelsPath}: ${labels.total} labels, but ${imagesPath} has ${images.total} images; expected one label per image`);
  }
  return { images, labels };
}

function toSplit(images: IdxFile, labels: IdxFile, start: number, count: number): ImageSplit {
  const size = images.rows * images.cols;
  const pixels = new Float32Array(count * size);
  const bytes = images.values.subarray(start * size, (start + count) * size);
  for (let i = 0; i < bytes.length; i++) pixels[i] = bytes[i] / 255;
  return { images: pixels, labels: Int32Array.from(labels.values.subarray(start, start + count)), count };
}

/**
 * MNIST-format IDX files (MNIST, Fashion-MNIST, KMNIST, ...), plain or gzipped. Pixels are
 * bytes / 255, examples [rows, cols, 1]. The validation split, when `valFraction` > 0, is the
 * last `floor(valFraction * n)` training examples; the test split comes from the test files.
 */
export class IdxData extends InMemoryImageSource {
  static readonly className = 'idx';
  static readonly optionsSchema = idxOptionsSchema;
  static readonly description = 'MNIST-format IDX image/label files (optionally .gz), e.g. MNIST or Fashion-MNIST';

  /** The config file's folder, from the run (used when options.baseDir is absent). */
  private readonly baseDir: string | undefined;
  readonly options: IdxOptions;

  constructor(options: z.input<typeof idxOptionsSchema>, ctx?: PartContext) {
    super();
    this.baseDir = ctx?.baseDir;
    this.options = parsePartOptions(idxOptionsSchema, options, 'data');
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options };
  }

  async load(): Promise<void> {
    const o = this.options;
    const path = (p: string) => resolveDataPath(p, o.baseDir ?? this.baseDir);
    const train = await readPair(path(o.trainImages), path(o.trainLabels), o.limit, o.maxBytes);
    const test = o.testImages && o.testLabels ? await readPair(path(o.testImages), path(o.testLabels), o.limit, o.maxBytes) : null;
    const { rows, cols } = train.images;
    if (test && (test.images.rows !== rows || test.images.cols !== cols)) {
      throw new UserError(
        `${test.images.path}: images are ${test.images.rows}x${test.images.cols} (rows x columns), but the training images (${train.images.path}) are ${rows}x${cols}; expected the same size`,
      );
    }
    const pairs = test ? [train, test] : [train];
    const largestLabel = Math.max(...pairs.map((p) => p.labels.values.reduce((m, v) => Math.max(m, v), 0)));
    const classNames = o.classNames ?? Array.from({ length: largestLabel + 1 }, (_, i) => String(i));
    for (const { labels } of pairs) {
      const bad = labels.values.findIndex((v) => v >= classNames.length);
      if (bad >= 0) {
        throw new UserError(`${labels.path}: label ${labels.values[bad]} at index ${bad}, but data.classNames names only ${classNames.length} classes (labels 0..${classNames.length - 1})`);
      }
    }
    const n = train.images.count;
    const valCount = Math.floor(o.valFraction * n);
    this.setExamples([rows, cols, 1], classNames, {
      train: toSplit(train.images, train.labels, 0, n - valCount),
      val: toSplit(train.images, train.labels, n - valCount, valCount),
      ...(test ? { test: toSplit(test.images, test.labels, 0, test.images.count) } : {}),
    });
  }
}
