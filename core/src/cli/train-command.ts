import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import YAML from 'yaml';
import type { BackendRequest } from '../backend/resolve-backend.js';
import { logLevelShows, type ConsoleLogger } from '../run/logger.js';
import { commandLogger, LOG_FLAGS, logUsage } from './log-options.js';
import { ensureRunDirs, latestRunDir, newRunDir } from '../run/run-dir.js';
import { ProgressReporter } from '../run/progress.js';
import { writeFileAtomic } from '../util/fs-atomic.js';
import { UserError } from '../util/errors.js';
import { parseCommandArgs, usageError, type CliCommand } from './commands.js';
import { Trainer } from '../train/trainer.js';
import { resumeMessage } from '../train/resume-message.js';
import type { TrainingState } from '../checkpoint/checkpoint.js';
import { acquireRunLock, checkRunEntries, type RunLock } from '../node/run-lock.js';
import { fsUserError, withFsErrors } from '../node/fs-errors.js';
import { resolveWorkerCount } from '../node/workers/data-parallel.js';
import { shardRows } from '../train/shard-batch.js';
import type { ProbeResult } from '../eval/probes.js';

export const TRAIN_USAGE = `usage: mto train --config FILE [options]

Pre-trains a model as the config describes and writes a run directory
(config.json, metrics.jsonl, checkpoints/, artifacts/).

options:
  --config FILE     YAML or JSON run config (required)
  --set KEY=VALUE   override a config field; repeatable (e.g. --set trainer.epochs=3,
                    --set plugins.mto.lambdaE=0.2)
  --backend NAME    tensorflow | wasm | cpu | auto (overrides the config's backend)
  --out DIR         run directory (default: runs/NAME-TIMESTAMP)
  --resume          continue the run in --out (or the newest run of this config's
                    name under runs/) from its latest checkpoint
${logUsage()}
  --debug-hooks     print which plugin ran at which hook in the first training step
                    and the first evaluation
  --dry-run         check everything and write nothing: print the resolved config (YAML)
                    with the plan (data sizes, steps, parameters, backend) as # comments
  -h, --help        this text`;

function pct(x: number | undefined): string {
  return x === undefined ? '   --' : `${(100 * x).toFixed(1)}%`.padStart(6);
}

export interface SummaryRow {
  name: string;
  knn?: number;
  probe?: number;
  /** Fine-tuning accuracy (eval/ft_acc); the column appears when some row has one. */
  finetune?: number;
}

/** The comparison table printed at the end of a run with probes. */
export function summaryTable(rows: SummaryRow[], finetuneLabel = 'fine-tune'): string {
  const w = Math.max(...rows.map((r) => r.name.length), 8);
  const ft = rows.some((r) => r.finetune !== undefined);
  const lines = [`${'features'.padEnd(w)}  k-NN    linear probe${ft ? `  ${finetuneLabel}` : ''}`];
  for (const r of rows) lines.push(`${r.name.padEnd(w)}  ${pct(r.knn)}  ${pct(r.probe)}${ft ? `        ${pct(r.finetune)}` : ''}`);
  return lines.join('\n');
}

