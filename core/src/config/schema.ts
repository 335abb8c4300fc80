import { z } from 'zod';

/** A swappable part: its registered name plus its options, e.g. `{ name: random, ratio: 0.75 }`. */
export const componentSchema = z.looseObject({
  name: z.string({ error: 'expected the name of a registered part' }).min(1),
});

const progressSchema = z.enum(['auto', 'bar', 'lines', 'none']);

export const trainerSchema = z.strictObject({
  /** Passes over the training split. */
  epochs: z.number().int().min(1).default(10),
  batchSize: z.number().int().min(1).default(64),
  /** Drop the last incomplete batch of an epoch (keeps shapes fixed; faster on tfjs). */
  dropLast: z.boolean().default(true),
  /** Stop after this many optimiser steps in total (0 = no limit). */
  maxSteps: z.number().int().min(0).default(0),
  /** Clip gradients to this global L2 norm (0 = off). */
  gradClipNorm: z.number().min(0).max(1e6).default(0),
  /** Write a metrics line every N steps. */
  logEvery: z.number().int().min(1).default(10),
  /** Evaluate every N epochs (0 = only after the last epoch). */
  evalEvery: z.number().int().min(0).default(1),
  /** Save a checkpoint every N epochs (0 = only after the last epoch). */
  checkpointEvery: z.number().int().min(0).default(1),
  /** Also save every N steps inside an epoch (0 = off). */
  checkpointEverySteps: z.number().int().min(0).default(0),
  /** Checkpoints kept on disk (oldest removed first). */
  keepCheckpoints: z.number().int().min(1).default(2),
  /** 'auto': a bar on a terminal, plain lines otherwise. */
  progress: progressSchema.default('auto'),
  /** Print which plugin ran at which hook: true traces the first step, 'all' every step. */
  debugHooks: z.union([z.boolean(), z.literal('all')]).default(false),
  /**
   * Data-parallel training on this machine's cores: N ranks (the main thread and N - 1
   * worker threads) each compute the gradients of a share of every batch; 'auto' uses the
   * cores the process may use. 1 trains in-process. See docs/performance.md.
   */
  workers: z.union([z.number().int().min(1).max(256), z.literal('auto')], { error: "expected a whole number of workers >= 1 (at most 256) or 'auto'" }).default(1),
});

/**
 * Fine-tuning as an evaluation: a classification head on the encoder's pooled features, trained
 * on a few labelled training examples (end to end or head only) with its own optimiser and
 * schedule, scored on the evaluation split. Off by default (it costs seconds, not milliseconds).
 */
export const finetuneSchema = z.strictObject({
  /** Run it at the trainer's evaluations (and the random-init baseline); logged as eval/ft_acc. */
  enabled: z.boolean().default(false),
  /** Labelled training examples, stratified over the classes and drawn from the seed (0 = the whole training split). */
  labels: z.number().int().min(0).default(100),
  /** Passes over the labelled examples. */
  epochs: z.number().int().min(1).default(30),
  batchSize: z.number().int().min(1).default(32),
  /** AdamW's peak learning rate (after warm-up; cosine decay to 0 at the end). */
  lr: z.number().positive().default(1e-3),
  /** AdamW's decoupled weight decay (matrices only). */
  weightDecay: z.number().min(0).default(0.05),
  /** Linear warm-up, in epochs. */
  warmupEpochs: z.number().min(0).max(1e6).default(3),
  /** 'none' trains encoder and head end to end; 'encoder' trains the head alone on frozen features. */
  freeze: z.enum(['none', 'encoder']).default('none'),
  /**
   * Layer-wise learning-rate decay (BEiT/MAE): block i of D gets lr * layerDecay^(D - i), the
   * stem, CLS token and other encoder inputs lr * layerDecay^(D + 1); the encoder's final norm
   * and the head the full rate. 1 = off.
   */
  layerDecay: z.number().gt(0).max(1).default(1),
  /** Label smoothing of the cross-entropy (0 = off). */
  labelSmoothing: z.number().min(0).lt(1).default(0),
  /**
   * Standardise each pooled feature with the mean and std of the labelled examples' features
   * before fine-tuning (fixed, as the linear probe does).
   */
  standardize: z.boolean().default(true),
  /** A LayerNorm on the pooled features before the linear head (MAE's fine-tuning head). */
  headNorm: z.boolean().default(true),
  /** Evaluation examples scored (the first ones of the split; 0 = all). */
  maxEvalExamples: z.number().int().min(0).default(0),
  evalBatchSize: z.number().int().min(1).default(256),
  /** Inside a run: fine-tune only at evaluations after every N-th epoch, and after the last (0 = at every evaluation). */
  every: z.number().int().min(0).default(0),
});

