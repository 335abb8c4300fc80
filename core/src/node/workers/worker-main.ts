/**
 * A data-parallel rank in a worker thread: builds the same run as the main thread (same config,
 * same seed, the same parts and plugins), then computes its shard's gradients of each step and
 * applies the summed gradients exactly as every other rank does. It writes no files and logs
 * nothing: the main thread owns the run's output.
 */
import * as tf from '@tensorflow/tfjs-core';
import { parentPort, workerData } from 'node:worker_threads';
import { importBuiltins, importConfigured } from '../../cli/imports.js';
import { startBackend } from '../trainer-from-config.js';
import { createTrainer } from '../../di/create-trainer.js';
import { validateParts } from '../../config/load.js';
import type { Logger } from '../../run/logger.js';
import type { Trainer } from '../../train/trainer.js';
import { weightDigest } from '../../train/weight-digest.js';
import { GradientSlots } from './gradient-slots.js';
import { serializeError, type FromWorker, type ToWorker, type WorkerInit } from './protocol.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function post(msg: FromWorker): void {
  parentPort!.postMessage(msg);
}

async function build(init: WorkerInit): Promise<{ trainer: Trainer; slots: GradientSlots }> {
  await importBuiltins();
  await importConfigured([...init.config.imports, ...init.imports], init.baseDir, 'config');
  await startBackend(init.backend);
  // Validated again here: a part the main thread registered in code is unknown in this thread.
  validateParts(init.config, 'config');
  const trainer = createTrainer(init.config, { outDir: null, logger: quiet, baseDir: init.baseDir });
  await trainer.setup();
  const mine = trainer.parameters.map((p) => `${p.name}[${p.variable.shape}]`).join(', ');
  const theirs = init.params.map((p) => `${p.name}[${p.shape}]`).join(', ');
  if (mine !== theirs) throw new Error(`trainer.workers: worker ${init.rank} built parameters (${mine}) that differ from the main thread's (${theirs})`);
  return { trainer, slots: new GradientSlots(init.params, init.ranks, init.grads) };
}

async function main(): Promise<void> {
  const init = workerData as WorkerInit;
  let run: { trainer: Trainer; slots: GradientSlots };
  try {
    run = await build(init);
  } catch (e) {
    // Said as the main thread would say it, with what differs in a worker: it has only the parts
    // that the installed packages and the config's imports register.
    const error = serializeError(e);
    const unknown = /unknown/i.test(error.message) ? " (a worker has only the parts that the installed packages and the config's imports: register)" : '';
    error.message = `trainer.workers: worker ${init.rank} could not build the run${unknown}:${error.message.includes('\n') ? '\n' : ' '}${error.message}`;
    post({ type: 'error', error });
    return;
  }
  const { trainer, slots } = run;
  post({ type: 'built', digest: trainer.initialWeightDigest ?? weightDigest(trainer.model.variables()) });
  const handle = async (msg: ToWorker): Promise<void> => {
    if (msg.type === 'sync') {
      const tensors = new Map(msg.tensors.map((t) => [t.name, tf.tensor(t.data, t.shape, t.dtype)] as const));
      try {
        await trainer.loadReplicaState(msg.state, tensors);
      } finally {
        for (const t of tensors.values()) t.dispose();
      }
      post({ type: 'synced' });
    } else if (msg.type === 'step') {
      const t0 = performance.now();
      const r = trainer.shardGradients(msg.indices, { rank: init.rank, ranks: init.ranks }, { step: msg.step, epoch: msg.epoch });
      let hasGrad: Uint8Array;
      try {
        hasGrad = slots.write(msg.step, init.rank, r.grads);
      } finally {
        for (const g of r.grads) g?.dispose();
      }
      post({ type: 'grads', step: msg.step, names: r.names, values: r.values, termCount: r.termCount, hasGrad, ms: performance.now() - t0 });
    } else if (msg.type === 'apply') {
      const grads = slots.sum(msg.step, msg.used);
      try {
        trainer.applySummedGradients(grads, msg.step, msg.lr);
      } finally {
        for (const g of grads) g?.dispose();
      }
    } else if (msg.type === 'event') {
      trainer.events.safeEmit(msg.name, msg.payload as never);
    } else if (msg.type === 'ping') {
      post({ type: 'pong' });
    } else if (msg.type === 'digest') {
      post({ type: 'digest', digest: weightDigest(trainer.model.variables()), numTensors: tf.memory().numTensors });
    }
  };
  // One message at a time, in order (a sync awaits the trainer's setup).
  let queue = Promise.resolve();
  parentPort!.on('message', (msg: ToWorker) => {
    queue = queue.then(() => handle(msg)).catch((e) => post({ type: 'error', error: serializeError(e) }));
  });
}

void main();
