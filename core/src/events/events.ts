import EventEmitter from 'eventemitter3';

/** Per-step numbers reported to observers (already read back from the device). */
export interface StepMetrics {
  step: number;
  epoch: number;
  /** Total loss. */
  loss: number;
  /** Each loss term by name, unweighted ('task' plus plugin terms). */
  terms: Record<string, number>;
  lr: number;
  samplesPerSec: number;
  /** Extra scalars plugins reported this step (diagnostics). */
  extra: Record<string, number>;
}

/**
 * Events for observers (loggers, progress bars, early stopping through `trainer.requestStop()`).
 * Payloads are plain numbers and objects, read after the step: an observer cannot change the
 * step. Listeners run synchronously; a listener that throws is reported on `error` and does
 * not stop training.
 */
export interface TrainerEventMap {
  fitStart: (e: { totalEpochs: number; stepsPerEpoch: number; startEpoch: number; startStep: number }) => void;
  fitEnd: (e: { epoch: number; step: number; stopped: boolean }) => void;
  epochStart: (e: { epoch: number; step: number }) => void;
  epochEnd: (e: { epoch: number; step: number; metrics: Record<string, number> }) => void;
  batchStart: (e: { epoch: number; step: number; batchIndex: number; batchSize: number }) => void;
  batchEnd: (e: StepMetrics & { batchIndex: number }) => void;
  evalEnd: (e: { epoch: number; step: number; metrics: Record<string, number> }) => void;
  checkpointSaved: (e: { epoch: number; step: number; dir: string }) => void;
  error: (e: { error: Error; where: string }) => void;
}

export type TrainerEventName = keyof TrainerEventMap;

export class TrainerEvents extends EventEmitter<TrainerEventMap> {
  /** Emits an event, isolating listener failures so an observer can never break training. */
  safeEmit<K extends TrainerEventName>(name: K, payload: Parameters<TrainerEventMap[K]>[0]): void {
    for (const fn of this.listeners(name)) {
      try {
        (fn as (p: typeof payload) => void)(payload);
      } catch (error) {
        if (name === 'error') continue;
        this.safeEmit('error', { error: error as Error, where: `listener of '${name}'` });
      }
    }
  }
}
