import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { finetuneSchema } from '../config/schema.js';
import type { BackendRequest } from '../backend/resolve-backend.js';
import { Trainer } from '../train/trainer.js';
import { findCheckpoint } from '../checkpoint/checkpoint.js';
import { finetune, type FinetuneResult } from '../eval/finetune.js';
import { commandLogger, LOG_FLAGS, logUsage } from './log-options.js';
import { timeStamp } from '../run/run-dir.js';
import { writeFileAtomic } from '../util/fs-atomic.js';
import { withFsErrors } from '../node/fs-errors.js';
import { UserError } from '../util/errors.js';
import { integerFlag, parseCommandArgs, usageError, type CliCommand } from './commands.js';

export const FINETUNE_USAGE = `usage: mto finetune --run RUN_DIR [options]

Fine-tunes a copy of a run's pre-trained encoder with a classification head on a few labelled
training examples, scores it on the evaluation split (val when the data has one, else test),
and writes RUN_DIR/finetune/NAME.json. The run's checkpoints are not changed. Options default
to the run config's eval.finetune fields (see docs/finetuning.md).

options:
  --run DIR         a finished (or interrupted) run directory: config.json and a checkpoint (required)
  --labels N        labelled training examples, stratified over classes (0 = all)
  --epochs K        passes over the labelled examples
  --freeze MODE     none (end to end) | encoder (the head alone, on frozen features)
  --from-scratch    the same architecture from random initialisation (the control)
  --seed S          the fine-tune's seed (default: the run's)
  --set KEY=VALUE   override a config field, e.g. --set eval.finetune.lr=0.0005; repeatable
  --name NAME       result file name under RUN_DIR/finetune/ (default: a timestamp)
  --backend NAME    tensorflow | wasm | cpu | auto (default: the config's)
  --json            print the result as JSON
${logUsage()}
  -h, --help        this text`;

async function runFinetune(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs('finetune', argv, {
    run: { type: 'string' },
    labels: { type: 'string' },
    epochs: { type: 'string' },
    freeze: { type: 'string' },
    'from-scratch': { type: 'boolean' },
    seed: { type: 'string' },
    set: { type: 'string', multiple: true },
    name: { type: 'string' },
    backend: { type: 'string' },
    json: { type: 'boolean' },
    ...LOG_FLAGS,
  }, FINETUNE_USAGE);
  if (!parsed) return 0;
  const args = parsed.values;
  if (!args.run) throw usageError('finetune', '--run RUN_DIR is required');

  // 1. Flags, the run directory and its config are checked before anything runs or is written.
  const labels = integerFlag(args.labels, '--labels', 0);
  const epochs = integerFlag(args.epochs, '--epochs', 1);
  const seedFlag = integerFlag(args.seed, '--seed', Number.MIN_SAFE_INTEGER);
  if (args.freeze !== undefined && !['none', 'encoder'].includes(args.freeze)) {
    throw new UserError(`--freeze: expected none or encoder, found '${args.freeze}'`, 2);
  }
  if (args.name !== undefined && !/^[\w.-]+$/.test(args.name)) {
    throw new UserError(`--name: expected a file name of letters, digits, '.', '_' or '-', found '${args.name}'`, 2);
  }
  const runDir = resolve(args.run);
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) throw new UserError(`--run: ${args.run} is not a directory`, 2);
  const configFile = join(runDir, 'config.json');
  if (!existsSync(configFile)) throw new UserError(`--run: ${args.run} has no config.json (is it a run directory written by mto train?)`, 2);
  let checkpoint: string;
  try {
    checkpoint = findCheckpoint(runDir);
  } catch (e) {
    throw new UserError(`--run: ${(e as Error).message}`, 2);
  }
  const logger = commandLogger('finetune', args, { fallback: args.json ? 'warn' : 'info' });
  // The run as it was built for training (its config's parts, imports and backend), writing nothing.
  const trainer = await Trainer.fromConfig(configFile, { set: args.set ?? [], backend: args.backend as BackendRequest | undefined, logger, outDir: null });
  const config = trainer.config;
  const ft = finetuneSchema.parse({
    ...config.eval.finetune,
    ...(labels !== undefined ? { labels } : {}),
    ...(epochs !== undefined ? { epochs } : {}),
    ...(args.freeze !== undefined ? { freeze: args.freeze } : {}),
  });
  const seed = seedFlag ?? config.seed;
  const fromScratch = args['from-scratch'] ?? false;

  // 2. Data and model, then the checkpoint: weights and the parts' saved state (the text
  // vocabulary, the audio normalisation), as training left them.
  let result: FinetuneResult;
  let step: number;
  try {
    await trainer.setup();
    if (ft.labels > trainer.data.size('train')) {
      throw new UserError(`--labels: ${ft.labels} labelled examples asked for, but the training split has ${trainer.data.size('train')}`, 2);
    }
    const state = await trainer.restore(checkpoint);
    step = state.step;
    logger.info(
      `fine-tuning ${fromScratch ? 'from random initialisation' : `the encoder of ${checkpoint} (step ${state.step})`}: ` +
        `${ft.labels || trainer.data.size('train')} labels, ${ft.epochs} epochs, freeze ${ft.freeze} ...`,
    );
    result = await finetune({ model: trainer.model, adapter: trainer.adapter, data: trainer.data, config: ft, seed, fromScratch, split: trainer.evalSplit(), logger });
  } finally {
    trainer.dispose();
  }

  // 3. The result, next to the run (the run's own files are not touched).
  const out = join(runDir, 'finetune', `${args.name ?? `${timeStamp()}-${fromScratch ? 'scratch' : 'pretrained'}`}.json`);
  const record = { run: runDir, checkpoint, step, backend: tf.getBackend(), seed, config: ft, ...result, time: new Date().toISOString() };
  withFsErrors(() => writeFileAtomic(out, JSON.stringify(record, null, 2) + '\n'), 2);
  if (args.json) process.stdout.write(JSON.stringify(record) + '\n');
  else {
    process.stdout.write(
      `fine-tune accuracy: ${(100 * result.accuracy).toFixed(1)}% on ${result.evalExamples} ${result.split} examples ` +
        `(${fromScratch ? 'from scratch' : 'pre-trained'}, ${result.trainExamples} labels, ${result.epochs} epochs, freeze ${result.freeze}, ${result.seconds.toFixed(1)} s)\n` +
        `result: ${out}\n`,
    );
  }
  return 0;
}

export const finetuneCommand: CliCommand = {
  name: 'finetune',
  summary: "fine-tune a run's encoder on a few labels and report test accuracy",
  usage: FINETUNE_USAGE,
  run: runFinetune,
};
