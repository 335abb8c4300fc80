/**
 * A worked example of writing a new masking strategy: a checkerboard that masks every other
 * token, with the phase drawn per example. Copy this into your own package, register the class
 * in that package's index.ts, and list the package under `imports:` in a config.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import {
  ConfigError,
  Registry,
  Rng,
  registry as globalRegistry,
  serializePart,
  type MaskRequest,
  type MaskSample,
  type MaskingStrategy,
  type PartContext,
  type TokenLayout,
} from '@mtojs/core';
import { emptyMaskSample } from '@mtojs/masking';
import { gridLayout, partContext } from './fixtures.js';

// 1. Options: a strict zod object, so typos are errors, with a default for every field.
const checkerboardSchema = z.strictObject({
  /** Which squares to mask: the even ones ((row + col) % 2 === 0), the odd ones, or either at random per example. */
  phase: z.enum(['even', 'odd', 'random']).default('random'),
});
type CheckerboardOptions = z.output<typeof checkerboardSchema>;

// 2. The class: static className / optionsSchema / description, a constructor taking
//    (options, ctx), getConfig() returning the options, and sample() drawing only from `rng`.
class CheckerboardMasking implements MaskingStrategy {
  static readonly className = 'checkerboard';
  static readonly description = 'Masks every other token of the grid, like the dark squares of a checkerboard';
  static readonly optionsSchema = checkerboardSchema;

  // The registry passes options already validated and defaulted by optionsSchema.
  constructor(
    readonly options: CheckerboardOptions,
    _ctx?: PartContext,
  ) {}

  getConfig(): Record<string, unknown> {
    return { ...this.options };
  }

  check(layout: TokenLayout): void {
    const [rows, cols] = layout.grid;
    if (rows * cols !== layout.numTokens) throw new ConfigError(`masking.name: 'checkerboard' needs a grid covering the ${layout.numTokens} tokens`);
  }

  sample(request: MaskRequest, rng: Rng): MaskSample {
    this.check(request.layout);
    const { batchSize, layout } = request;
    const [rows, cols] = layout.grid;
    const out = emptyMaskSample(batchSize, layout.numTokens);
    for (let b = 0; b < batchSize; b++) {
      // Draw from the given rng only, so a seed reproduces every mask.
      const parity = this.options.phase === 'random' ? rng.int(2) : this.options.phase === 'even' ? 0 : 1;
      let masked = 0;
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const at = b * layout.numTokens + r * cols + c;
          // Honour protected tokens: never mask them.
          if ((r + c) % 2 === parity && !request.protected?.[at]) {
            out.mask[at] = 1;
            masked++;
          }
        }
      }
      out.maskedPerRow[b] = masked;
    }
    return out;
  }
}

// 3. Registration. A package does `registry.register('masking', CheckerboardMasking)` on the
//    core's global registry in its index.ts; this test uses a fresh Registry to leave the global one alone.
function checkerboardRegistry(): Registry {
  const registry = new Registry();
  registry.register('masking', CheckerboardMasking);
  return registry;
}

test('custom strategy: created from a config entry and sampled', () => {
  const registry = checkerboardRegistry();
  assert.deepEqual(registry.names('masking'), ['checkerboard']);
  // What a config's `masking: { name: checkerboard, phase: odd }` becomes.
  const masking = registry.create<MaskingStrategy>('masking', { name: 'checkerboard', phase: 'odd' }, partContext());
  const layout = gridLayout(4, 4);
  masking.check?.(layout);
  const sample = masking.sample({ batchSize: 2, layout }, new Rng(0));
  assert.deepEqual(Array.from(sample.mask.subarray(0, 16)), [0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1, 0]);
  assert.deepEqual(Array.from(sample.maskedPerRow), [8, 8]);
  assert.deepEqual(serializePart(masking), { name: 'checkerboard', phase: 'odd' });
});

test('custom strategy: defaults, determinism and protected tokens', () => {
  const registry = checkerboardRegistry();
  const masking = registry.create<MaskingStrategy>('masking', { name: 'checkerboard' }, partContext());
  assert.deepEqual(masking.getConfig(), { phase: 'random' });
  const layout = gridLayout(6, 6);
  const isProtected = new Uint8Array(64 * 36);
  isProtected[0] = 1;
  isProtected[1] = 1;
  const request = { batchSize: 64, layout, protected: isProtected };
  const a = masking.sample(request, new Rng(5, 'masking'));
  assert.deepEqual(a.mask, masking.sample(request, new Rng(5, 'masking')).mask);
  assert.equal(a.mask[0] + a.mask[1], 0);
  assert.equal(a.maskedPerRow[0], 17);
  // Both phases occur across the batch.
  const phases = new Set(Array.from({ length: 64 }, (_, b) => a.mask[b * 36 + 2]));
  assert.deepEqual([...phases].sort(), [0, 1]);
});

test('custom strategy: its options are validated by its schema, with the field named', () => {
  const registry = checkerboardRegistry();
  assert.throws(() => registry.create('masking', { name: 'checkerboard', phase: 'diagonal' }, partContext()), (e: unknown) => e instanceof ConfigError && /^masking\.phase: /.test(e.message));
  // A name nobody registered lists the known ones.
  assert.throws(() => registry.create('masking', { name: 'stripes' }, partContext()), /masking\.name: unknown masking 'stripes'; known: checkerboard/);
  // The fresh registry did not touch the global one.
  assert.equal(globalRegistry.has('masking', 'checkerboard'), false);
});