export const evalSchema = z.strictObject({
  /** Run the k-NN and linear-probe evaluation on frozen encoder features. */
  enabled: z.boolean().default(true),
  /** Split evaluated (falls back to 'test' when there is no 'val'). */
  split: z.enum(['val', 'test']).default('test'),
  /** Neighbours for the cosine k-NN classifier. */
  knnK: z.number().int().min(1).default(20),
  /** Training examples whose features the probes fit on (0 = all). */
  maxTrainExamples: z.number().int().min(0).default(0),
  /** Evaluation examples (0 = all). */
  maxEvalExamples: z.number().int().min(0).default(0),
  /** Linear probe: full-batch Adam steps of softmax regression on standardised features. */
  probeSteps: z.number().int().min(1).default(300),
  probeLr: z.number().positive().default(0.05),
  probeWeightDecay: z.number().min(0).default(1e-4),
  /** Also evaluate the encoder at random initialisation and the raw inputs, once, for comparison. */
  baselines: z.boolean().default(true),
  batchSize: z.number().int().min(1).default(256),
  /**
   * eval/heldout_loss: the task loss on this many examples of the evaluated split (the first
   * ones), with masks fixed by the seed, the same at every evaluation (0 = off).
   */
  heldoutExamples: z.number().int().min(0).default(1000),
  /** Fine-tuning accuracy (eval/ft_acc) at the same evaluation points; see docs/finetuning.md. */
  finetune: finetuneSchema.default(finetuneSchema.parse({})),
});

export const runConfigSchema = z.strictObject({
  /**
   * Names the run directory (runs/NAME-TIMESTAMP unless --out is given): one folder name of
   * letters, digits, '.', '_' and '-', so a run never lands outside runs/.
   */
  name: z
    .string()
    .max(100, { error: 'expected at most 100 characters (it names a folder)' })
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { error: "expected one folder name: letters, digits, '.', '_' and '-', starting with a letter or digit (no '/', no '..')" })
    .default('run'),
  /** One seed drives weight init, masking and shuffling. */
  seed: z.number().int().default(0),
  /** Tensor backend: 'auto' picks tensorflow (tfjs-node-gpu / tfjs-node), then wasm, then cpu. */
  backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
  /** Packages or files (relative to the config file) imported before parts are resolved; they register parts. */
  imports: z.array(z.string().min(1)).default([]),
  data: componentSchema,
  adapter: componentSchema,
  masking: componentSchema,
  model: componentSchema,
  optimizer: componentSchema.default({ name: 'adamw' }),
  schedule: componentSchema.default({ name: 'warmup-cosine' }),
  plugins: z.array(componentSchema).default([]),
  trainer: trainerSchema.default(trainerSchema.parse({})),
  eval: evalSchema.default(evalSchema.parse({})),
});

export type RunConfig = z.infer<typeof runConfigSchema>;
export type RunConfigInput = z.input<typeof runConfigSchema>;
export type TrainerConfig = z.infer<typeof trainerSchema>;
export type EvalConfig = z.infer<typeof evalSchema>;
export type FinetuneConfig = z.infer<typeof finetuneSchema>;
export type FinetuneConfigInput = z.input<typeof finetuneSchema>;
