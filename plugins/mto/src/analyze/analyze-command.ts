import { resolve } from 'node:path';
import {
  LOG_FLAGS,
  commandLogger,
  logUsage,
  createTrainer,
  findCheckpoint,
  startBackend,
  writeFileAtomic,
  withFsErrors,
  parseCommandArgs,
  integerFlag,
  usageError,
  type CliCommand,
} from '@mtojs/core';
import { ANALYZE_DEFAULTS, analyzeTrainer } from './analyze-trainer.js';
import { checkpointRunConfig } from './checkpoint-run-config.js';
import { formatReport } from './format-report.js';

export const ANALYZE_USAGE = `usage: mto analyze --checkpoint DIR [options]

Measures a checkpoint's mask token: the heterogeneity profile of the mixing module (per-layer
Het under every measure, visible->masked attention mass, row entropies of masked and visible
queries) on a data sample, and the three properties of a mask token: (a) spatial randomness of
the masking, (b) substitutional consistency, (c) data singularity. See docs/mto.md.

options:
  --checkpoint DIR  a checkpoint directory (checkpoints/step-N), a run's checkpoints/
                    directory, or a run directory (its latest checkpoint) (required)
  --config FILE     the run config (default: the one stored in the checkpoint)
  --out FILE        also write the report as JSON
  --samples N       examples of the evaluation split to run (default ${ANALYZE_DEFAULTS.samples})
  --mask-rows N     masks drawn for the spatial-randomness check (default ${ANALYZE_DEFAULTS.maskRows})
  --backend NAME    tensorflow | wasm | cpu | auto (default: the config's)
${logUsage()}
  -h, --help        this text`;

async function runAnalyze(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs('analyze', argv, {
    checkpoint: { type: 'string' },
    config: { type: 'string' },
    out: { type: 'string' },
    samples: { type: 'string' },
    'mask-rows': { type: 'string' },
    backend: { type: 'string' },
    ...LOG_FLAGS,
  }, ANALYZE_USAGE);
  if (!parsed) return 0;
  const args = parsed.values;
  if (!args.checkpoint) throw usageError('analyze', '--checkpoint DIR is required');
  const samples = integerFlag(args.samples, '--samples', 1) ?? ANALYZE_DEFAULTS.samples;
  const maskRows = integerFlag(args['mask-rows'], '--mask-rows', 1) ?? ANALYZE_DEFAULTS.maskRows;
  const logger = commandLogger('analyze', args);

  const dir = findCheckpoint(resolve(args.checkpoint));
  const { config, baseDir } = await checkpointRunConfig(dir, args.config);
  await startBackend(args.backend ?? config.backend, logger);

  // The run as it was built for training, writing nothing; only the weights are restored.
  const trainer = createTrainer(config, { outDir: null, logger, baseDir });
  // dispose() needs a built model; after a failed setup it would hide the setup's error.
  let isSetUp = false;
  try {
    await trainer.setup();
    isSetUp = true;
    const state = await trainer.restore(dir, { weightsOnly: true });
    const report = analyzeTrainer(trainer, { samples, maskRows });
    report.checkpoint = { dir, step: state.step, epoch: state.epoch };
    process.stdout.write(formatReport(report));
    if (args.out) {
      const out = resolve(args.out);
      withFsErrors(() => writeFileAtomic(out, JSON.stringify(report, null, 2) + '\n'), 2, '--out: ');
      logger.info(`report written to ${out}`);
    }
    return 0;
  } finally {
    if (isSetUp) trainer.dispose();
  }
}

/** `mto analyze`, registered when @mtojs/mto is imported. */
export const analyzeCommand: CliCommand = {
  name: 'analyze',
  summary: "measure a checkpoint's mask token: heterogeneity profile and the three properties (MTO)",
  usage: ANALYZE_USAGE,
  run: runAnalyze,
};
