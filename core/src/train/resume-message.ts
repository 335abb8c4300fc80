/** Where a restored run stands, as `mto train --resume` says it (epochs 1-based, as the progress lines). */
export interface ResumePosition {
  step: number;
  /** 0-based, as in checkpoints and metrics.jsonl. */
  epoch: number;
  batchInEpoch: number;
}

/**
 * The line `mto train --resume` prints: where training continues, or, for a run that has
 * nothing left to train, that it is complete and what resuming it does.
 */
export function resumeMessage(
  at: ResumePosition,
  plan: { epochs: number; stepsPerEpoch: number; maxSteps: number; evaluates: boolean },
): string {
  const then = plan.evaluates ? 'it is evaluated again and summary.json rewritten' : 'summary.json is rewritten';
  if (at.epoch >= plan.epochs) {
    return `the run is already complete: epoch ${plan.epochs}/${plan.epochs} done at step ${at.step}; nothing is left to train, ${then} (raise trainer.epochs to train further)`;
  }
  const where = at.batchInEpoch === 0 ? `start of epoch ${at.epoch + 1}/${plan.epochs}` : `epoch ${at.epoch + 1}/${plan.epochs}, ${at.batchInEpoch} of ${plan.stepsPerEpoch} batches done`;
  if (plan.maxSteps > 0 && at.step >= plan.maxSteps) {
    return `the run is already complete: trainer.maxSteps ${plan.maxSteps} reached at step ${at.step} (${where}); nothing is left to train, ${then} (raise trainer.maxSteps to train further)`;
  }
  return `resumed at step ${at.step} (${where})`;
}
