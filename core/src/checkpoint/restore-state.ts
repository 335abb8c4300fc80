import { UserError } from '../util/errors.js';

/**
 * Hands one field of a checkpoint's training state to the part that owns it (optimizer,
 * plugin, adapter): a state that part cannot take is the checkpoint's fault, so the error names
 * the file and the field instead of surfacing the part's stack.
 */
export function applyCheckpointState(file: string, field: string, apply: () => void): void {
  try {
    apply();
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${file}: trainingState.${field}: not a state this run can take (${(e as Error).message.split('\n')[0]})`, 2);
  }
}

/** The position of a checkpoint against the run's epoch length: a batch past the end is tampering. */
export function checkPosition(file: string, batchInEpoch: number, stepsPerEpoch: number): void {
  if (batchInEpoch > stepsPerEpoch) {
    throw new UserError(`${file}: trainingState.batchInEpoch: ${batchInEpoch} batches done, but an epoch of this run has ${stepsPerEpoch}`, 2);
  }
}
