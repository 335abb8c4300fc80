import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, isAbsolute } from 'node:path';
import { Trainer } from '../train/trainer.js';
import type { BackendRequest } from '../backend/resolve-backend.js';
import { commandLogger, LOG_FLAGS, logUsage } from './log-options.js';
import { checkpointName, findCheckpoint, listCheckpoints } from '../checkpoint/checkpoint.js';
import { UserError } from '../util/errors.js';
import { exportEncoder } from '../encoder/export.js';
import { encoderDirectory, ENCODER_JSON, ENCODER_WEIGHTS } from '../node/encoder-files.js';
import { parseCommandArgs, usageError, type CliCommand } from './commands.js';

export const EXPORT_USAGE = `usage: mto export RUN_DIR --out DIR [options]

Writes the run's pre-trained encoder as a self-contained folder: ${ENCODER_JSON} (the model
and adapter configs, the data description and what preparing inputs needs: vocabulary,
normalisation statistics) and ${ENCODER_WEIGHTS} (the model's weights in the tfjs format).
No optimiser state, no plugins, no reference to the data or the config. Load it with
loadEncoder(DIR) from @mtojs/core.

options:
  --out DIR            the folder to write (must not exist, or be empty)
  --checkpoint NAME    a checkpoint of the run: step-N (default: the latest)
  --backend NAME       tensorflow | wasm | cpu | auto (default: the run's backend)
  --force              replace DIR if it exists
${logUsage(23)}
  -h, --help           this text`;

/** `--checkpoint`: step-N (zero-padded or not) under RUN_DIR/checkpoints, or a checkpoint folder path. */
function checkpointDir(runDir: string, name: string | undefined, arg: string): string {
  const root = join(runDir, 'checkpoints');
  if (name === undefined) {
    if (listCheckpoints(root).length === 0 && !existsSync(join(root, 'latest'))) throw new UserError(`${arg}: the run has no checkpoint (expected ${join(arg, 'checkpoints', 'step-*')}); train it first`, 2);
    return findCheckpoint(root);
  }
  const m = /^step-(\d+)$/.exec(name);
  const dir = m ? join(root, checkpointName(Number(m[1]))) : resolve(name);
  if (!existsSync(join(dir, 'model.json'))) {
    const have = listCheckpoints(root).map((d) => relative(root, d));
    throw new UserError(`--checkpoint: no checkpoint '${name}' in ${join(arg, 'checkpoints')} (has: ${have.length ? have.join(', ') : 'none'})`, 2);
  }
  return dir;
}

async function runExport(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs('export', argv, {
    out: { type: 'string' },
    checkpoint: { type: 'string' },
    backend: { type: 'string' },
    force: { type: 'boolean' },
    ...LOG_FLAGS,
  }, EXPORT_USAGE, { positionals: true });
  if (!parsed) return 0;
  const args = parsed.values;
  if (parsed.positionals.length !== 1) throw usageError('export', `expected one RUN_DIR, got ${parsed.positionals.length ? parsed.positionals.join(' ') : 'none'}`);
  if (!args.out) throw usageError('export', '--out DIR is required');
  const runArg = parsed.positionals[0];
  const runDir = resolve(runArg);
  const outDir = resolve(args.out);
  const logger = commandLogger('export', args);

  // Everything is checked before the run is rebuilt, and nothing is written before that succeeds.
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) throw new UserError(`${runArg}: no such run directory`, 2);
  const configPath = join(runDir, 'config.json');
  if (!existsSync(configPath)) throw new UserError(`${runArg}: not a run directory (it has no config.json; 'mto train' writes one)`, 2);
  const ckDir = checkpointDir(runDir, args.checkpoint, runArg);
  const inside = relative(outDir, runDir);
  if (inside === '' || (!inside.startsWith('..') && !isAbsolute(inside))) throw new UserError(`--out: ${args.out} is (or contains) the run directory; choose a folder outside it`, 2);
  if (existsSync(outDir) && (!statSync(outDir).isDirectory() || readdirSync(outDir).length > 0) && !args.force) {
    throw new UserError(`--out: ${args.out} already exists and is not empty; choose another folder or pass --force to replace it`, 2);
  }

  const trainer = await Trainer.fromConfig(configPath, { backend: args.backend as BackendRequest | undefined, logger, outDir: null });
  const config = trainer.config;
  try {
    // Setup reads the data (the vocabulary, the normalisation statistics and the shapes come
    // from it); the checkpoint then restores the weights and the parts' saved state.
    await trainer.setup();
    const state = await trainer.restore(ckDir);
    const result = await exportEncoder(trainer.model, trainer.adapter, trainer.data.info, encoderDirectory(outDir, { overwrite: !!args.force }));
    const kb = ((result.modelArtifactsInfo.weightDataBytes ?? 0) / 1024).toFixed(0);
    logger.info(`exported ${config.model.name} (${config.adapter.name}) at step ${state.step}: ${trainer.model.variables().length} weights, ${kb} KiB`);
    process.stdout.write(`${outDir}\n`);
    return 0;
  } finally {
    trainer.dispose();
  }
}

export const exportCommand: CliCommand = {
  name: 'export',
  summary: "write a run's pre-trained encoder as a folder loadEncoder reads",
  usage: EXPORT_USAGE,
  run: runExport,
};