async function runTrain(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs('train', argv, {
    config: { type: 'string' },
    set: { type: 'string', multiple: true },
    backend: { type: 'string' },
    out: { type: 'string' },
    resume: { type: 'boolean' },
    ...LOG_FLAGS,
    'debug-hooks': { type: 'boolean' },
    'dry-run': { type: 'boolean' },
  }, TRAIN_USAGE);
  if (!parsed) return 0;
  const args = parsed.values;
  if (!args.config) throw usageError('train', '--config FILE is required');
  const logger = commandLogger('train', args);

  // Config, parts and backend are checked, and the run directory chosen, before anything is
  // created on disk: exactly what Trainer.fromConfig does for a program.
  const set = [...(args.set ?? []), ...(args['debug-hooks'] ? ['trainer.debugHooks=true'] : [])];
  if (args['dry-run']) return dryRun(args.config, set, args.backend as BackendRequest | undefined, logger, args.out, !!args.resume);
  const trainer = await Trainer.fromConfig(args.config, {
    set,
    backend: args.backend as BackendRequest | undefined,
    logger,
    outDir: (config) => chooseRunDir(config.name, args.out, !!args.resume),
  });
  const config = trainer.config;
  const outDir = trainer.paths.root!;
  // Data, layout and model are checked before anything is written: a failing run leaves no directory.
  try {
    await trainer.setup();
  } catch (e) {
    trainer.dispose();
    throw e;
  }
  const paths = trainer.paths;
  // One writer per run directory; a new run only into an empty or new folder. A resume checks
  // its checkpoint before it rewrites anything, so a failed one leaves the folder as it was.
  let lock: RunLock;
  let restored: TrainingState | undefined;
  try {
    lock = acquireRunLock(outDir, { fresh: !args.resume });
  } catch (e) {
    trainer.dispose();
    throw e;
  }
  try {
    checkRunEntries(outDir);
    if (args.resume) restored = await trainer.restore(outDir);
    withFsErrors(() => {
      ensureRunDirs(paths);
      if (args.resume && existsSync(paths.config!)) {
        const before = JSON.stringify(JSON.parse(readFileSync(paths.config!, 'utf8')));
        if (before !== JSON.stringify(config)) logger.warn(`the config differs from the one this run started with; continuing with the new one (the old one is kept as config.previous.json)`);
        writeFileAtomic(join(outDir, 'config.previous.json'), readFileSync(paths.config!));
      }
      writeFileAtomic(paths.config!, JSON.stringify(config, null, 2) + '\n');
    }, 2, '--out: ');
  } catch (e) {
    lock.release();
    trainer.dispose();
    throw e;
  }

  const mode = config.trainer.progress === 'auto' ? (process.stderr.isTTY ? 'bar' : 'lines') : config.trainer.progress;
  // Progress lines are info lines: off below info; through the logger (as JSON objects) with --log-format json.
  const progress = !logLevelShows(logger.level, 'info')
    ? new ProgressReporter('none')
    : logger.format === 'json'
      ? new ProgressReporter('lines', lineSink((l) => logger.info(l)))
      : new ProgressReporter(mode);
  logger.beforeWrite = progress.clear;
  progress.attach(trainer.events);

  let interrupted = 0;
  const onSigint = () => {
    interrupted++;
    if (interrupted > 1) process.exit(130);
    logger.warn(`interrupt: stopping after this step and saving a checkpoint${config.eval.enabled ? ', then evaluating' : ''} (press Ctrl-C again to quit at once)`);
    trainer.requestStop('interrupted');
  };
  process.on('SIGINT', onSigint);
  const t0 = performance.now();
  try {
    logger.info(`run: ${outDir}`);
    logger.info(
      `data: ${trainer.data.size('train')} train / ${trainer.data.size(trainer.evalSplit())} ${trainer.evalSplit()} examples; ` +
        `${trainer.layout.numTokens} tokens of ${trainer.layout.tokenDim}; model ${config.model.name} with ${countParams(trainer)} parameters; ` +
        `${trainer.totalSteps()} steps of ${config.trainer.batchSize}`,
    );
    // evalSplit: the split evaluations actually read (a missing val split falls back to test).
    const summary: Record<string, unknown> = { run: outDir, backend: tf.getBackend(), evalSplit: trainer.evalSplit() };
    const rows: SummaryRow[] = [];
    if (restored) {
      const st = restored;
      const tc = config.trainer;
      logger.info(resumeMessage(st, { epochs: tc.epochs, stepsPerEpoch: trainer.stepsPerEpoch(), maxSteps: tc.maxSteps, evaluates: config.eval.enabled }));
      // The baselines were measured when the run began: the rewritten summary keeps them.
      const before = readSummary(join(outDir, 'summary.json'))?.baselines as { raw?: ProbeResult | null; randomInit?: Omit<SummaryRow, 'name'> } | undefined;
      if (before) {
        summary.baselines = before;
        if (before.raw) rows.push({ name: trainer.data.info.modality === 'image' ? 'raw pixels' : 'raw inputs', knn: before.raw.knn, probe: before.raw.probe });
        if (before.randomInit) rows.push({ name: 'random init', ...before.randomInit });
      }
    } else if (config.eval.enabled && config.eval.baselines && trainer.data.info.classNames?.length) {
      logger.info('evaluating baselines: raw inputs and the encoder at random initialisation ...');
      const raw = trainer.evaluateRawInputs();
      const init = await trainer.evaluate(-1);
      if (raw) rows.push({ name: trainer.data.info.modality === 'image' ? 'raw pixels' : 'raw inputs', knn: raw.knn, probe: raw.probe });
      rows.push({ name: 'random init', knn: init['eval/knn_acc'], probe: init['eval/probe_acc'], finetune: init['eval/ft_acc'] });
      summary.baselines = { raw, randomInit: { knn: init['eval/knn_acc'], probe: init['eval/probe_acc'], finetune: init['eval/ft_acc'] } };
      trainer.metrics.write({
        type: 'baseline',
        raw_knn_acc: raw?.knn,
        raw_probe_acc: raw?.probe,
        init_knn_acc: init['eval/knn_acc'],
        init_probe_acc: init['eval/probe_acc'],
        init_ft_acc: init['eval/ft_acc'],
        time: Date.now(),
      });
    }
    let lastEval: Record<string, number> = {};
    trainer.events.on('evalEnd', (e) => {
      if (e.epoch >= 0) lastEval = e.metrics;
    });
    try {
      await trainer.fit();
    } catch (e) {
      // The disk refusing a checkpoint or a metrics line mid-run: one line naming the path.
      throw fsUserError(e, 'writing the run: ', 1) ?? e;
    }
    const seconds = (performance.now() - t0) / 1000;
    if (lastEval['eval/knn_acc'] !== undefined) rows.push({ name: 'pre-trained', knn: lastEval['eval/knn_acc'], probe: lastEval['eval/probe_acc'], finetune: lastEval['eval/ft_acc'] });
    summary.final = lastEval;
    summary.seconds = seconds;
    summary.steps = trainer.step;
    summary.stopped = trainer.stopRequested;
    withFsErrors(() => writeFileAtomic(join(outDir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n'), 1, 'writing the run: ');
    process.stdout.write(`\n${trainer.stopRequested ? 'stopped' : 'finished'} after ${trainer.step} steps in ${seconds.toFixed(0)} s; run directory: ${outDir}\n`);
    if (rows.length) {
      const labels = config.eval.finetune.labels || trainer.data.size('train');
      process.stdout.write(`\n${summaryTable(rows, `fine-tune (${labels} labels)`)}\n`);
      const pre = rows.find((r) => r.name === 'pre-trained')?.finetune;
      const init = rows.find((r) => r.name === 'random init')?.finetune;
      if (pre !== undefined && init !== undefined) {
        const diff = 100 * (pre - init);
        process.stdout.write(
          `\nfine-tuned on ${labels} labels, the pre-trained encoder scores ${Math.abs(diff).toFixed(1)} points ${diff >= 0 ? 'above' : 'below'} ` +
            `the same encoder trained from random initialisation (${trainer.evalSplit()} split).\n`,
        );
      }
    }
    return trainer.stopRequested && interrupted ? 130 : 0;
  } finally {
    process.off('SIGINT', onSigint);
    trainer.dispose();
    lock.release();
  }
}

/** The summary.json of an earlier attempt, or null when there is none (or it cannot be read). */
function readSummary(path: string): Record<string, unknown> | null {
  try {
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * `mto train --dry-run`: the config resolved and validated, the data read and the model built
 * exactly as a run would, and nothing written. Stdout is the resolved config as YAML (a config
 * file that runs as it is), the plan in # comment lines above it.
 */
async function dryRun(configFile: string, set: string[], backend: BackendRequest | undefined, logger: ConsoleLogger, out: string | undefined, resume: boolean): Promise<number> {
  const trainer = await Trainer.fromConfig(configFile, { set, backend, logger, outDir: null });
  try {
    const config = trainer.config;
    const runDir = chooseRunDir(config.name, out, resume);
    await trainer.setup();
    const d = trainer.data;
    const n = trainer.parameters.reduce((a, p) => a + p.variable.size, 0);
    const tc = config.trainer;
    const planned = tc.epochs * trainer.stepsPerEpoch();
    const plan = [
      `mto train --dry-run: the config is valid; nothing was written`,
      `run directory: ${runDir} (${resume ? 'resumed' : 'not created'})`,
      `backend: ${tf.getBackend()}`,
      `data: ${d.size('train')} train, ${d.size('val')} val, ${d.size('test')} test examples (evaluation split: ${trainer.evalSplit()})`,
      `tokens: ${trainer.layout.numTokens} per example, ${trainer.layout.tokenDim} values each`,
      `model: ${config.model.name}, ${n} parameters (${countParams(trainer)})`,
      `steps: ${trainer.stepsPerEpoch()} per epoch (batch ${tc.batchSize}${tc.dropLast ? ', last partial batch dropped' : ''}) x ${tc.epochs} epochs = ${planned}` +
        (trainer.totalSteps() < planned ? `; trainer.maxSteps stops at ${trainer.totalSteps()}` : ''),
    ];
    if (tc.workers !== 1) {
      const ranks = resolveWorkerCount(tc.workers, tc.batchSize);
      const rows = Array.from({ length: ranks }, (_, rank) => shardRows(tc.batchSize, { rank, ranks })).map((r) => r.end - r.start);
      plan.push(`workers: ${ranks} rank${ranks === 1 ? '' : 's'}${tc.workers === 'auto' ? ' (auto: the cores this process may use)' : ''}${ranks > 1 ? `, each batch split ${rows.join('/')}` : ', training in-process'}`);
    }
    process.stdout.write(plan.map((l) => `# ${l}\n`).join('') + YAML.stringify(config));
    return 0;
  } finally {
    trainer.dispose();
  }
}

/** The run directory of `mto train`: --out, a new runs/NAME-TIMESTAMP, or (--resume) the newest run of NAME. */
function chooseRunDir(name: string, out: string | undefined, resume: boolean): string {
  if (resume) {
    const found = out ? resolve(out) : latestRunDir(resolve('runs'), name);
    if (!found || !existsSync(join(found, 'checkpoints'))) {
      throw new UserError(`--resume: ${out ? `${out} has no checkpoints/ directory` : `no earlier run of '${name}' with a checkpoint under runs/`}`);
    }
    return found;
  }
  const dir = out ? resolve(out) : newRunDir(resolve('runs'), name);
  if (out && existsSync(join(dir, 'checkpoints')) && existsSync(join(dir, 'checkpoints', 'latest'))) {
    throw new UserError(`--out: ${out} already holds a run with checkpoints; pass --resume to continue it, or choose another directory`);
  }
  return dir;
}

/** A stream that hands each complete line written to it to `line`. */
function lineSink(line: (text: string) => void): NodeJS.WritableStream {
  return {
    write(chunk: string | Uint8Array): boolean {
      for (const l of String(chunk).split('\n')) if (l !== '') line(l);
      return true;
    },
  } as NodeJS.WritableStream;
}

function countParams(t: Trainer): string {
  const n = t.parameters.reduce((a, p) => a + p.variable.size, 0);
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n);
}

export const trainCommand: CliCommand = {
  name: 'train',
  summary: 'pre-train a model from a config file',
  usage: TRAIN_USAGE,
  run: runTrain,
};
