import { resolve } from 'node:path';
import { loadConfig, parseRunConfig, validateParts, type RunConfig } from '@mtojs/core';

/** The example configs: shape 'a' is the MNIST demo exactly as `npm start` trains it. */
export const EXAMPLES_DIR = resolve(__dirname, '../../examples/mnist');
export const DEMO_CONFIG = resolve(EXAMPLES_DIR, 'mae.yaml');
/** The demo's MTO twin (same config plus `plugins`): "MTO on" means its plugin list, for every shape. */
export const DEMO_MTO_CONFIG = resolve(EXAMPLES_DIR, 'mae-mto.yaml');

/** A benchmarked training setup: the baseline run config and the same with MTO on. */
export interface BenchShape {
  id: string;
  title: string;
  /** One line on what is trained, for the table and the docs. */
  description: string;
  /** Builds the validated configs (reads example files, so call it when the shape is run). */
  configs(): { baseline: RunConfig; mto: RunConfig };
}

/** The MTO plugin list of the demo's twin config. */
export function demoMtoPlugins(): RunConfig['plugins'] {
  const plugins = loadConfig(DEMO_MTO_CONFIG).config.plugins;
  if (!plugins.some((p) => p.name === 'mto')) throw new Error(`${DEMO_MTO_CONFIG}: expected an 'mto' entry under plugins`);
  return plugins;
}

function withPlugins(config: RunConfig, plugins: RunConfig['plugins'], source: string): RunConfig {
  return validateParts({ ...config, plugins }, source);
}

/**
 * A SimMIM model (mask token at the input, one encoder stack, linear patch stem and head) on
 * random single-channel images cut into 4x4 patches: an encoder block stack of the given size.
 */
export function simMimShape(id: string, o: { side: number; width: number; depth: number; heads: number; batchSize: number }): BenchShape {
  const tokens = (o.side / 4) ** 2;
  return {
    id,
    title: `encoder stack W${o.width} D${o.depth} H${o.heads}, ${tokens} tokens, batch ${o.batchSize}`,
    description: `SimMIM on random ${o.side}x${o.side} images in 4x4 patches (${tokens} tokens), width ${o.width}, depth ${o.depth}, ${o.heads} heads, batch ${o.batchSize}, 60% random masking`,
    configs() {
      const source = `bench shape ${id}`;
      const raw = {
        name: `bench-${id}`,
        seed: 0,
        data: { name: 'synthetic-images', height: o.side, width: o.side, channels: 1, trainSize: 4 * o.batchSize },
        adapter: { name: 'image', patchSize: 4, normPix: true },
        masking: { name: 'random', ratio: 0.6 },
        model: { name: 'simmim', width: o.width, depth: o.depth, heads: o.heads },
        optimizer: { name: 'adamw', lr: 0.002, weightDecay: 0.05 },
        schedule: { name: 'constant' },
        trainer: { batchSize: o.batchSize },
        eval: { enabled: false },
      };
      const baseline = validateParts(parseRunConfig(raw, source), source);
      return { baseline, mto: withPlugins(baseline, demoMtoPlugins(), source) };
    },
  };
}

export const SHAPES: readonly BenchShape[] = [
  {
    id: 'a',
    title: 'MNIST MAE demo (examples/mnist/mae.yaml)',
    description: 'the MNIST MAE demo exactly as examples/mnist/mae.yaml configures it (model, patches, masking, batch size)',
    configs() {
      const baseline = validateParts(loadConfig(DEMO_CONFIG).config, DEMO_CONFIG);
      return { baseline, mto: withPlugins(baseline, demoMtoPlugins(), DEMO_MTO_CONFIG) };
    },
  },
  simMimShape('b', { side: 32, width: 128, depth: 4, heads: 4, batchSize: 32 }),
  simMimShape('c', { side: 16, width: 64, depth: 4, heads: 4, batchSize: 128 }),
];

export function shapeById(id: string): BenchShape | undefined {
  return SHAPES.find((s) => s.id === id);
}
