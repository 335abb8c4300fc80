import { z } from 'zod';
import type { Configurable, PartContext } from '../parts/part.js';

/** Learning-rate schedule: a multiplier of the optimiser's base rate at each step. */
export interface LrSchedule extends Configurable {
  /** Called once the run knows its length. */
  setup(plan: { totalSteps: number; stepsPerEpoch: number }): void;
  /** Learning rate at `step` (0-based) for base rate `baseLr`. */
  lr(step: number, baseLr: number): number;
}

const constantSchema = z.strictObject({});

export class ConstantSchedule implements LrSchedule {
  static readonly className = 'constant';
  static readonly description = 'the base learning rate at every step';
  static readonly optionsSchema = constantSchema;
  constructor(_o: z.infer<typeof constantSchema>, _ctx?: PartContext) {}
  getConfig() {
    return {};
  }
  setup() {}
  lr(_step: number, baseLr: number) {
    return baseLr;
  }
}

const warmupCosineSchema = z
  .strictObject({
    /** Linear warm-up length in steps (takes precedence over warmupEpochs when > 0). */
    warmupSteps: z.number().int().min(0).max(1e9).default(0),
    /** Linear warm-up length in epochs (MAE uses 40 of 800). */
    warmupEpochs: z.number().min(0).max(1e6).default(1),
    /** Final learning rate as a fraction of the base rate. */
    minLrRatio: z.number().min(0).max(1).default(0),
  });

/** Linear warm-up from 0 to the base rate, then half-cosine decay to `minLrRatio * base` (MAE's schedule). */
export class WarmupCosineSchedule implements LrSchedule {
  static readonly className = 'warmup-cosine';
  static readonly description = 'linear warm-up, then cosine decay to minLrRatio of the base rate';
  static readonly optionsSchema = warmupCosineSchema;
  private total = 1;
  private warmup = 0;

  constructor(
    readonly options: z.infer<typeof warmupCosineSchema>,
    _ctx?: PartContext,
  ) {}

  getConfig() {
    return { ...this.options };
  }

  setup(plan: { totalSteps: number; stepsPerEpoch: number }) {
    this.total = Math.max(1, plan.totalSteps);
    const w = this.options.warmupSteps > 0 ? this.options.warmupSteps : Math.round(this.options.warmupEpochs * plan.stepsPerEpoch);
    this.warmup = Math.min(w, this.total);
  }

  lr(step: number, baseLr: number) {
    const min = baseLr * this.options.minLrRatio;
    if (step < this.warmup) return (baseLr * (step + 1)) / this.warmup;
    const span = Math.max(1, this.total - this.warmup);
    const progress = Math.min(1, (step - this.warmup) / span);
    return min + (baseLr - min) * 0.5 * (1 + Math.cos(Math.PI * progress));
  }
}
