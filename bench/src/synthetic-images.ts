import { z } from 'zod';
import { Rng, type PartContext } from '@mtojs/core';
import { InMemoryImageSource } from '@mtojs/image';

export const syntheticImagesOptionsSchema = z.strictObject({
  height: z.number().int().min(1).default(32),
  width: z.number().int().min(1).default(32),
  channels: z.number().int().min(1).default(1),
  /** Training images; a benchmark cycles through them. */
  trainSize: z.number().int().min(1).default(256),
  seed: z.number().int().default(0),
});

export type SyntheticImagesOptions = z.output<typeof syntheticImagesOptionsSchema>;

/**
 * Uniform random images in [0, 1) with random labels, for benchmark shapes no real data set has
 * at hand (speed does not depend on the pixel values). Registered as data 'synthetic-images'
 * when the bench package is imported.
 */
export class SyntheticImages extends InMemoryImageSource {
  static readonly className = 'synthetic-images';
  static readonly optionsSchema = syntheticImagesOptionsSchema;
  static readonly description = 'uniform random images (benchmarks only)';

  readonly options: SyntheticImagesOptions;

  constructor(options: z.input<typeof syntheticImagesOptionsSchema> = {}, _ctx?: PartContext) {
    super();
    this.options = syntheticImagesOptionsSchema.parse(options);
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options };
  }

  async load(): Promise<void> {
    const { height, width, channels, trainSize, seed } = this.options;
    const rng = new Rng(seed).stream('synthetic-images');
    const images = new Float32Array(trainSize * height * width * channels);
    for (let i = 0; i < images.length; i++) images[i] = rng.random();
    const labels = Int32Array.from({ length: trainSize }, () => rng.int(10));
    this.setExamples(
      [height, width, channels],
      Array.from({ length: 10 }, (_, d) => String(d)),
      { train: { images, labels, count: trainSize } },
    );
  }
}
