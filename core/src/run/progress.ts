import type { TrainerEvents } from '../events/events.js';

/** 119.6 -> '2m00s' (rounds before splitting, so never '1m60s'). */
export function fmtTime(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '--';
  const total = Math.round(s);
  const m = Math.floor(total / 60);
  const sec = total % 60;
  return m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

function fmtMetrics(m: Record<string, number>): string {
  return Object.entries(m)
    .filter(([k]) => k === 'loss' || k.startsWith('eval/'))
    .map(([k, v]) => `${k.replace(/^eval\//, '')} ${Number.isInteger(v) ? v : v.toFixed(4)}`)
    .join('  ');
}

/**
 * An observer that shows training progress: a bar redrawn in place on a terminal (loss,
 * throughput, ETA), or plain periodic lines when output is a file or pipe.
 */
export class ProgressReporter {
  private total = 0;
  private stepsPerEpoch = 1;
  private epochs = 1;
  private startStep = 0;
  private startTime = 0;
  private lastLine = 0;
  private barShown = false;

  constructor(
    private readonly mode: 'bar' | 'lines' | 'none',
    private readonly out: NodeJS.WritableStream = process.stderr,
    private readonly lineEverySec = 10,
  ) {}

  /** Clears the bar so a log line can be printed; it is redrawn on the next step. */
  clear = (): void => {
    if (this.barShown) {
      this.out.write('\r\x1b[K');
      this.barShown = false;
    }
  };

  attach(events: TrainerEvents): void {
    if (this.mode === 'none') return;
    events.on('fitStart', (e) => {
      this.stepsPerEpoch = e.stepsPerEpoch;
      this.epochs = e.totalEpochs;
      this.total = e.totalEpochs * e.stepsPerEpoch;
      this.startStep = e.startStep;
      this.startTime = performance.now();
      this.lastLine = this.startTime;
    });
    events.on('batchEnd', (e) => {
      const done = e.step + 1;
      const elapsed = (performance.now() - this.startTime) / 1000;
      const rate = (done - this.startStep) / Math.max(elapsed, 1e-9);
      const eta = (this.total - done) / Math.max(rate, 1e-9);
      const inEpoch = e.batchIndex + 1;
      const text = `epoch ${e.epoch + 1}/${this.epochs} ${inEpoch}/${this.stepsPerEpoch}  loss ${e.loss.toFixed(4)}  ${Math.round(e.samplesPerSec)} samples/s  ETA ${fmtTime(eta)}`;
      if (this.mode === 'bar') {
        const width = 24;
        const filled = Math.round((width * inEpoch) / this.stepsPerEpoch);
        this.out.write(`\r\x1b[K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}`);
        this.barShown = true;
      } else if (performance.now() - this.lastLine >= this.lineEverySec * 1000) {
        this.out.write(text + '\n');
        this.lastLine = performance.now();
      }
    });
    events.on('epochEnd', (e) => {
      this.clear();
      const elapsed = (performance.now() - this.startTime) / 1000;
      this.out.write(`epoch ${e.epoch + 1}/${this.epochs} done  ${fmtMetrics(e.metrics)}  (${fmtTime(elapsed)} elapsed)\n`);
    });
    events.on('fitEnd', () => this.clear());
  }
}
