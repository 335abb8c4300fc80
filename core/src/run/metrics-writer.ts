import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Appends one JSON object per line to metrics.jsonl. Each line is written with a single
 * append, so a reader never sees half a line; null path = write nothing.
 */
export class MetricsWriter {
  readonly records: Record<string, unknown>[] = [];
  private dirReady = false;

  constructor(
    private readonly path: string | null,
    private readonly keepInMemory = false,
  ) {}

  write(record: Record<string, unknown>): void {
    if (this.keepInMemory) this.records.push(record);
    if (!this.path) return;
    // Created on the first line, so a run that fails before training leaves no directory.
    if (!this.dirReady) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.dirReady = true;
    }
    appendFileSync(this.path, JSON.stringify(record) + '\n');
  }
}
