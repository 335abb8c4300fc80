import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { MemoryLogger, createTrainer, loadConfig, validateParts, type StepMetrics, type Trainer } from '@mtojs/core';
import '@mtojs/masking';
import '@mtojs/transformer';
import '@mtojs/image';
import { MtoPlugin } from '@mtojs/mto';

/** The example configs (examples/mnist), which the end-to-end tests shrink with overrides. */
export const EXAMPLES = resolve(__dirname, '../../../../examples/mnist');

/**
 * `--set` overrides shared by every tiny run: 32 training digits in 4x4 patches of 7 px, 2 epochs
 * of 2 steps of 16, no evaluation, the cpu backend (bit-reproducible; about 0.5 s a step here).
 */
const COMMON = [
  'backend=cpu',
  'data.trainSize=32',
  'data.testSize=32',
  'adapter.patchSize=7',
  'trainer.epochs=2',
  'trainer.batchSize=16',
  'trainer.logEvery=1',
  'trainer.progress=none',
  'eval.enabled=false',
];

/** Tiny models with 3 layers in the mixing module, so L_e (layer 0) and L_r (layers 1, 2) are both on. */
export const TINY = {
  mae: [...COMMON, 'model={name: mae, width: 16, depth: 1, heads: 2, decoderWidth: 16, decoderDepth: 3, decoderHeads: 2}'],
  simmim: [...COMMON, 'model={name: simmim, width: 16, depth: 3, heads: 2}'],
} as const;

/** MTO with every component off: no recalibration, every lambda 0, no diagnostics. */
export const MTO_ALL_OFF = 'plugins=[{name: mto, recalibration: {enabled: false}, lambdaSpa: 0, lambdaE: 0, lambdaR: 0}]';

export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
}

/** A trainer for an example config with overrides, as `mto train --config FILE --set ...` would build it. */
export function tinyTrainer(file: string, overrides: readonly string[], outDir: string | null = null): { trainer: Trainer; logger: MemoryLogger } {
  const loaded = loadConfig(resolve(EXAMPLES, file), [...overrides]);
  const logger = new MemoryLogger();
  const trainer = createTrainer(validateParts(loaded.config, file), { outDir, logger, baseDir: loaded.baseDir });
  return { trainer, logger };
}

/** Runs fit() and returns every step's batchEnd payload. */
export async function fitSteps(trainer: Trainer): Promise<StepMetrics[]> {
  const steps: StepMetrics[] = [];
  trainer.events.on('batchEnd', (e) => steps.push(e));
  await trainer.fit();
  return steps;
}

export function mtoOf(trainer: Trainer): MtoPlugin {
  const plugin = trainer.plugins.find((p) => p instanceof MtoPlugin);
  if (!plugin) throw new Error('the run has no mto plugin');
  return plugin as MtoPlugin;
}
